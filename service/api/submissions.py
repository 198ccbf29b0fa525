"""Submissions: anyone submits answers; instructors read them, list them, and export a CSV."""

from __future__ import annotations

from typing import Any

from flask import Response, request, url_for
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import ValidationError

from schemas import SubmissionInSchema, SubmissionListQuerySchema, SubmissionSchema
from schemas.fields import NoControlCharacters
from service.auth import INSTRUCTOR_ONLY, instructor_required
from service.store import SubmissionRecord, get_exercise_record, get_submission, iter_submissions, list_submissions
from service.submissions import submit

from .blueprint import FORM, JSON, Blueprint, accepts
from .database import request_session
from .submissions_csv import submissions_csv

blp = Blueprint("submissions", __name__, url_prefix="/api/v1", description="Graded and stored submissions")

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY_LENGTH = 255
FORM_BODY = {
    "requestBody": {
        "content": {
            FORM: {
                "schema": {
                    "type": "object",
                    "required": ["student_id"],
                    "properties": {"student_id": {"type": "string"}},
                    "additionalProperties": {"type": "string", "description": "One field per step key"},
                }
            }
        }
    }
}
IDEMPOTENCY_PARAMETER = {
    "parameters": [
        {
            "name": IDEMPOTENCY_HEADER,
            "in": "header",
            "required": False,
            "description": "A retry with the same key returns the first result instead of storing twice",
            "schema": {"type": "string", "maxLength": MAX_IDEMPOTENCY_KEY_LENGTH},
        }
    ]
}


def submission_view(record: SubmissionRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "exercise_id": record.exercise_id,
        "exercise_version": record.exercise_version,
        "student_id": record.student_id,
        "submitted_at": record.submitted_at,
        "engine_backend": record.engine_backend,
        "answers": record.answers,
        "result": record.result,
    }


def idempotency_key() -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    try:
        if not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
            raise ValidationError(f"Must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters.")
        NoControlCharacters()(key)
    except ValidationError as error:
        abort(400, messages={"headers": {IDEMPOTENCY_HEADER: error.messages}})
    return key


def _csv_response(exercise_id: str, student_id: str | None) -> Response:
    records = list(iter_submissions(request_session(), exercise_id, student_id=student_id))
    disposition = f'attachment; filename="{exercise_id}-submissions.csv"'
    return Response(submissions_csv(records), mimetype="text/csv", headers={"Content-Disposition": disposition})


@blp.route("/exercises/<exercise_id>/submissions")
class ExerciseSubmissions(MethodView):
    @accepts(JSON, FORM)
    @blp.arguments(SubmissionInSchema, location="submission")
    @blp.problems(
        400,
        404,
        413,
        415,
        422,
        described={
            400: f"Malformed JSON, or a bad {IDEMPOTENCY_HEADER} header",
            422: f"Invalid input, an unknown step key, or an {IDEMPOTENCY_HEADER} used before for other answers",
        },
    )
    @blp.response(201, SubmissionSchema)
    @blp.doc(**FORM_BODY, **IDEMPOTENCY_PARAMETER)
    def post(self, body, exercise_id):
        """Grade answers (JSON, or a form with one field per step key) and store them."""
        session = request_session()
        record, created = submit(session, exercise_id, body["student_id"], body["answers"], idempotency_key())
        headers = {"Location": url_for("submissions.Submission", submission_id=record.id)}
        if not created:
            headers["Idempotent-Replayed"] = "true"
        return submission_view(record), 201, headers

    @instructor_required
    @blp.arguments(SubmissionListQuerySchema, location="query")
    @blp.problems(401, 403, 404, 422)
    @blp.response(200, SubmissionSchema(many=True))
    @blp.paginate()
    @blp.doc(**INSTRUCTOR_ONLY)
    def get(self, query, exercise_id, pagination_parameters):
        """List an exercise's submissions, oldest first, optionally one student's; format=csv exports them all."""
        session = request_session()
        get_exercise_record(session, exercise_id, include_retired=True)
        student_id = query.get("student_id")
        if query["format"] == "csv":
            pagination_parameters.item_count = 0
            return _csv_response(exercise_id, student_id)
        records, total = list_submissions(
            session,
            exercise_id,
            student_id=student_id,
            offset=pagination_parameters.first_item,
            limit=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return [submission_view(record) for record in records]


@blp.route("/submissions/<submission_id>")
class Submission(MethodView):
    @instructor_required
    @blp.problems(401, 403, 404, described={404: "No submission has the id in the URL"})
    @blp.response(200, SubmissionSchema)
    @blp.doc(**INSTRUCTOR_ONLY)
    def get(self, submission_id):
        """A stored submission: the answers as typed, the result, the exercise version, the engine."""
        return submission_view(get_submission(request_session(), submission_id))
