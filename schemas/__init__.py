"""The wire format: marshmallow schemas for request bodies, query strings and responses.

Only the HTTP layer uses them; the engine and the grader never see JSON.
"""

from .exercises import (
    ExerciseListItemSchema,
    ExerciseSavedSchema,
    ExerciseSchema,
    ExerciseSpecSchema,
    SolutionSchema,
)
from .health import LivenessSchema, ReadinessSchema
from .problems import ProblemSchema
from .submissions import (
    CheckSchema,
    GradeResultSchema,
    SubmissionInSchema,
    SubmissionListQuerySchema,
    SubmissionSchema,
)

__all__ = [
    "CheckSchema",
    "ExerciseListItemSchema",
    "ExerciseSavedSchema",
    "ExerciseSchema",
    "ExerciseSpecSchema",
    "GradeResultSchema",
    "LivenessSchema",
    "ProblemSchema",
    "ReadinessSchema",
    "SolutionSchema",
    "SubmissionInSchema",
    "SubmissionListQuerySchema",
    "SubmissionSchema",
]
