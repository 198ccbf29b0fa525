"""The submission workflow on SQLite and PostgreSQL: grade, store, version, idempotency."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.exc import IntegrityError

from service.engine import parse_exercise, solve, use_backend
from service.grading import UnknownStepError
from service.store import (
    Database,
    ExerciseNotFound,
    IdempotencyKeyReused,
    SubmissionRecord,
    create_exercise,
    get_submission,
    iter_submissions,
    list_submissions,
    retire_exercise,
    update_exercise,
)
from service.submissions import request_fingerprint, submit

from .conftest import ENGINE, SMALL_WORK_LABEL

SPEC = {"title": "Forward", "inputs": [1, 2], "layers": [{"weights": [[0.5, 0.1, 0.3]]}], "steps": ["z.1.1", "a.1.1"]}


@pytest.fixture
def exercise_db(database: Database) -> Database:
    use_backend(ENGINE)
    with database.session() as session:
        create_exercise(session, "fwd", parse_exercise(SPEC))
    return database


def reference(spec: dict) -> dict[str, float]:
    return solve(parse_exercise(spec))


def test_submit_grades_and_stores_answers_as_typed(exercise_db: Database):
    z = reference(SPEC)["z.1.1"]
    with exercise_db.sessions() as session:
        record, created = submit(session, "fwd", "ada", {"z.1.1": f"{z:.4f}", "a.1.1": None})
    with exercise_db.sessions() as session:
        stored = get_submission(session, record.id)
    assert created is True
    assert stored.answers == {"z.1.1": f"{z:.4f}", "a.1.1": None}
    assert (stored.exercise_id, stored.exercise_version, stored.student_id) == ("fwd", 1, "ada")
    assert stored.engine_backend == SMALL_WORK_LABEL
    assert stored.result["counts"]["correct"] == 1
    assert stored.result["counts"]["missing"] == 1
    assert stored.score == pytest.approx(stored.result["score"])
    assert stored.submitted_at is not None


def test_submissions_keep_the_version_they_were_graded_against(exercise_db: Database):
    with exercise_db.sessions() as session:
        first, _ = submit(session, "fwd", "ada", {"z.1.1": "1.2"})
    changed = {**SPEC, "layers": [{"weights": [[0.5, 0.9, 0.3]]}]}
    with exercise_db.session() as session:
        update_exercise(session, "fwd", parse_exercise(changed))
    with exercise_db.sessions() as session:
        second, _ = submit(session, "fwd", "ada", {"z.1.1": "1.2"})
    assert (first.exercise_version, second.exercise_version) == (1, 2)
    assert first.result["steps"][0]["status"] == "correct"
    assert second.result["steps"][0]["status"] == "incorrect"


def test_an_idempotency_key_returns_the_first_submission(exercise_db: Database):
    with exercise_db.sessions() as session:
        first, created = submit(session, "fwd", "ada", {"z.1.1": "1.2"}, idempotency_key="k-1")
        again, created_again = submit(session, "fwd", "ada", {"z.1.1": "1.2"}, idempotency_key="k-1")
        _, total = list_submissions(session, "fwd")
    assert (created, created_again) == (True, False)
    assert again.id == first.id
    assert total == 1


def test_an_idempotency_key_with_other_answers_is_refused(exercise_db: Database):
    with exercise_db.sessions() as session:
        submit(session, "fwd", "ada", {"z.1.1": "1.2"}, idempotency_key="k-1")
        with pytest.raises(IdempotencyKeyReused, match="different submission"):
            submit(session, "fwd", "ada", {"z.1.1": "1.3"}, idempotency_key="k-1")


def test_an_idempotency_key_is_unique_per_exercise_and_student_only(exercise_db: Database):
    with exercise_db.session() as session:
        create_exercise(session, "fwd-2", parse_exercise(SPEC))
    with exercise_db.sessions() as session:
        first, _ = submit(session, "fwd", "ada", {"z.1.1": "1.2"}, idempotency_key="attempt-1")
        other_exercise, created_there = submit(session, "fwd-2", "ada", {"z.1.1": "1.2"}, idempotency_key="attempt-1")
        other_student, created_for_bob = submit(session, "fwd", "bob", {"z.1.1": "1.2"}, idempotency_key="attempt-1")
        again, created_again = submit(session, "fwd", "ada", {"z.1.1": "1.2"}, idempotency_key="attempt-1")
    assert (created_there, created_for_bob, created_again) == (True, True, False)
    assert len({first.id, other_exercise.id, other_student.id}) == 3
    assert again.id == first.id


def test_the_database_refuses_a_second_submission_under_a_scoped_key(exercise_db: Database):
    def row(student_id: str) -> SubmissionRecord:
        return SubmissionRecord(
            id=str(uuid.uuid4()),
            exercise_id="fwd",
            exercise_version=1,
            student_id=student_id,
            answers={},
            result={},
            score=0.0,
            engine_backend="numpy (cpu)",
            idempotency_key="k",
        )

    with exercise_db.session() as session:
        session.add_all([row("ada"), row("bob")])
    with exercise_db.sessions() as session:
        session.add(row("ada"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_fingerprints_differ_by_exercise_student_and_answers():
    base = request_fingerprint("fwd", "ada", {"z.1.1": "1.2"})
    assert base == request_fingerprint("fwd", "ada", {"z.1.1": "1.2"})
    assert base != request_fingerprint("fwd", "bob", {"z.1.1": "1.2"})
    assert base != request_fingerprint("other", "ada", {"z.1.1": "1.2"})
    assert base != request_fingerprint("fwd", "ada", {"z.1.1": 0.2})


def test_unknown_step_keys_and_exercises_store_nothing(exercise_db: Database):
    with exercise_db.sessions() as session:
        with pytest.raises(UnknownStepError) as raised:
            submit(session, "fwd", "ada", {"z.9.9": "1"})
        with pytest.raises(ExerciseNotFound):
            submit(session, "missing", "ada", {"z.1.1": "1"})
        assert list_submissions(session, "fwd") == ([], 0)
    assert raised.value.errors[0].startswith("answers.z.9.9:")


def test_a_retired_exercise_takes_no_submissions(exercise_db: Database):
    with exercise_db.session() as session:
        retire_exercise(session, "fwd")
    with exercise_db.sessions() as session, pytest.raises(ExerciseNotFound, match="retired"):
        submit(session, "fwd", "ada", {"z.1.1": "1.2"})


def test_listing_filters_by_student_and_pages(exercise_db: Database):
    with exercise_db.sessions() as session:
        for student in ("ada", "bob", "ada", "cy"):
            submit(session, "fwd", student, {"z.1.1": "1.2"})
        ada, ada_total = list_submissions(session, "fwd", student_id="ada")
        page, total = list_submissions(session, "fwd", offset=1, limit=2)
        everything = list(iter_submissions(session, "fwd"))
    assert ada_total == 2
    assert [record.student_id for record in ada] == ["ada", "ada"]
    assert total == 4
    assert [record.student_id for record in page] == ["bob", "ada"]
    assert [record.student_id for record in everything] == ["ada", "bob", "ada", "cy"]
