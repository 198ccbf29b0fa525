"""The REST API: flask-smorest blueprints, the OpenAPI document at /openapi.json, docs at /docs."""

from __future__ import annotations

from http import HTTPStatus

from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from schemas import ProblemSchema
from service import errors
from service.auth import SECURITY_SCHEME

from . import check, database, docs, exercises, health, request_id, submissions


class GraderApi(Api):
    """flask-smorest's Api with problem+json errors, documented as such."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        return errors.handle_http_exception(error)

    def _register_responses(self) -> None:
        """flask-smorest's shared error responses, documented as the problem+json they are sent as."""
        super()._register_responses()
        shared = [(status.name, status.phrase) for status in HTTPStatus if status >= 400]
        shared.append((self.DEFAULT_ERROR_RESPONSE_NAME, "Any other error, e.g. a 500 with its request id"))
        for name, description in shared:
            response = {"description": description, "schema": self.ERROR_SCHEMA}
            prepare_response(response, self.spec, errors.PROBLEM_MIMETYPE)
            self.spec.components.response(name, response, lazy=True)  # replaces the application/json one


def init_app(app: Flask) -> GraderApi:
    """Open the database, then register the API, its docs and the JSON error handlers."""
    request_id.init_app(app)
    database.init_app(app)
    api = GraderApi(app)
    api.spec.components.security_scheme("instructor", SECURITY_SCHEME)
    for blueprint in (exercises.blp, submissions.blp, check.blp, health.blp):
        api.register_blueprint(blueprint)
    docs.init_app(app, api)
    errors.init_app(app)
    return api
