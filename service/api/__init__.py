"""The REST API: flask-smorest blueprints, the OpenAPI document at /openapi.json, docs at /docs."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from schemas import ProblemSchema
from service import errors
from service.auth import SECURITY_SCHEME

from . import check, database, docs, exercises, health, request_id, submissions


class GraderApi(Api):
    """flask-smorest's Api with problem+json errors, documented as such."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        return errors.handle_http_exception(error)


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
