"""Engines and sessions: one engine per database URL, tuned for SQLite or PostgreSQL.

SQLite runs in WAL mode with full synchronous commits so that an acknowledged submission
survives a killed worker; every connection waits for a busy writer instead of failing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 15_000
POSTGRES_CONNECT_TIMEOUT_S = 5


def normalize_database_url(url: str) -> str:
    """Accept the common ``postgres://`` and ``postgresql://`` forms and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def storable(text: str) -> bool:
    """Whether ``text`` can be a stored key: PostgreSQL's text cannot hold NUL, so no stored id has one."""
    return "\x00" not in text


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _prepare_sqlite_file(url: str) -> None:
    """Create the folder of an SQLite file so a fresh machine needs no set-up step."""
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite gets its pragmas on every connection, PostgreSQL pre-pings."""
    url = normalize_database_url(url)
    if is_sqlite(url):
        _prepare_sqlite_file(url)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args=_postgres_connect_args(url))


def _postgres_connect_args(url: str) -> dict[str, int]:
    """Give up on an unanswering server after a few seconds: libpq would wait for ever.

    A ``connect_timeout`` in the URL or ``PGCONNECT_TIMEOUT`` in the environment wins.
    """
    if "connect_timeout" in make_url(url).query or os.environ.get("PGCONNECT_TIMEOUT"):
        return {}
    return {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}


class Database:
    """An engine and its session factory; the app keeps one, scripts and tests make their own."""

    def __init__(self, url: str) -> None:
        self.url = normalize_database_url(url)
        self.engine = make_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits what the caller leaves pending, or rolls back on error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()
