"""Submissions on the wire: answers in, grading results out."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .fields import Answer, NoControlCharacters, UtcDateTime

MAX_STUDENT_ID_LENGTH = 100
_STUDENT_ID_RULES = [validate.Length(min=1, max=MAX_STUDENT_ID_LENGTH), NoControlCharacters()]

_ANSWERS = fields.Dict(
    keys=fields.String(validate=validate.Length(min=1, max=40)),
    values=Answer(allow_none=True),
    required=True,
    metadata={"description": 'Step key -> answer as typed, e.g. {"z.1.1": "-0.8"}', "example": {"z.1.1": -0.8}},
)


class SubmissionInSchema(Schema):
    """JSON ``{"student_id", "answers"}``, or a form with ``student_id`` and one field per step key."""

    student_id = fields.String(required=True, validate=_STUDENT_ID_RULES)
    answers = _ANSWERS


class CheckSchema(Schema):
    """An inline spec and answers, graded without storing anything."""

    spec = fields.Dict(required=True, metadata={"description": "An exercise spec, as POSTed to /exercises"})
    answers = _ANSWERS


class SubmissionListQuerySchema(Schema):
    student_id = fields.String(validate=_STUDENT_ID_RULES)
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "csv"]),
        metadata={"description": "csv for a spreadsheet of every matching submission (not paginated)"},
    )


class CountsSchema(Schema):
    correct = fields.Integer()
    carried_forward = fields.Integer()
    incorrect = fields.Integer()
    missing = fields.Integer()
    invalid = fields.Integer()


class StepResultSchema(Schema):
    step = fields.String()
    status = fields.String(metadata={"description": "correct, carried_forward, incorrect, missing or invalid"})
    credit = fields.Float()
    submitted = fields.Raw(metadata={"description": "The answer as typed"})
    misconception = fields.String(allow_none=True)
    feedback = fields.String()
    expected = fields.Float(metadata={"description": "Only when the exercise reveals reference values"})


class GradeResultSchema(Schema):
    score = fields.Float(metadata={"description": "0 to 1"})
    counts = fields.Nested(CountsSchema)
    steps = fields.List(fields.Nested(StepResultSchema))


class SubmissionSchema(Schema):
    id = fields.String()
    exercise_id = fields.String()
    exercise_version = fields.Integer()
    student_id = fields.String()
    submitted_at = UtcDateTime()
    engine_backend = fields.String()
    answers = fields.Dict(keys=fields.String(), values=fields.Raw())
    result = fields.Nested(GradeResultSchema)
