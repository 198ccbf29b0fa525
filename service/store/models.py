"""The tables: exercises, their immutable versions, and graded submissions.

An exercise's spec is never overwritten: a change adds a version, and a submission points at
the version it was graded against, so its result can always be explained.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JSONDocument = JSON().with_variant(JSONB(), "postgresql")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


IDEMPOTENCY_SCOPE = "uq_submissions_exercise_student_idempotency_key"


def utc_now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ExerciseRecord(Base):
    """An exercise's identity and which of its versions is current; retired ones stay for history."""

    __tablename__ = "exercises"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    current_version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    step_kinds: Mapped[list[str]] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class ExerciseVersion(Base):
    """One spec of an exercise as it was accepted; never changed once written."""

    __tablename__ = "exercise_versions"

    exercise_id: Mapped[str] = mapped_column(ForeignKey("exercises.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class SubmissionRecord(Base):
    """A student's answers as typed, the result they got, and what produced it."""

    __tablename__ = "submissions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["exercise_id", "exercise_version"],
            ["exercise_versions.exercise_id", "exercise_versions.version"],
            name="fk_submissions_exercise_version",
        ),
        Index("ix_submissions_exercise_student", "exercise_id", "student_id", "submitted_at"),
        # An Idempotency-Key is the client's: unique per exercise and student, not across everyone.
        UniqueConstraint("exercise_id", "student_id", "idempotency_key", name=IDEMPOTENCY_SCOPE),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    exercise_id: Mapped[str] = mapped_column(String(64))
    exercise_version: Mapped[int] = mapped_column(Integer)
    student_id: Mapped[str] = mapped_column(String(100))
    answers: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    result: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    score: Mapped[float] = mapped_column(Float)
    engine_backend: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), default=None)
    request_fingerprint: Mapped[str | None] = mapped_column(String(64), default=None)
