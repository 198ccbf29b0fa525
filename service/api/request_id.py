"""A request id for every request: taken from ``X-Request-ID`` when it is sane, made up otherwise.

It comes back in the ``X-Request-ID`` response header and in error bodies, so a person reporting
a failure can quote the id that the logs carry.
"""

from __future__ import annotations

import re
import uuid

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        g.request_id = _choose_request_id()
    return g.request_id


def _choose_request_id() -> str:
    incoming = request.headers.get(HEADER, "")
    return incoming if _ACCEPTABLE.fullmatch(incoming) else uuid.uuid4().hex


def _remember_request_id() -> None:
    current_request_id()


def _send_request_id(response: Response) -> Response:
    response.headers[HEADER] = current_request_id() or ""
    return response


def init_app(app: Flask) -> None:
    app.before_request(_remember_request_id)
    app.after_request(_send_request_id)
