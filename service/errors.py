"""Every error as ``application/problem+json`` (RFC 9457), with a detail a person can act on.

Validation problems list the failing fields; an unexpected error is logged with the request id,
and the response carries the same id so the two can be matched.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from service.api.request_id import current_request_id
from service.engine import SpecError
from service.store import ExerciseExists, ExerciseNotFound, IdempotencyKeyReused, SubmissionNotFound

logger = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"
_HEADERS_TO_KEEP = ("Allow", "WWW-Authenticate", "Retry-After")


def problem_response(
    status: int,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """A problem+json response; ``errors`` lists ``{"field", "message"}`` for validation failures."""
    body: dict[str, Any] = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra)
    body["request_id"] = current_request_id()
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    response.headers.update(headers or {})
    return response


def field_errors_from_lines(lines: Iterable[str]) -> list[dict[str, str]]:
    """Turn the engine's ``'path: message'`` lines into field/message pairs."""
    pairs = []
    for line in lines:
        field, separator, message = line.partition(": ")
        pairs.append({"field": field, "message": message} if separator else {"field": "", "message": line})
    return pairs


def field_errors_from_messages(messages: Any, path: str = "") -> list[dict[str, str]]:
    """Flatten marshmallow's nested ``{field: [messages]}`` into field/message pairs."""
    if isinstance(messages, Mapping):
        pairs = []
        for key, value in messages.items():
            pairs.extend(field_errors_from_messages(value, f"{path}.{key}" if path else str(key)))
        return pairs
    if isinstance(messages, list) and all(isinstance(item, str) for item in messages):
        return [{"field": path, "message": message} for message in messages]
    if isinstance(messages, list):
        return [pair for item in messages for pair in field_errors_from_messages(item, path)]
    return [{"field": path, "message": str(messages)}]


def summarize(errors: list[dict[str, str]]) -> str:
    """One sentence naming the first failing field and how many more there are."""
    first = errors[0]
    text = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
    more = len(errors) - 1
    return text if not more else f"{text} (and {more} more problem{'s' if more > 1 else ''}, listed in errors)"


def _validation_messages(error: HTTPException) -> Any:
    """webargs puts schema errors under the request location; the location is noise to a client."""
    messages = (getattr(error, "data", None) or {}).get("messages")
    if isinstance(messages, Mapping) and len(messages) == 1:
        return next(iter(messages.values()))
    return messages


def handle_http_exception(error: HTTPException) -> Response:
    """Werkzeug's and webargs' HTTP errors (404, 405, 413, malformed JSON, validation...)."""
    status = error.code or 500
    if status >= 500:
        return handle_unexpected_error(error)
    headers = {name: value for name, value in error.get_headers() if name in _HEADERS_TO_KEEP}
    messages = _validation_messages(error)
    if messages:
        errors = field_errors_from_messages(messages)
        fields = errors if any(error["field"] for error in errors) else None
        return problem_response(status, summarize(errors), errors=fields, headers=headers)
    return problem_response(status, error.description or HTTPStatus(status).description, headers=headers)


def handle_spec_error(error: SpecError) -> Response:
    """An invalid spec, bad grading options or unknown step keys: the client must fix its body."""
    errors = field_errors_from_lines(error.errors) or [{"field": "", "message": str(error)}]
    return problem_response(422, summarize(errors), errors=errors)


def handle_not_found(error: LookupError) -> Response:
    return problem_response(404, str(error.args[0]) if error.args else "not found")


def handle_conflict(error: ExerciseExists) -> Response:
    return problem_response(409, str(error))


def handle_idempotency_key_reused(error: IdempotencyKeyReused) -> Response:
    return problem_response(422, str(error), errors=[{"field": "Idempotency-Key", "message": str(error)}])


def log_unexpected_error(error: Exception, where: str = "") -> str | None:
    """Log an unhandled error with its stack under the request id; return the id to show the client.

    The API's problem+json and the student pages' HTML page both report failures through this.
    """
    original = getattr(error, "original_exception", None) or error
    request_id = current_request_id()
    logger.error("unhandled error%s (request id %s)", f" {where}" if where else "", request_id, exc_info=original)
    return request_id


def handle_unexpected_error(error: Exception) -> Response:
    """Log the failure with the request id; tell the client that id and nothing internal."""
    request_id = log_unexpected_error(error)
    detail = f"The server failed to handle this request. Quote request id {request_id} when reporting it."
    return problem_response(500, detail)


def init_app(app: Flask) -> None:
    """Register the handlers; call after the API extension so these replace its JSON errors."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(SpecError, handle_spec_error)
    app.register_error_handler(ExerciseNotFound, handle_not_found)
    app.register_error_handler(SubmissionNotFound, handle_not_found)
    app.register_error_handler(ExerciseExists, handle_conflict)
    app.register_error_handler(IdempotencyKeyReused, handle_idempotency_key_reused)
    app.register_error_handler(Exception, handle_unexpected_error)
