"""Storage: SQLAlchemy models, Alembic migrations, and the queries the service needs.

Sits on top of the engine (it re-parses stored specs) and knows nothing of HTTP.
"""

from .database import Database, make_engine, normalize_database_url
from .exercises import (
    ExerciseExists,
    ExerciseNotFound,
    StoredExercise,
    create_exercise,
    get_exercise_record,
    list_exercises,
    load_exercise,
    retire_exercise,
    seed_builtin_exercises,
    step_kinds,
    update_exercise,
)
from .migrate import upgrade_database
from .models import Base, ExerciseRecord, ExerciseVersion, SubmissionRecord
from .submissions import (
    IdempotencyKeyReused,
    SubmissionNotFound,
    find_by_idempotency_key,
    get_submission,
    iter_submissions,
    list_submissions,
)

__all__ = [
    "Base",
    "Database",
    "ExerciseExists",
    "ExerciseNotFound",
    "ExerciseRecord",
    "ExerciseVersion",
    "IdempotencyKeyReused",
    "StoredExercise",
    "SubmissionNotFound",
    "SubmissionRecord",
    "create_exercise",
    "find_by_idempotency_key",
    "get_exercise_record",
    "get_submission",
    "iter_submissions",
    "list_exercises",
    "list_submissions",
    "load_exercise",
    "make_engine",
    "normalize_database_url",
    "retire_exercise",
    "seed_builtin_exercises",
    "step_kinds",
    "update_exercise",
    "upgrade_database",
]
