"""The submission workflow, in one place for the API and the student pages alike.

Load the exercise's current version, grade the answers, store answers and result with the
version and the engine backend, commit, and only then acknowledge. An ``Idempotency-Key`` the
same student sent to the same exercise before returns the submission it first produced instead
of storing another; keys are the client's, so other exercises and students may reuse them.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.engine import current_backend
from service.grading import GradeResult, grade
from service.observability import metrics
from service.store import (
    IdempotencyKeyReused,
    SubmissionRecord,
    find_by_idempotency_key,
    load_exercise,
)

Answers = Mapping[str, str | int | float | None]


def request_fingerprint(exercise_id: str, student_id: str, answers: Answers) -> str:
    """A digest of what was submitted, to tell a retry from a different request under the same key."""
    canonical = json.dumps([exercise_id, student_id, dict(answers)], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def engine_label(graded: GradeResult) -> str:
    """Which array backend graded, e.g. ``numpy (cpu)``, stored with each submission.

    Small work stays on NumPy even on a GPU node, so this is the module that actually ran.
    """
    if graded.batch.backend == "cupy":
        return f"cupy ({current_backend().device})"
    return f"{graded.batch.backend} (cpu)"


def _replay(existing: SubmissionRecord, fingerprint: str) -> tuple[SubmissionRecord, bool]:
    if existing.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different submission; use a new key for new answers."
        )
    return existing, False


def _earlier(session: Session, exercise_id: str, student_id: str, key: str | None) -> SubmissionRecord | None:
    """What this student sent this exercise under ``key`` before (keys are scoped to both)."""
    return None if key is None else find_by_idempotency_key(session, exercise_id, student_id, key)


def submit(
    session: Session,
    exercise_id: str,
    student_id: str,
    answers: Answers,
    idempotency_key: str | None = None,
) -> tuple[SubmissionRecord, bool]:
    """Grade and store a submission, committed; returns it and whether it is new (False: a replay).

    Raises ExerciseNotFound, UnknownStepError (a SpecError) for step keys the exercise does not
    have, and IdempotencyKeyReused when the key came with different answers before.
    """
    fingerprint = request_fingerprint(exercise_id, student_id, answers)
    if existing := _earlier(session, exercise_id, student_id, idempotency_key):
        return _replay(existing, fingerprint)
    stored = load_exercise(session, exercise_id)
    graded = grade(stored.exercise, answers)
    metrics.record_grading([graded], source="submission")
    result = graded.to_dict()
    record = SubmissionRecord(
        id=str(uuid.uuid4()),
        exercise_id=stored.id,
        exercise_version=stored.version,
        student_id=student_id,
        answers=dict(answers),
        result=result,
        score=float(result["score"]),
        engine_backend=engine_label(graded),
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
    )
    session.add(record)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = _earlier(session, exercise_id, student_id, idempotency_key)
        if existing is None:
            raise
        return _replay(existing, fingerprint)
    return record, True
