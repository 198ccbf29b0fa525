"""Service-wide behaviour: check, health, OpenAPI and docs, request ids, errors as problem+json."""

from __future__ import annotations

import logging

import pytest

from service.engine import builtin_spec, parse_exercise, solve
from service.store import Database

from .conftest import ENGINE

PROBLEM = "application/problem+json"
SPEC = {"title": "Try", "inputs": [1, 2], "layers": [{"weights": [[0.5, 0.1, 0.3]]}], "steps": ["z.1.1", "a.1.1"]}


def test_check_grades_an_inline_spec_without_storing(client, instructor):
    response = client.post("/api/v1/check", json={"spec": SPEC, "answers": {"z.1.1": "1.2", "a.1.1": "0.1"}})
    assert response.status_code == 200
    assert response.json["counts"]["correct"] == 1
    assert response.json["counts"]["incorrect"] == 1
    assert [step["step"] for step in response.json["steps"]] == ["z.1.1", "a.1.1"]
    assert client.get("/api/v1/exercises/try", headers=instructor).status_code == 404


def test_check_reports_spec_problems_and_unknown_keys(client):
    bad_spec = client.post("/api/v1/check", json={"spec": {**SPEC, "inputs": []}, "answers": {}})
    unknown = client.post("/api/v1/check", json={"spec": SPEC, "answers": {"loss": "1"}})
    no_spec = client.post("/api/v1/check", json={"answers": {}})
    assert bad_spec.status_code == 422
    assert bad_spec.json["errors"][0]["field"] == "spec.inputs"
    assert unknown.status_code == 422
    assert unknown.json["errors"][0]["field"] == "answers.loss"
    assert no_spec.status_code == 422
    assert no_spec.json["errors"] == [{"field": "spec", "message": "Missing data for required field."}]


def test_liveness_and_readiness(client):
    live, ready = client.get("/healthz"), client.get("/readyz")
    assert (live.status_code, live.json) == (200, {"status": "ok"})
    assert ready.status_code == 200
    assert ready.json["status"] == "ready"
    assert ready.json["database"] == "ok"
    assert ready.json["engine"]["backend"] == ENGINE.name
    assert ready.json["engine"]["device"] == ENGINE.device


def test_readiness_is_503_when_the_database_is_unreachable(app, client):
    app.extensions["grader.database"] = Database("postgresql://postgres@127.0.0.1:9/nowhere?connect_timeout=2")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == PROBLEM
    assert response.json["database"].startswith("unreachable: OperationalError")
    assert response.json["engine"]["backend"] == ENGINE.name


def test_the_openapi_document_lists_every_endpoint(client):
    response = client.get("/openapi.json")
    paths = response.json["paths"]
    assert response.status_code == 200
    assert response.json["info"] == {"title": "Backprop Grader", "version": "v1"}
    assert set(paths) >= {
        "/api/v1/exercises",
        "/api/v1/exercises/{exercise_id}",
        "/api/v1/exercises/{exercise_id}/solution",
        "/api/v1/exercises/{exercise_id}/submissions",
        "/api/v1/submissions/{submission_id}",
        "/api/v1/check",
        "/healthz",
        "/readyz",
    }
    submission_body = paths["/api/v1/exercises/{exercise_id}/submissions"]["post"]["requestBody"]["content"]
    assert set(submission_body) == {"application/json", "application/x-www-form-urlencoded"}
    assert paths["/api/v1/exercises/{exercise_id}/solution"]["get"]["security"] == [{"instructor": []}]
    assert response.json["components"]["securitySchemes"]["instructor"]["scheme"] == "bearer"


# The error statuses each operation documents, beside its success and "default".
DOCUMENTED_ERRORS = {
    ("get", "/api/v1/exercises"): {"422"},
    ("post", "/api/v1/exercises"): {"400", "401", "403", "409", "413", "415", "422"},
    ("get", "/api/v1/exercises/{exercise_id}"): {"404"},
    ("put", "/api/v1/exercises/{exercise_id}"): {"400", "401", "403", "404", "413", "415", "422"},
    ("delete", "/api/v1/exercises/{exercise_id}"): {"401", "403", "404"},
    ("get", "/api/v1/exercises/{exercise_id}/solution"): {"401", "403", "404"},
    ("post", "/api/v1/exercises/{exercise_id}/submissions"): {"400", "404", "413", "415", "422"},
    ("get", "/api/v1/exercises/{exercise_id}/submissions"): {"401", "403", "404", "422"},
    ("get", "/api/v1/submissions/{submission_id}"): {"401", "403", "404"},
    ("post", "/api/v1/check"): {"400", "413", "415", "422"},
    ("get", "/healthz"): set(),
    ("get", "/readyz"): {"503"},
}


def test_the_openapi_document_is_valid_openapi_3_1_and_documents_each_error(client):
    from openapi_spec_validator import OpenAPIV31SpecValidator

    document = client.get("/openapi.json").json
    assert document["openapi"] == "3.1.0"
    assert [error.message for error in OpenAPIV31SpecValidator(document).iter_errors()] == []
    responses = {
        (method, path): operation["responses"]
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "delete")
    }
    assert set(responses) == set(DOCUMENTED_ERRORS)
    for operation, documented in responses.items():
        errors = {code for code in documented if code.startswith(("4", "5"))}
        assert errors == DOCUMENTED_ERRORS[operation], operation
        assert "default" in documented, operation
    assert set(responses[("post", "/api/v1/exercises")]) >= {"201", "401", "403", "409", "422"}
    assert responses[("post", "/api/v1/exercises")]["409"]["description"].startswith("An exercise with that id exists")
    for path in ("/api/v1/exercises", "/api/v1/exercises/{exercise_id}/submissions"):
        (page,) = [p for p in document["paths"][path]["get"]["parameters"] if p["name"] == "page"]
        assert (page["schema"]["minimum"], page["schema"]["maximum"]) == (1, 1_000_000)
    shared = document["components"]["responses"]
    for operation, documented in responses.items():
        for code, response in documented.items():
            if code in ("200", "201", "204"):
                continue
            resolved = shared[response["$ref"].rsplit("/", 1)[-1]] if "$ref" in response else response
            assert set(resolved["content"]) == {PROBLEM}, (operation, code)
            assert resolved["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_the_docs_page_is_served_without_scripts_or_cdn(client):
    response = client.get("/docs")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "<script" not in html
    assert "https://" not in html and "http://" not in html
    assert "/api/v1/exercises/{exercise_id}/submissions" in html
    assert 'href="/openapi.json"' in html


def test_a_request_id_is_taken_from_the_client_or_made(client):
    given = client.get("/healthz", headers={"X-Request-ID": "trace-123"})
    made = client.get("/healthz")
    unsafe = client.get("/healthz", headers={"X-Request-ID": "bad id <with> spaces"})
    assert given.headers["X-Request-ID"] == "trace-123"
    assert len(made.headers["X-Request-ID"]) == 32
    assert unsafe.headers["X-Request-ID"] != "bad id <with> spaces"


def test_an_unexpected_error_is_a_logged_500_with_the_request_id(client, monkeypatch, caplog):
    def explode(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("service.api.exercises.load_exercise", explode)
    with caplog.at_level(logging.ERROR, logger="service.errors"):
        response = client.get("/api/v1/exercises/worked-example", headers={"X-Request-ID": "req-500"})
    assert response.status_code == 500
    assert response.mimetype == PROBLEM
    assert response.json["request_id"] == "req-500"
    assert "req-500" in response.json["detail"]
    assert "boom" not in response.get_data(as_text=True)
    assert any("req-500" in record.getMessage() and record.exc_info for record in caplog.records)


def test_unknown_paths_and_methods_are_problems(client):
    missing = client.get("/api/v1/nothing")
    wrong_method = client.patch("/api/v1/exercises")
    assert (missing.status_code, missing.mimetype) == (404, PROBLEM)
    assert (wrong_method.status_code, wrong_method.mimetype) == (405, PROBLEM)
    assert "GET" in wrong_method.headers["Allow"]


def test_json_keeps_step_keys_in_computation_order(client, instructor):
    response = client.get("/api/v1/exercises/worked-example/solution", headers=instructor)
    reference = solve(parse_exercise(builtin_spec("worked-example")))
    assert list(response.json["steps"]) == list(parse_exercise(builtin_spec("worked-example")).steps)
    assert response.json["steps"]["loss"] == pytest.approx(reference["loss"])
