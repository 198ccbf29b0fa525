"""Exercises on the wire: the spec an instructor posts, what a student sees, the solution."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields

_SPEC_DOC = "See the README's step vocabulary; the engine checks every field and reports each problem by path."


class ExerciseSpecSchema(Schema):
    """An exercise spec; fields are only typed loosely here because the engine names every problem precisely."""

    class Meta:
        unknown = INCLUDE

    id = fields.Raw(metadata={"description": "Slug for the URL; generated from the title when absent"})
    title = fields.Raw(required=True, metadata={"description": "Shown to students"})
    description = fields.Raw(metadata={"description": "Markdown, with $...$ for maths"})
    inputs = fields.Raw(required=True, metadata={"description": "x_1..x_n", "example": [0.8, 0.5]})
    layers = fields.Raw(
        required=True,
        metadata={"description": "units, activation, bias and weights (a number, or one row per unit, w_j0 first)"},
    )
    target = fields.Raw(metadata={"description": "One value per output unit; needed for backprop steps"})
    learning_rate = fields.Raw(metadata={"description": "alpha; needed with a target"})
    steps = fields.Raw(metadata={"description": "Step keys asked, e.g. ['z.1.1', 'a.1.1']; all when absent"})
    tolerance = fields.Raw(metadata={"description": "Grading tolerance options"})
    reveal = fields.Raw(metadata={"description": "Whether feedback shows the expected values"})
    carried_forward_credit = fields.Raw(metadata={"description": "Credit for a step right from a wrong input"})
    step_weights = fields.Raw(metadata={"description": "Weight of each step kind in the score"})


class ExerciseListItemSchema(Schema):
    id = fields.String()
    title = fields.String()
    version = fields.Integer()
    step_kinds = fields.List(fields.String(), metadata={"description": "Kinds of step asked, e.g. z, a, delta"})


class LayerSchema(Schema):
    number = fields.Integer(metadata={"description": "1-based, as in the step keys"})
    units = fields.Integer()
    activation = fields.String()
    bias = fields.Boolean(metadata={"description": "Whether the layer has a bias input (weight column i = 0)"})
    weights = fields.List(fields.List(fields.Float()), metadata={"description": "One row per unit: w_j0 (bias) first"})


class ExerciseSchema(Schema):
    """The exercise as a student sees it: the givens and the steps asked, never the reference values."""

    id = fields.String()
    version = fields.Integer()
    title = fields.String()
    description = fields.String()
    inputs = fields.List(fields.Float())
    layers = fields.List(fields.Nested(LayerSchema))
    target = fields.List(fields.Float(), allow_none=True)
    learning_rate = fields.Float(allow_none=True)
    steps = fields.List(fields.String(), metadata={"description": "Step keys to answer, in computation order"})
    tolerance = fields.String(metadata={"description": "How close an answer must be, in words"})


class ExerciseSavedSchema(Schema):
    id = fields.String()
    version = fields.Integer()
    title = fields.String()
    steps = fields.List(fields.String())


class SolutionSchema(Schema):
    exercise_id = fields.String()
    version = fields.Integer()
    steps = fields.Dict(keys=fields.String(), values=fields.Float(), metadata={"description": "Step key -> value"})
