"""Gunicorn settings for the Backprop Grader.

Used as: gunicorn -c deploy/gunicorn.conf.py 'service:create_app()'

Every setting can be tuned from the environment so that the same file serves the
Docker image, the Kubernetes Deployment and the Compose install:

  GUNICORN_BIND              listen address (default 0.0.0.0:8000)
  GUNICORN_WORKERS           worker processes (default 2 * usable CPUs + 1, at least 2)
  GUNICORN_THREADS           threads per worker (default 1: sync workers)
  GUNICORN_TIMEOUT           seconds before a silent worker is killed and restarted (default 30)
  GUNICORN_GRACEFUL_TIMEOUT  seconds workers get to finish requests on shutdown (default 25)
  GUNICORN_KEEPALIVE         seconds to hold an idle keep-alive connection (default 5)
  GUNICORN_MAX_REQUESTS      recycle a worker after this many requests, 0 = never (default 1000)
  GUNICORN_ACCESSLOG         access log target, "-" = stdout, "" = off (default "-")
  GUNICORN_LOG_LEVEL         gunicorn's own log level (default: LOG_LEVEL, else info)
  LOG_LEVEL                  the app's log level (default info)
  PROMETHEUS_MULTIPROC_DIR   enables prometheus_client multi-process mode (see the hooks below)

Gunicorn applies every module-level name that matches one of its settings, so helpers here
start with an underscore or are classes/functions whose names are not settings.
"""

import contextlib as _contextlib
import datetime as _dt
import glob as _glob
import json as _json
import math as _math
import os as _os
import sys as _sys

from gunicorn import glogging as _glogging

# --------------------------------------------------------------------------- helpers


def _env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = _os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def _cgroup_cpu_limit(root: str = "/sys/fs/cgroup") -> int | None:
    """CPUs allowed by the container's CFS quota (cgroup v2, then v1), rounded up; None if unlimited."""
    try:
        with open(_os.path.join(root, "cpu.max"), encoding="ascii") as fh:
            quota, period = fh.read().split()[:2]
        if quota != "max":
            return max(1, _math.ceil(int(quota) / int(period)))
        return None
    except (OSError, ValueError):
        pass
    try:
        with open(_os.path.join(root, "cpu", "cpu.cfs_quota_us"), encoding="ascii") as fh:
            quota_us = int(fh.read().strip())
        with open(_os.path.join(root, "cpu", "cpu.cfs_period_us"), encoding="ascii") as fh:
            period_us = int(fh.read().strip())
    except (OSError, ValueError):
        return None
    if quota_us <= 0 or period_us <= 0:
        return None
    return max(1, _math.ceil(quota_us / period_us))


def usable_cpus() -> int:
    """CPUs this process may actually use: affinity mask, capped by a container CPU limit."""
    try:
        cpus = len(_os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = _os.cpu_count() or 1
    limit = _cgroup_cpu_limit()
    if limit is not None:
        cpus = min(cpus, limit)
    return max(1, cpus)


def default_workers(cpus: int) -> int:
    """Gunicorn's usual 2 * CPUs + 1, never fewer than 2 so one slow request cannot block the pod."""
    return max(2, 2 * cpus + 1)


# --------------------------------------------------------------------------- server socket

bind = [_os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")]
backlog = 2048

# --------------------------------------------------------------------------- workers

workers = _env_int("GUNICORN_WORKERS", default_workers(usable_cpus()), minimum=1)
threads = _env_int("GUNICORN_THREADS", 1, minimum=1)
# Grading is CPU-bound NumPy/CuPy work: plain sync workers (gthread when GUNICORN_THREADS > 1).
worker_class = "gthread" if threads > 1 else "sync"
# Fork before importing the app: CUDA contexts and Prometheus values must not be shared across forks.
preload_app = False
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max_requests // 10
# No control socket (gunicornc): the orchestrator manages the workers, and its default place,
# $HOME/.gunicorn, is on the read-only root filesystem in the image.
control_socket_disable = True
# Worker heartbeat files: keep them in memory, and off the (read-only) root filesystem.
worker_tmp_dir = "/dev/shm" if _os.path.isdir("/dev/shm") and _os.access("/dev/shm", _os.W_OK) else None

# --------------------------------------------------------------------------- timeouts and shutdown

timeout = _env_int("GUNICORN_TIMEOUT", 30, minimum=1)
# On SIGTERM workers stop accepting and get this long to finish in-flight requests.
# Keep it below the pod's terminationGracePeriodSeconds minus the preStop delay.
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 25, minimum=1)
keepalive = _env_int("GUNICORN_KEEPALIVE", 5, minimum=0)

# --------------------------------------------------------------------------- request limits
# Bodies are capped by the app (MAX_CONTENT_LENGTH); these bound what gunicorn parses first.

limit_request_line = 4094
limit_request_fields = 64
limit_request_field_size = 8190

# --------------------------------------------------------------------------- logging

loglevel = _os.environ.get("GUNICORN_LOG_LEVEL", _os.environ.get("LOG_LEVEL", "info")).lower()
errorlog = "-"
accesslog = _os.environ.get("GUNICORN_ACCESSLOG", "-") or None

# One JSON object per line. String atoms are JSON-escaped by JsonSafeAtoms below; the unquoted
# atoms (status, bytes, durations) are rendered as JSON numbers or null.
access_log_format = (
    "{"
    '"time": "%(t)s", '
    '"remote_addr": "%(h)s", '
    '"method": "%(m)s", '
    '"path": "%(U)s", '
    '"query": "%(q)s", '
    '"protocol": "%(H)s", '
    '"status": %(s)s, '
    '"bytes": %(B)s, '
    '"duration_ms": %(M)s, '
    '"duration_us": %(D)s, '
    '"referer": "%(f)s", '
    '"user_agent": "%(a)s", '
    '"request_id": "%({x-request-id}o)s", '
    '"pid": "%(p)s"'
    "}"
)


def _json_number(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return "null"
    if isinstance(value, int | float):
        return str(value)
    try:
        return str(int(str(value).split(None, 1)[0]))
    except (ValueError, IndexError):
        return "null"


class JsonSafeAtoms(dict):
    """Atom mapping for access_log_format that keeps every line valid JSON.

    Gunicorn's own SafeAtoms only escapes double quotes; a backslash or a control character
    in a URL or User-Agent would still break the line.
    """

    NUMERIC = frozenset({"s", "B", "T", "D", "M"})

    def __getitem__(self, key: str) -> str:
        lookup = key.lower() if key.startswith("{") else key
        value = self.get(lookup)
        if key in self.NUMERIC:
            return _json_number(value)
        if value is None:
            return "-"
        return _json.dumps(str(value), ensure_ascii=False)[1:-1]


class JsonAccessLogger(_glogging.Logger):
    atoms_wrapper_class = JsonSafeAtoms

    def now(self) -> str:
        return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds")


logger_class = JsonAccessLogger


def _access_handler(target: str | None) -> dict:
    """Access lines are JSON already (access_log_format): write them as they are."""
    if not target:
        return {"class": "logging.NullHandler"}
    if target == "-":
        return {"class": "logging.StreamHandler", "formatter": "as_is", "stream": "ext://sys.stdout"}
    return {"class": "logging.FileHandler", "formatter": "as_is", "filename": target}


# Every other line, gunicorn's (worker boots, timeouts, signals) and the app's (one per request,
# errors with their stack), goes through the service's JsonFormatter: one JSON object per line.
# Gunicorn lays this over its defaults, so it names every logger it changes; the formatter is
# imported from the service's package (the image sets PYTHONPATH=/app; gunicorn adds its chdir).
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "service.observability.logs.JsonFormatter"},
        "as_is": {"format": "%(message)s"},
    },
    "handlers": {
        "app": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
        "gunicorn": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        "access": _access_handler(accesslog),
    },
    "root": {"level": (_os.environ.get("LOG_LEVEL", "").strip() or "info").upper(), "handlers": ["app"]},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["gunicorn"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
    },
}


def post_fork(server, worker):
    """In each worker, text printed to stderr outside logging becomes a JSON line too.

    Gunicorn itself prints a worker's boot error (the database down at start, say) after logging it.
    """
    from service.observability.logs import StderrToLog  # noqa: PLC0415 - loading this file needs no service

    _sys.stderr = StderrToLog(_sys.stderr)


# --------------------------------------------------------------------------- Prometheus multi-process mode
# prometheus_client keeps each worker's values in PROMETHEUS_MULTIPROC_DIR; /metrics aggregates them.

_prometheus_dir = _os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _prometheus_dir:
    _os.makedirs(_prometheus_dir, exist_ok=True)


def on_starting(server):
    """Master start: make sure the directory exists and drop values left by a previous run."""
    directory = _os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    _os.makedirs(directory, exist_ok=True)
    for stale in _glob.glob(_os.path.join(directory, "*.db")):
        with _contextlib.suppress(FileNotFoundError):
            _os.remove(stale)


def child_exit(server, worker):
    """A worker exited: drop its live gauges so /metrics stops reporting them."""
    if not _os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    # Imported here, not at the top: the master must not load prometheus_client before the hooks need it.
    from prometheus_client import multiprocess  # noqa: PLC0415

    multiprocess.mark_process_dead(worker.pid)
