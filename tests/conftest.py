"""Fixtures: the app built from a test config, on a fresh SQLite file and on real PostgreSQL.

``database_url`` is parametrised, so every storage and API test that uses it runs on both. The
PostgreSQL run gets its own database, created for the test session and dropped after it; it is
skipped, saying why, only when the server at TEST_POSTGRES_URL cannot be reached, and fails
instead under CI=true, where .ci/run has set the server up and a skip would hide half the suite.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from service.engine import select_backend
from service.store import Database, normalize_database_url, upgrade_database

# The engine the apps and servers under test grade with: NumPy, unless GRADER_ENGINE names
# another. On a GPU node `GRADER_ENGINE=cupy GRADER_GPU_CROSSOVER=0 make test` runs the API,
# the pages and the gunicorn servers on CuPy too; tests that name the backend compare with these.
ENGINE = select_backend(os.environ.get("GRADER_ENGINE") or "numpy")
# What grades one submission: small work stays on NumPy below the crossover, even on a GPU. The
# expectations hold for GRADER_GPU_CROSSOVER=0 (all of it on the GPU) and for the default (one
# submission of any test exercise stays on NumPy), not for a crossover in between.
SMALL_WORK_BACKEND = "numpy" if ENGINE.module_for(1) is numpy else ENGINE.name
# ... and how a submission records it (service/submissions.py, engine_label)
SMALL_WORK_LABEL = "numpy (cpu)" if SMALL_WORK_BACKEND == "numpy" else f"cupy ({ENGINE.device})"

POSTGRES_ADMIN_URL = normalize_database_url(
    os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
)
INSTRUCTOR_TOKEN = "instructor-token-for-tests"
OTHER_INSTRUCTOR_TOKEN = "second-instructor-token"
TABLES = ("submissions", "exercise_versions", "exercises")


def app_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    """The app config tests use: the engine under test, known instructor tokens, the database."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "GRADER_ENGINE": ENGINE.name,
        "INSTRUCTOR_TOKENS": (INSTRUCTOR_TOKEN, OTHER_INSTRUCTOR_TOKEN),
        **overrides,
    }


def _admin_engine():
    return create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session, dropped at the end."""
    admin = _admin_engine()
    name = f"grader_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        unreachable = f"PostgreSQL at {make_url(POSTGRES_ADMIN_URL).render_as_string()} is unreachable: {error.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{unreachable}\nCI=true: the PostgreSQL tests must run (see .ci/postgres).", pytrace=False)
        pytest.skip(unreachable)
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    upgrade_database(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_postgres(url: str) -> None:
    database = Database(url)
    with database.session() as session:
        session.execute(text(f"TRUNCATE {', '.join(TABLES)}"))
    database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a new SQLite file, or the session's PostgreSQL database emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'instance' / 'grader.sqlite3'}"
    url = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def app(database_url: str):
    from service import create_app

    application = create_app(app_config(database_url))
    yield application
    application.extensions["grader.database"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def instructor() -> dict[str, str]:
    """Headers of an instructor request."""
    return {"Authorization": f"Bearer {INSTRUCTOR_TOKEN}"}


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A migrated, empty database for storage tests that need no app."""
    upgrade_database(database_url)
    opened = Database(database_url)
    yield opened
    opened.dispose()
