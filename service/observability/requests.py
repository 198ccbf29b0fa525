"""Per-request hooks: time each request, count it, and log one JSON line for it.

The line carries the request id that the response returns as ``X-Request-ID`` (see
:mod:`service.api.request_id`), so a person quoting the id finds the request and any error
logged while it was handled.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

from service.api.request_id import current_request_id

from . import logs, metrics

logger = logging.getLogger("service.request")


def _start_timer() -> None:
    g.observability_started = time.perf_counter()


def endpoint_label() -> str:
    """The matched route's template (``/api/v1/exercises/<exercise_id>``): few values, unlike paths."""
    rule = request.url_rule
    return rule.rule if rule is not None else metrics.UNMATCHED


def _observe(response: Response) -> Response:
    started = g.get("observability_started")
    seconds = time.perf_counter() - started if started is not None else None
    endpoint = endpoint_label()
    metrics.observe_request(endpoint, request.method, response.status_code, seconds)
    logger.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "method": request.method,
            "path": request.path,
            "endpoint": endpoint,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 3) if seconds is not None else None,
            "remote_addr": request.remote_addr,
        },
    )
    return response


def _request_context() -> dict[str, str | None]:
    return {"request_id": current_request_id()}


def init_app(app: Flask) -> None:
    """Register the hooks; ``init_app`` of the package calls this before the API adds its own."""
    logs.set_context_provider(_request_context)
    app.before_request(_start_timer)
    app.after_request(_observe)
