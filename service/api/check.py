"""Trying an exercise before posting it: grade answers against an inline spec, store nothing."""

from __future__ import annotations

from flask.views import MethodView

from schemas import CheckSchema, GradeResultSchema
from service.engine import SpecError
from service.grading import grade
from service.observability import metrics

from .blueprint import JSON, Blueprint, accepts
from .specs import accept_spec

blp = Blueprint("check", __name__, url_prefix="/api/v1", description="Grade without storing")


@blp.route("/check")
class Check(MethodView):
    @accepts(JSON)
    @blp.arguments(CheckSchema)
    @blp.problems(400, 413, 415, 422)
    @blp.response(200, GradeResultSchema)
    def post(self, body):
        """Grade answers against a spec given inline; nothing is stored."""
        try:
            exercise = accept_spec(body["spec"])
        except SpecError as error:
            raise SpecError([f"spec.{line}" for line in error.errors]) from None
        graded = grade(exercise, body["answers"])
        metrics.record_grading([graded], source="check")
        return graded.to_dict()
