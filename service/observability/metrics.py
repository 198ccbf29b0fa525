"""Prometheus metrics: HTTP traffic, grading, and the engine backend, served at ``/metrics``.

The metrics are module-level, so they are registered once per process however many apps the
tests build. Under gunicorn every worker is its own process: with ``PROMETHEUS_MULTIPROC_DIR``
set (deploy/gunicorn.conf.py creates it and drops the live gauges of dead workers), each worker
writes its values to files there and ``/metrics`` adds up the files of all workers, so a scrape
that lands on any one worker reports the whole server.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from flask import Flask, Response, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.exposition import choose_encoder

from service.engine import current_backend
from service.grading import GradeResult

# Methods outside this set are counted as "other": a client must not create label values at will.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # the endpoint label of a request that matched no route (404, 405)

HTTP_REQUESTS = Counter(
    "grader_http_requests_total",
    "HTTP requests answered, by route template, method and status code.",
    ["endpoint", "method", "status"],
)
HTTP_DURATION = Histogram(
    "grader_http_request_duration_seconds",
    "Time from the request reaching the app to its response, by route template and method.",
    ["endpoint", "method"],
)
STEPS_GRADED = Counter(
    "grader_steps_graded_total",
    "Steps of graded submissions, by verdict (correct, carried_forward, incorrect, missing, invalid).",
    ["status"],
)
SUBMISSIONS_GRADED = Counter(
    "grader_submissions_total",
    "Submissions graded, by the array module that computed them and by source (submission or check).",
    ["backend", "source"],
)
GRADING_BATCH_SIZE = Histogram(
    "grader_grading_batch_size",
    "Submissions graded together in one pass of the engine.",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)
ENGINE = Gauge(
    "grader_engine_info",
    "1 for the engine backend and device this server grades with.",
    ["backend", "device"],
    multiprocess_mode="livemax",  # every live worker reports the same: show it once, drop dead ones
)


def method_label(method: str) -> str:
    return method if method in KNOWN_METHODS else "other"


def observe_request(endpoint: str, method: str, status: int, seconds: float | None) -> None:
    """Count one answered request and, when its start was seen, its duration."""
    method = method_label(method)
    HTTP_REQUESTS.labels(endpoint, method, str(status)).inc()
    if seconds is not None:
        HTTP_DURATION.labels(endpoint, method).observe(seconds)


def record_grading(results: Iterable[GradeResult], *, source: str) -> None:
    """Count the submissions graded in one pass, their step verdicts, and the batch size."""
    graded = list(results)
    if not graded:
        return
    for result in graded:
        SUBMISSIONS_GRADED.labels(result.batch.backend, source).inc()
        for status, count in result.counts.items():
            if count:
                STEPS_GRADED.labels(status).inc(count)
    GRADING_BATCH_SIZE.observe(len(graded))


def multiprocess_mode() -> bool:
    """Whether values go to PROMETHEUS_MULTIPROC_DIR (prometheus_client reads the same variable)."""
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def record_engine() -> None:
    """Report the process's engine backend and device.

    In one process (tests build many apps) the backend reported before is dropped first; a
    gunicorn worker builds one app, and multi-process gauges cannot be cleared anyway.
    """
    described = current_backend().describe()
    if not multiprocess_mode():
        ENGINE.clear()
    ENGINE.labels(described["backend"], described["device"]).set(1)


def _registry() -> CollectorRegistry:
    """All workers' values in multi-process mode; this process's otherwise."""
    if not multiprocess_mode():
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def metrics_view() -> Response:
    """The exposition, as Prometheus text or OpenMetrics according to the Accept header."""
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encoder(_registry()), headers={"Content-Type": content_type})


def init_app(app: Flask) -> None:
    """Serve ``/metrics`` (outside the OpenAPI document: it is for Prometheus, not API clients)."""
    record_engine()
    app.add_url_rule("/metrics", endpoint="metrics", view_func=metrics_view, methods=["GET"])
