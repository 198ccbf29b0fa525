"""Storage on SQLite and PostgreSQL: migrations, built-ins, versions, retirement, submissions."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from service.engine import builtin_exercise_ids, builtin_spec, parse_exercise
from service.store import (
    Base,
    Database,
    ExerciseExists,
    ExerciseNotFound,
    create_exercise,
    get_exercise_record,
    list_exercises,
    load_exercise,
    make_engine,
    normalize_database_url,
    retire_exercise,
    seed_builtin_exercises,
    update_exercise,
    upgrade_database,
)
from service.store.migrate import alembic_config

SUBMISSION = text(
    "INSERT INTO submissions (id, exercise_id, exercise_version, student_id, answers, result, score, "
    "engine_backend, submitted_at, idempotency_key) VALUES (:id, :exercise, 1, 'ada', '{}', '{}', 0, 'x', :now, 'k')"
)


def forward_spec(weight: float = 0.1, title: str = "Forward") -> dict:
    return {"title": title, "inputs": [1, 2], "layers": [{"weights": [[0.5, weight, -0.3]]}], "steps": ["z.1.1"]}


def test_migrations_create_the_models_schema_and_run_twice(database: Database):
    upgrade_database(database.url)
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert differences == []
    assert version == "0002"
    assert set(inspect(database.engine).get_table_names()) >= {"exercises", "exercise_versions", "submissions"}


def test_migration_0002_scopes_idempotency_keys_and_keeps_the_rows(database_url: str):
    """From 0001 with a submission in it (downgrading to it first on PostgreSQL) up to the newest."""
    upgrade_database(database_url)
    engine = make_engine(database_url)
    with engine.begin() as connection:
        config = alembic_config(database_url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    now = {"now": datetime.now(UTC)}
    with engine.begin() as connection:
        for exercise in ("a", "b"):
            connection.execute(
                text(f"INSERT INTO exercises VALUES ('{exercise}', 1, 'A', '[]', :now, :now, NULL)"), now
            )
            connection.execute(text(f"INSERT INTO exercise_versions VALUES ('{exercise}', 1, '{{}}', :now)"), now)
        connection.execute(SUBMISSION, {"id": "s1", "exercise": "a", **now})
        with pytest.raises(IntegrityError), connection.begin_nested():  # 0001: one key for everyone
            connection.execute(SUBMISSION, {"id": "s2", "exercise": "b", **now})
    upgrade_database(database_url)
    with engine.begin() as connection:
        connection.execute(SUBMISSION, {"id": "s2", "exercise": "b", **now})
        with pytest.raises(IntegrityError), connection.begin_nested():  # 0002: one key per exercise and student
            connection.execute(SUBMISSION, {"id": "s3", "exercise": "a", **now})
        stored = connection.execute(text("SELECT id, idempotency_key FROM submissions ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in stored] == [("s1", "k"), ("s2", "k")]


def test_concurrent_upgrades_wait_for_each_other(database_url: str):
    failures: list[BaseException] = []

    def upgrade() -> None:
        try:
            upgrade_database(database_url)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=upgrade) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert not any(thread.is_alive() for thread in threads)


def test_sqlite_uses_wal_and_full_synchronous(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar_one() == 2
    database.dispose()


def test_postgres_urls_use_the_psycopg_driver():
    assert normalize_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_seeding_adds_the_builtins_once(database: Database):
    assert seed_builtin_exercises(database) == list(builtin_exercise_ids())
    assert seed_builtin_exercises(database) == []
    with database.sessions() as session:
        records, total = list_exercises(session)
        stored = load_exercise(session, "worked-example")
    assert total == 3
    assert [record.id for record in records] == ["perceptron-backprop", "perceptron-forward", "worked-example"]
    assert stored.version == 1
    assert stored.spec == builtin_spec("worked-example")


def test_a_change_adds_a_version_and_keeps_the_old_one(database: Database):
    with database.session() as session:
        create_exercise(session, "fwd", parse_exercise(forward_spec(0.1)))
    with database.session() as session:
        updated = update_exercise(session, "fwd", parse_exercise(forward_spec(0.9, title="Forward, changed")))
    with database.sessions() as session:
        first, current = load_exercise(session, "fwd", version=1), load_exercise(session, "fwd")
        record = get_exercise_record(session, "fwd")
    assert updated.version == 2
    assert current.version == 2
    assert first.spec["layers"][0]["weights"] == [[0.5, 0.1, -0.3]]
    assert current.spec["layers"][0]["weights"] == [[0.5, 0.9, -0.3]]
    assert current.spec["id"] == "fwd"
    assert (record.title, record.current_version) == ("Forward, changed", 2)


def test_ids_are_never_reused(database: Database):
    with database.session() as session:
        create_exercise(session, "fwd", parse_exercise(forward_spec()))
        retire_exercise(session, "fwd")
    with database.sessions() as session, pytest.raises(ExerciseExists, match="already exists"):
        create_exercise(session, "fwd", parse_exercise(forward_spec()))


def test_a_retired_exercise_is_hidden_but_its_versions_stay(database: Database):
    with database.session() as session:
        create_exercise(session, "fwd", parse_exercise(forward_spec()))
    with database.session() as session:
        retire_exercise(session, "fwd")
    with database.sessions() as session:
        with pytest.raises(ExerciseNotFound, match="retired"):
            load_exercise(session, "fwd")
        with pytest.raises(ExerciseNotFound, match="retired"):
            update_exercise(session, "fwd", parse_exercise(forward_spec()))
        assert list_exercises(session) == ([], 0)
        assert load_exercise(session, "fwd", version=1).version == 1
        assert get_exercise_record(session, "fwd", include_retired=True).retired_at is not None


def test_unknown_exercises_and_versions_are_not_found(database: Database):
    with database.session() as session:
        create_exercise(session, "fwd", parse_exercise(forward_spec()))
    with database.sessions() as session:
        with pytest.raises(ExerciseNotFound, match="no exercise with id 'nope'"):
            load_exercise(session, "nope")
        with pytest.raises(ExerciseNotFound, match="no version 7"):
            load_exercise(session, "fwd", version=7)


def test_list_pages_through_exercises(database: Database):
    with database.session() as session:
        for name in ("c", "a", "b"):
            create_exercise(session, name, parse_exercise(forward_spec()))
    with database.sessions() as session:
        page, total = list_exercises(session, offset=1, limit=1)
    assert total == 3
    assert [record.id for record in page] == ["b"]
    assert page[0].step_kinds == ["z"]
