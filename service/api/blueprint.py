"""The project's flask-smorest Blueprint: submissions come as JSON or as a form, CSV has no pager.

A ``submission`` argument location reads JSON as it is, and a form's fields as
``{"student_id": ..., "answers": {step key: value}}``, so one schema validates both.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ClassVar, TypeVar

import flask_smorest
from flask import Request, request
from marshmallow import Schema
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug import Response
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

View = TypeVar("View", bound=Callable[..., Any])

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


class GraderParser(FlaskParser):
    """FlaskParser plus the ``submission`` location (JSON, or a form of step-key fields)."""

    __location_map__: ClassVar[dict[str, Any]] = {**FlaskParser.__location_map__, "submission": "load_submission"}

    def _raw_load_json(self, req: Request) -> Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            raise BadRequest("The JSON body is nested too deeply to read.") from None

    def load_submission(self, req: Request, schema: Schema) -> Any:
        if is_json_request(req):
            return self.load_json(req, schema)
        form = req.form
        body: dict[str, Any] = {"answers": {key: form[key] for key in form if key != "student_id"}}
        if "student_id" in form:
            body["student_id"] = form["student_id"]
        return body


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = GraderParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING: ClassVar[dict[str, str]] = {
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "submission": JSON,
    }

    def _set_pagination_metadata(self, page_params, result, headers):
        """A whole-list download (a Response, e.g. CSV) is not one page: no X-Pagination for it."""
        if isinstance(result, Response):
            return result, headers
        return super()._set_pagination_metadata(page_params, result, headers)


def accepts(*mimetypes: str) -> Callable[[View], View]:
    """Answer 415 unless the body's Content-Type is one of ``mimetypes`` (checked before parsing)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if request.mimetype not in mimetypes:
                got = f"got {request.mimetype!r}" if request.mimetype else "no Content-Type was given"
                raise UnsupportedMediaType(f"Send the body as {' or '.join(mimetypes)} ({got}).")
            return view(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate
