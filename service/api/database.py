"""The app's database: opened, migrated and seeded at start-up; one session per request.

Views call :func:`request_session`; it is closed when the request's app context ends, and
whatever a view did not commit is rolled back then.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from service.store import Database, seed_builtin_exercises, upgrade_database

EXTENSION = "grader.database"


def app_database(app: Flask | None = None) -> Database:
    """The Database of ``app`` (the current app by default)."""
    return (app or current_app).extensions[EXTENSION]


def request_session() -> Session:
    """The session of the current request, opened on first use."""
    if "db_session" not in g:
        g.db_session = app_database().sessions()
    return g.db_session


def _close_session(_error: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    """Open the configured database, migrate it when AUTO_MIGRATE is on, add missing built-ins."""
    url = app.config["DATABASE_URL"]
    if app.config.get("AUTO_MIGRATE", True):
        upgrade_database(url)
    database = Database(url)
    seed_builtin_exercises(database)
    app.extensions[EXTENSION] = database
    app.teardown_appcontext(_close_session)
