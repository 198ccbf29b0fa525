"""Apply the Alembic migrations shipped inside the package, from any working directory.

Several gunicorn workers may start at once: an advisory lock (PostgreSQL) or a lock file
(SQLite) lets one of them migrate while the others wait, then find nothing left to do.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from .database import is_sqlite, make_engine, normalize_database_url

MIGRATIONS = Path(__file__).parent / "migrations"
POSTGRES_LOCK_KEY = 0x6772_6164_6572  # "grader": one lock shared by every migrating process


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at the package's migrations, with no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalize_database_url(database_url).replace("%", "%%"))
    return config


@contextmanager
def _sqlite_lock(database_url: str) -> Iterator[None]:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".migrate-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _upgrade_on(connection: Connection, config: Config) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def upgrade_database(database_url: str) -> None:
    """Bring the database at ``database_url`` to the newest schema (a no-op when it is there)."""
    url = normalize_database_url(database_url)
    config = alembic_config(url)
    engine = make_engine(url)
    try:
        if is_sqlite(url):
            with _sqlite_lock(url), engine.begin() as connection:
                _upgrade_on(connection, config)
        else:
            with engine.begin() as connection:
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRES_LOCK_KEY})
                _upgrade_on(connection, config)
    finally:
        engine.dispose()
