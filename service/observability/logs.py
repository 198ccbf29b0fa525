"""Logs as JSON lines through the standard logging module, with the request id of the request.

One formatter serves the app and gunicorn alike: ``deploy/gunicorn.conf.py`` names
:class:`JsonFormatter` in its ``logconfig_dict``, so gunicorn's own lines (worker boots, timeouts,
signals) and the app's have the same fields. That formatter is built in gunicorn's master before
any app exists, so the app plugs the request id in later with :func:`set_context_provider`.

This module imports only the standard library: the gunicorn master loads it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from flask import Flask

ContextProvider = Callable[[], Mapping[str, Any]]

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is logged.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
_context_provider: ContextProvider | None = None


def set_context_provider(provider: ContextProvider | None) -> None:
    """Fields added to every line, e.g. the request id; values that are None are left out."""
    global _context_provider
    _context_provider = provider


def _context() -> Mapping[str, Any]:
    if _context_provider is None:
        return {}
    try:
        return _context_provider()
    except Exception:  # a log line must never fail because its context could not be read
        return {}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, pid, message, context, extras, stack.

    ``json.dumps`` escapes newlines, so a multi-line message or a stack trace stays on one line.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        entry.update((key, value) for key, value in _context().items() if value is not None)
        entry.update(
            (key, value)
            for key, value in vars(record).items()
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_")
        )
        if record.exc_info and record.exc_info[0] is not None:
            error_type, error = record.exc_info[:2]
            entry["error"] = f"{error_type.__name__}: {error}"
            entry["stack"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class StderrToLog(io.TextIOBase):
    """A ``sys.stderr`` whose text becomes log records of the ``stderr`` logger, so JSON lines too.

    Some code writes to stderr without logging: gunicorn prints a worker's boot error right after
    logging it, and Python prints uncaught exceptions. Text is collected up to a newline (or a
    flush) and logged as one record, so a multi-line message stays one line. Text written while a
    record is being logged (a failing handler reporting itself) goes to the real stderr instead.
    """

    def __init__(self, original: TextIO, logger: logging.Logger | None = None) -> None:
        super().__init__()
        self._original = original
        self._logger = logger or logging.getLogger("stderr")
        self._pending = ""
        self._logging = False

    @property
    def encoding(self) -> str:
        return getattr(self._original, "encoding", None) or "utf-8"

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._original.fileno()

    def write(self, text: str) -> int:
        if self._logging:
            return self._original.write(text)
        self._pending += text
        if self._pending.endswith("\n"):
            self.flush()
        return len(text)

    def flush(self) -> None:
        text, self._pending = self._pending.rstrip("\n"), ""
        if not text.strip():
            return
        self._logging = True
        try:
            self._logger.error(text)
        finally:
            self._logging = False


def _logs_as_json(logger: logging.Logger) -> bool:
    return any(isinstance(handler.formatter, JsonFormatter) for handler in logger.handlers)


def configure_root_logger(level: str, stream: Any = None) -> None:
    """Send records to ``stream`` (stderr) as JSON, unless the root logger is configured already.

    Like :func:`logging.basicConfig`, it leaves a configuration that someone made alone: gunicorn's
    (from deploy/gunicorn.conf.py, JSON already) or a test runner's. When the root logger does
    write JSON, warnings are routed through it too, so that nothing the process prints bypasses it.
    """
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
        root.setLevel(level)
    if _logs_as_json(root):
        logging.captureWarnings(True)


def init_app(app: Flask) -> None:
    """JSON logs for the process, at the app's LOG_LEVEL when this sets the logging up."""
    configure_root_logger(app.config.get("LOG_LEVEL", "INFO"))
