"""Operations: Prometheus metrics at ``/metrics`` and one JSON log line per request.

The submodules are imported by :func:`init_app`, not here, because gunicorn's master process
imports :mod:`service.observability.logs` for its log formatter (``deploy/gunicorn.conf.py``) and
must not create metric values: those belong to the worker processes that serve requests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """JSON logs, the ``/metrics`` endpoint and the per-request hooks that feed both.

    Call it after the engine backend is chosen (the metrics report it) and before the API
    registers its hooks, so the request timer starts first.
    """
    from . import logs, metrics, requests  # noqa: PLC0415 - see the module docstring

    logs.init_app(app)
    metrics.init_app(app)
    requests.init_app(app)
