"""The student pages: the list of exercises, an exercise with its form, and the graded form.

The form is a plain POST to the exercise's own page, handled on the server and answered with the
same page, verdicts beside the answers; it needs no JavaScript. It goes through
``service.submissions.submit``, the workflow the API uses, so a submission from the page is
graded and stored exactly like one sent with curl. Errors on these pages are HTML pages (the
app-wide handlers answer problem+json, which a browser would show as raw text).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus

from flask import Blueprint, Response, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from schemas.fields import MAX_ANSWER_LENGTH, control_character_problem
from schemas.submissions import MAX_STUDENT_ID_LENGTH
from service.api.database import request_session
from service.api.request_id import current_request_id
from service.errors import log_unexpected_error
from service.store import ExerciseNotFound, IdempotencyKeyReused, list_exercises, load_exercise
from service.submissions import submit

from . import csrf
from .page import IDEMPOTENCY_PREFIX, ExercisePage, summary_from, verdicts_from
from .steps import notation, ordered_steps

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets")

# What each kind of step makes an exercise ask, in the words of the course.
ASKS = {"z": "forward pass", "a": "forward pass", "e": "backprop", "loss": "backprop", "delta": "backprop"}
ASKS |= {"dw": "weight update", "w_new": "weight update"}
_IDEMPOTENCY_KEY = re.compile(re.escape(IDEMPOTENCY_PREFIX) + r"[0-9a-f]{32}")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'"
)


@dataclass(frozen=True)
class ExerciseItem:
    id: str
    title: str
    asks: str
    url: str


def asks_in_words(step_kinds: list[str]) -> str:
    """``forward pass, backprop, weight update``: the parts of a training step an exercise asks."""
    return ", ".join(dict.fromkeys(ASKS[kind] for kind in step_kinds))


def _html(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/html")


@bp.after_request
def _page_headers(response: Response) -> Response:
    """Pages carry a CSRF token and a student's answers: never cached; scripts and styles only ours."""
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return csrf.set_cookie(response)


@bp.get("/")
def index() -> Response:
    """Every live exercise, with what it asks."""
    records, _total = list_exercises(request_session())
    items = [
        ExerciseItem(
            record.id, record.title, asks_in_words(record.step_kinds), url_for(".exercise", exercise_id=record.id)
        )
        for record in records
    ]
    return _html(render_template("web/index.html", exercises=items))


@bp.get("/exercises/<exercise_id>")
def exercise(exercise_id: str) -> Response:
    """The exercise: its statement, its numbers, the picture of the network and an empty form."""
    stored = load_exercise(request_session(), exercise_id)
    return _render(ExercisePage(stored, csrf.form_token()))


@bp.post("/exercises/<exercise_id>")
def grade_form(exercise_id: str) -> Response:
    """Grade and store the form's answers; answer with the same page, a verdict beside each field."""
    session = request_session()
    stored = load_exercise(session, exercise_id)
    answers = {key: request.form.get(key, "") for key in stored.exercise.steps}
    student_id = request.form.get("student_id", "").strip()
    page = ExercisePage(stored, csrf.form_token(), student_id=student_id, answers=answers)
    if not csrf.token_is_valid():
        page.messages.append(
            "Your answers were not graded or stored: this form's security token was missing or out of date "
            "(the page may be old, or cookies are blocked for this site). Your answers are kept below; "
            "press “Grade my answers” again."
        )
        return _render(page, HTTPStatus.BAD_REQUEST)
    page.field_errors = _field_errors(student_id, answers)
    if page.field_errors:
        page.messages.append("Your answers were not graded yet: fix the fields marked below and grade again.")
        return _render(page, HTTPStatus.UNPROCESSABLE_ENTITY)
    typed = {key: value for key, value in answers.items() if value.strip()}
    try:
        record, _created = submit(session, exercise_id, student_id, typed, _idempotency_key())
    except IdempotencyKeyReused:
        page.messages.append(
            "This copy of the form was already graded with other answers (it may have been reopened with "
            "the Back button). Your new answers are kept below; press “Grade my answers” to grade them."
        )
        return _render(page, HTTPStatus.CONFLICT)
    if record.exercise_version != stored.version:
        page.stored = load_exercise(session, exercise_id, record.exercise_version)
        page.messages.append("The exercise was changed while you worked; the grading used its newest version.")
    page.verdicts = verdicts_from(record.result)
    page.summary = summary_from(
        record.result, ordered_steps(page.stored.exercise), submission_id=record.id, student_id=student_id
    )
    return _render(page)


def _field_errors(student_id: str, answers: Mapping[str, str]) -> dict[str, str]:
    """What must be fixed before grading: the student id, and answers too long or with control characters."""
    errors = {}
    if not student_id:
        errors["student_id"] = "Enter your student id: your submission is stored under it."
    elif len(student_id) > MAX_STUDENT_ID_LENGTH:
        errors["student_id"] = f"A student id is at most {MAX_STUDENT_ID_LENGTH} characters long."
    elif problem := control_character_problem(student_id):
        errors["student_id"] = f"In a student id, {problem}."
    for key, value in answers.items():
        if len(value) > MAX_ANSWER_LENGTH:
            errors[key] = f"{notation(key)}: an answer is at most {MAX_ANSWER_LENGTH} characters long."
        elif problem := control_character_problem(value, free_form=True):
            errors[key] = f"{notation(key)}: in an answer, {problem}."
    return errors


def _idempotency_key() -> str | None:
    """The form's one-time key; a tampered or absent one just means no double-click protection."""
    key = request.form.get("idempotency_key", "")
    return key if _IDEMPOTENCY_KEY.fullmatch(key) else None


def _render(page: ExercisePage, status: int = HTTPStatus.OK) -> Response:
    return _html(render_template("web/exercise.html", page=page), status)


def _error_page(status: int, message: str) -> Response:
    title = HTTPStatus(status).phrase
    body = render_template(
        "web/error.html", status=status, title=title, message=message, request_id=current_request_id()
    )
    return _html(body, status)


@bp.errorhandler(ExerciseNotFound)
def _exercise_not_found(error: ExerciseNotFound) -> Response:
    return _error_page(HTTPStatus.NOT_FOUND, str(error))


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    status = error.code or HTTPStatus.INTERNAL_SERVER_ERROR
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return _unexpected_error(error)
    return _error_page(status, error.description or HTTPStatus(status).description)


@bp.errorhandler(Exception)
def _unexpected_error(error: Exception) -> Response:
    """Logged with the request id, which the page shows so that a student can quote it."""
    log_unexpected_error(error, "on a student page")
    return _error_page(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        "Something went wrong on our side; your answers may not have been stored. Try again in a moment.",
    )
