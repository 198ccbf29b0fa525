"""The project's flask-smorest Blueprint: submissions come as JSON or as a form, CSV has no pager.

A ``submission`` argument location reads JSON as it is, and a form's fields as
``{"student_id": ..., "answers": {step key: value}}``, so one schema validates both.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, ClassVar, TypeVar

import flask_smorest
from flask import Request, request
from marshmallow import EXCLUDE, Schema, fields, validate
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug import Response
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from schemas import ProblemSchema
from service.errors import PROBLEM_MIMETYPE

View = TypeVar("View", bound=Callable[..., Any])

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MAX_PAGE = 1_000_000  # far past any real list; keeps the offset within every database's integers


# When each error status happens, for the OpenAPI document; an operation may say it more precisely.
PROBLEMS = {
    400: "Malformed JSON: not JSON, nested too deeply, or an integer of thousands of digits",
    401: "No instructor token: send 'Authorization: Bearer <token>'",
    403: "The bearer token is not an instructor token",
    404: "No exercise has the id in the URL, or it was retired",
    409: "An exercise with that id exists already (ids are never reused); PUT to change it",
    413: "The body is over the size limit (MAX_CONTENT_LENGTH)",
    415: "The body's Content-Type is not one this operation takes",
    422: "Invalid input; errors names each failing field with a message",
}


def page_field() -> fields.Integer:
    """The ``page`` query parameter of every paginated list: flask-smorest's, with a maximum."""
    return fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))


class PageSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    page = page_field()


class GraderParser(FlaskParser):
    """FlaskParser plus the ``submission`` location (JSON, or a form of step-key fields)."""

    __location_map__: ClassVar[dict[str, Any]] = {**FlaskParser.__location_map__, "submission": "load_submission"}

    def _raw_load_json(self, req: Request) -> Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            raise BadRequest("The JSON body is nested too deeply to read.") from None
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise  # webargs answers these: "Invalid JSON body."
        except ValueError:  # an integer past Python's digit limit (sys.get_int_max_str_digits)
            limit = sys.get_int_max_str_digits()
            raise BadRequest(f"Malformed JSON: the body has an integer of more than {limit} digits.") from None

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

    def problems(self, *statuses: int, described: dict[int, str] | None = None) -> Callable[[View], View]:
        """Document an operation's error responses: problem+json, saying when each happens (PROBLEMS)."""
        descriptions = {**PROBLEMS, **(described or {})}

        def decorate(view: View) -> View:
            for status in sorted(statuses):
                view = self.alt_response(
                    status, schema=ProblemSchema, content_type=PROBLEM_MIMETYPE, description=descriptions[status]
                )(view)
            return view

        return decorate

    def paginate(self, pager=None, **kwargs: Any) -> Callable[[View], View]:
        """flask-smorest's pagination, with ``page`` at most MAX_PAGE (422 naming ``page`` past it)."""
        paginated = super().paginate(pager, **kwargs)

        def decorate(view: View) -> View:
            wrapper = paginated(view)
            documented = wrapper._apidoc["pagination"]["parameters"]
            documented["schema"] = type("PaginationParametersSchema", (documented["schema"],), {"page": page_field()})

            @wraps(wrapper)
            def checked(*args: Any, **kw: Any) -> Any:
                self.PAGINATION_ARGUMENTS_PARSER.parse(PageSchema, request, location="query")
                return wrapper(*args, **kw)

            return checked  # type: ignore[return-value]

        return decorate

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
