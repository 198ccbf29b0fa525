"""Liveness (the process answers) and readiness (the database answers, the engine is chosen).

Kubernetes and Compose call ``/readyz`` every few seconds, so it costs one ``SELECT 1`` on a
pooled connection. How long a connection attempt may take is the database driver's setting
(``PGCONNECT_TIMEOUT`` in deploy/, or ``connect_timeout`` in ``DATABASE_URL``); a refused
connection, as when PostgreSQL is stopped, fails at once. The engine is reported but never
fails the probe: it was chosen at start-up, and a forced backend that cannot run stops the app.
"""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from schemas import LivenessSchema, ProblemSchema, ReadinessSchema
from service.engine import current_backend
from service.errors import PROBLEM_MIMETYPE, problem_response

from .blueprint import Blueprint
from .database import app_database

blp = Blueprint("health", __name__, description="Liveness and readiness probes")


def database_status() -> str:
    """'ok', or why the database cannot be reached (the driver's first line, no secrets)."""
    try:
        with app_database().engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        first_line = str(getattr(error, "orig", None) or error).strip().splitlines()[:1]
        return f"unreachable: {type(error).__name__}: {first_line[0] if first_line else ''}"
    return "ok"


def engine_status() -> dict[str, str]:
    described = current_backend().describe()
    return {name: described[name] for name in ("backend", "device", "reason")}


@blp.route("/healthz")
class Liveness(MethodView):
    @blp.response(200, LivenessSchema)
    def get(self):
        """The process is up and serving requests."""
        return {"status": "ok"}


@blp.route("/readyz")
class Readiness(MethodView):
    @blp.response(200, ReadinessSchema)
    @blp.alt_response(
        503,
        schema=ProblemSchema,
        content_type=PROBLEM_MIMETYPE,
        description="The database cannot be reached; the body also has `database` and `engine`.",
    )
    def get(self):
        """Ready when the database answers; says which engine backend and device grade."""
        database, engine = database_status(), engine_status()
        if database != "ok":
            detail = f"The database is {database}. Requests that read or store data fail until it is back."
            return problem_response(503, detail, database=database, engine=engine)
        return {"status": "ready", "database": database, "engine": engine}
