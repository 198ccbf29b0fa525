"""Submissions in the database: add, find by id or idempotency key, list per exercise."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from .database import storable
from .models import SubmissionRecord


class SubmissionNotFound(LookupError):
    """No submission of that id."""


class IdempotencyKeyReused(ValueError):
    """An Idempotency-Key came back with a different request than the one it first came with."""


def get_submission(session: Session, submission_id: str) -> SubmissionRecord:
    record = session.get(SubmissionRecord, submission_id) if storable(submission_id) else None
    if record is None:
        raise SubmissionNotFound(f"There is no submission with id {submission_id!r}.")
    return record


def find_by_idempotency_key(session: Session, exercise_id: str, student_id: str, key: str) -> SubmissionRecord | None:
    """The submission this student sent to this exercise under ``key``: keys are scoped to both."""
    return session.scalar(
        select(SubmissionRecord).where(
            SubmissionRecord.exercise_id == exercise_id,
            SubmissionRecord.student_id == student_id,
            SubmissionRecord.idempotency_key == key,
        )
    )


def _of_exercise(exercise_id: str, student_id: str | None) -> Select:
    query = select(SubmissionRecord).where(SubmissionRecord.exercise_id == exercise_id)
    if student_id is not None:
        query = query.where(SubmissionRecord.student_id == student_id)
    return query


def list_submissions(
    session: Session, exercise_id: str, *, student_id: str | None = None, offset: int = 0, limit: int | None = None
) -> tuple[list[SubmissionRecord], int]:
    """One page of an exercise's submissions, oldest first, and how many match in all."""
    query = _of_exercise(exercise_id, student_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = query.order_by(SubmissionRecord.submitted_at, SubmissionRecord.id).offset(offset).limit(limit)
    return list(session.scalars(page)), total


def iter_submissions(
    session: Session, exercise_id: str, *, student_id: str | None = None
) -> Iterator[SubmissionRecord]:
    """Every matching submission, oldest first, fetched in chunks (for a CSV export)."""
    query = _of_exercise(exercise_id, student_id).order_by(SubmissionRecord.submitted_at, SubmissionRecord.id)
    yield from session.scalars(query.execution_options(yield_per=500))
