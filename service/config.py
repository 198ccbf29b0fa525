"""Configuration read from the environment, with defaults that run on a fresh machine.

Every setting is a Flask config key; ``create_app(config)`` lays a test's or a caller's mapping
on top, so nothing else in the service reads ``os.environ`` for these.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from service.engine.backend import DEFAULT_GPU_CROSSOVER

# Where Flask puts the instance folder of this (uninstalled) package: <project>/instance.
DEFAULT_INSTANCE_PATH = Path(__file__).resolve().parent.parent / "instance"
DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024
DEFAULT_MAX_LAYERS = 10
DEFAULT_MAX_WEIGHTS = 10_000

# Environment variable -> (config key, what it is), in the order the README documents them.
ENVIRONMENT = {
    "DATABASE_URL": ("DATABASE_URL", "SQLAlchemy URL of the database"),
    "INSTRUCTOR_TOKENS": ("INSTRUCTOR_TOKENS", "comma-separated bearer tokens of instructors"),
    "GRADER_ENGINE": ("GRADER_ENGINE", "auto, numpy or cupy"),
    "GRADER_GPU_CROSSOVER": ("GPU_CROSSOVER", "work (multiply-adds) below which CuPy hands over to NumPy"),
    "GRADER_SECRET_KEY": ("SECRET_KEY", "signs the student pages' form tokens; the same on every worker"),
    "GRADER_MAX_REQUEST_BYTES": ("MAX_CONTENT_LENGTH", "largest request body accepted"),
    "GRADER_MAX_LAYERS": ("MAX_LAYERS", "most layers an exercise may have"),
    "GRADER_MAX_WEIGHTS": ("MAX_WEIGHTS", "most weights an exercise may have in all"),
    "GRADER_AUTO_MIGRATE": ("AUTO_MIGRATE", "apply database migrations when the app starts"),
    "LOG_LEVEL": ("LOG_LEVEL", "level of the JSON log lines: DEBUG, INFO, WARNING, ERROR"),
}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def default_database_url(instance_path: str | Path) -> str:
    """The embedded default: an SQLite file in the app's instance folder."""
    return f"sqlite:///{Path(instance_path) / 'grader.sqlite3'}"


def parse_tokens(value: str | None) -> tuple[str, ...]:
    """Split a comma-separated token list, ignoring blanks around and between tokens."""
    return tuple(token.strip() for token in (value or "").split(",") if token.strip())


def _integer(environ: Mapping[str, str], name: str, default: int, *, minimum: int = 1) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, got {raw!r}")


def _log_level(environ: Mapping[str, str], name: str, default: str) -> str:
    raw = environ.get(name, "").strip().upper()
    if not raw:
        return default
    if raw not in LOG_LEVELS:
        raise ValueError(f"{name} must be one of {', '.join(LOG_LEVELS)}, got {raw!r}")
    return raw


@dataclass(frozen=True)
class Config:
    """The deployment's settings; field names are the Flask config keys the app reads."""

    DATABASE_URL: str
    INSTRUCTOR_TOKENS: tuple[str, ...]
    GRADER_ENGINE: str
    MAX_CONTENT_LENGTH: int
    MAX_LAYERS: int
    MAX_WEIGHTS: int
    AUTO_MIGRATE: bool
    LOG_LEVEL: str = "INFO"
    GPU_CROSSOVER: int = DEFAULT_GPU_CROSSOVER
    SECRET_KEY: str | None = None

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, *, instance_path: str | Path = DEFAULT_INSTANCE_PATH
    ) -> Config:
        """Read ``environ`` (the process environment by default); ValueError names a bad variable."""
        environ = os.environ if environ is None else environ
        return cls(
            DATABASE_URL=environ.get("DATABASE_URL", "").strip() or default_database_url(instance_path),
            INSTRUCTOR_TOKENS=parse_tokens(environ.get("INSTRUCTOR_TOKENS")),
            GRADER_ENGINE=environ.get("GRADER_ENGINE", "").strip().lower() or "auto",
            MAX_CONTENT_LENGTH=_integer(environ, "GRADER_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES),
            MAX_LAYERS=_integer(environ, "GRADER_MAX_LAYERS", DEFAULT_MAX_LAYERS),
            MAX_WEIGHTS=_integer(environ, "GRADER_MAX_WEIGHTS", DEFAULT_MAX_WEIGHTS),
            AUTO_MIGRATE=_flag(environ, "GRADER_AUTO_MIGRATE", True),
            LOG_LEVEL=_log_level(environ, "LOG_LEVEL", "INFO"),
            # 0: every computation on the GPU (how the suite is run on a GPU node)
            GPU_CROSSOVER=_integer(environ, "GRADER_GPU_CROSSOVER", DEFAULT_GPU_CROSSOVER, minimum=0),
            SECRET_KEY=environ.get("GRADER_SECRET_KEY", "").strip() or None,
        )

    def as_flask_config(self) -> dict[str, Any]:
        return asdict(self)


# The OpenAPI document and the API's fixed settings (not deployment choices).
API_SETTINGS: dict[str, Any] = {
    "API_TITLE": "Backprop Grader",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
}
