"""Grading: a verdict per step, with tolerance, error carried forward and named misconceptions.

Uses only the engine; knows nothing of HTTP, JSON or databases.
"""

from .grader import STATUSES, BatchGrade, UnknownStepError, grade, grade_batch, grade_many, read_answers
from .misconceptions import PRIORITY
from .options import GradingOptions, parse_grading_options, tolerance_in_words, validate_grading_options
from .parse import ACCEPTED_FORMS, Answer, parse_answer
from .result import GradeResult
from .tolerance import Tolerance

__all__ = [
    "ACCEPTED_FORMS",
    "PRIORITY",
    "STATUSES",
    "Answer",
    "BatchGrade",
    "GradeResult",
    "GradingOptions",
    "Tolerance",
    "UnknownStepError",
    "grade",
    "grade_batch",
    "grade_many",
    "parse_answer",
    "parse_grading_options",
    "read_answers",
    "tolerance_in_words",
    "validate_grading_options",
]
