"""Exercises in the database: create, version, retire, list, and load one ready to grade.

A stored spec is re-parsed by the engine when loaded; specs were checked against the size
limits when accepted, so loading does not apply a deployment's (possibly lowered) limits again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.engine import Exercise, Limits, builtin_exercise_ids, builtin_spec, parse_exercise, step_kind

from .database import Database, storable
from .models import ExerciseRecord, ExerciseVersion, utc_now

STORED_LIMITS = Limits(max_layers=1_000_000, max_weights=1_000_000_000)


class ExerciseNotFound(LookupError):
    """No exercise of that id (or that version), or it was retired."""


class ExerciseExists(Exception):
    """An exercise of that id already exists (possibly retired); ids are never reused."""


@dataclass(frozen=True)
class StoredExercise:
    """One version of an exercise, parsed and ready to show or grade."""

    id: str
    version: int
    exercise: Exercise

    @property
    def spec(self) -> dict[str, Any]:
        return self.exercise.spec


def step_kinds(exercise: Exercise) -> list[str]:
    """The kinds of step an exercise asks for, in computation order, each once."""
    return list(dict.fromkeys(step_kind(key) for key in exercise.steps))


def _not_found(exercise_id: str, record: ExerciseRecord | None) -> ExerciseNotFound:
    if record is None:
        return ExerciseNotFound(f"There is no exercise with id {exercise_id!r}.")
    return ExerciseNotFound(f"The exercise {exercise_id!r} was retired.")


def _record(session: Session, exercise_id: str, *, include_retired: bool = False) -> ExerciseRecord:
    record = session.get(ExerciseRecord, exercise_id) if storable(exercise_id) else None
    if record is None or (record.retired_at is not None and not include_retired):
        raise _not_found(exercise_id, record)
    return record


def get_exercise_record(session: Session, exercise_id: str, *, include_retired: bool = False) -> ExerciseRecord:
    """The exercise's row; ExerciseNotFound when there is none (or it is retired, unless included)."""
    return _record(session, exercise_id, include_retired=include_retired)


def load_exercise(session: Session, exercise_id: str, version: int | None = None) -> StoredExercise:
    """The current version of a live exercise, or a given version of any (for past submissions)."""
    record = _record(session, exercise_id, include_retired=version is not None)
    number = record.current_version if version is None else version
    row = session.get(ExerciseVersion, (exercise_id, number))
    if row is None:
        raise ExerciseNotFound(f"The exercise {exercise_id!r} has no version {number}.")
    return StoredExercise(exercise_id, number, parse_exercise(row.spec, limits=STORED_LIMITS))


def list_exercises(session: Session, *, offset: int = 0, limit: int | None = None) -> tuple[list[ExerciseRecord], int]:
    """Live exercises ordered by id, one page of them, and how many there are in all."""
    live = ExerciseRecord.retired_at.is_(None)
    total = session.scalar(select(func.count()).select_from(ExerciseRecord).where(live)) or 0
    query = select(ExerciseRecord).where(live).order_by(ExerciseRecord.id).offset(offset).limit(limit)
    return list(session.scalars(query)), total


def _spec_with_id(exercise: Exercise, exercise_id: str) -> dict[str, Any]:
    return {**exercise.spec, "id": exercise_id}


def create_exercise(session: Session, exercise_id: str, exercise: Exercise) -> StoredExercise:
    """Add a new exercise as version 1; ExerciseExists if the id was ever used."""
    exists = ExerciseExists(f"An exercise with id {exercise_id!r} already exists; PUT to change it.")
    if session.get(ExerciseRecord, exercise_id) is not None:
        raise exists
    try:
        session.add(
            ExerciseRecord(id=exercise_id, current_version=1, title=exercise.title, step_kinds=step_kinds(exercise))
        )
        session.flush()
        session.add(ExerciseVersion(exercise_id=exercise_id, version=1, spec=_spec_with_id(exercise, exercise_id)))
        session.flush()
    except IntegrityError:
        session.rollback()
        raise exists from None
    return StoredExercise(exercise_id, 1, exercise)


def update_exercise(session: Session, exercise_id: str, exercise: Exercise) -> StoredExercise:
    """Add a version and make it current; earlier versions stay for the submissions graded on them.

    The version number is taken by one atomic UPDATE ... RETURNING, which waits for any other
    writer of the row (PostgreSQL's row lock, SQLite's write lock) and counts on from what it
    committed: concurrent changes get consecutive versions on both databases. (A SELECT ... FOR
    UPDATE first would not do: SQLite ignores it, and two writers read the same number. SQLite's
    driver begins a transaction at its first write, so this UPDATE starts one and reads the row
    as the other writer left it, after waiting out busy_timeout.)
    """
    bump = (
        update(ExerciseRecord)
        .where(ExerciseRecord.id == exercise_id, ExerciseRecord.retired_at.is_(None))
        .values(
            current_version=ExerciseRecord.current_version + 1,
            title=exercise.title,
            step_kinds=step_kinds(exercise),
            updated_at=utc_now(),
        )
        .returning(ExerciseRecord.current_version)
        .execution_options(synchronize_session="fetch")
    )
    number = session.scalar(bump) if storable(exercise_id) else None
    if number is None:  # there is none, or it was retired
        raise _not_found(exercise_id, session.get(ExerciseRecord, exercise_id) if storable(exercise_id) else None)
    session.add(ExerciseVersion(exercise_id=exercise_id, version=number, spec=_spec_with_id(exercise, exercise_id)))
    session.flush()
    return StoredExercise(exercise_id, number, exercise)


def retire_exercise(session: Session, exercise_id: str) -> None:
    """Hide an exercise from students; its versions and submissions stay readable by instructors."""
    record = _record(session, exercise_id)
    record.retired_at = utc_now()
    session.flush()


def seed_builtin_exercises(database: Database) -> list[str]:
    """Add the built-in exercises that are missing; safe when several workers start at once."""
    added = []
    for exercise_id in builtin_exercise_ids():
        with database.sessions() as session:
            if session.get(ExerciseRecord, exercise_id) is not None:
                continue
            try:
                create_exercise(session, exercise_id, parse_exercise(builtin_spec(exercise_id)))
                session.commit()
            except (ExerciseExists, IntegrityError):
                session.rollback()
                continue
            added.append(exercise_id)
    return added
