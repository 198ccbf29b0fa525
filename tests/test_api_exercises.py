"""The exercises endpoints on SQLite and PostgreSQL: reading, instructor writes, bad input."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from service.engine import builtin_spec, parse_exercise, solve

from .conftest import OTHER_INSTRUCTOR_TOKEN

PROBLEM = "application/problem+json"
NEW_SPEC = {
    "id": "My First Net",
    "title": "Two inputs, one unit",
    "inputs": [1, 2],
    "layers": [{"activation": "sigmoid", "weights": [[0.5, 0.1, 0.3]]}],
    "target": [1],
    "learning_rate": 0.5,
    "steps": ["z.1.1", "a.1.1", "e.1"],
}


def test_the_builtins_are_listed_a_page_at_a_time(client):
    response = client.get("/api/v1/exercises?page=2&page_size=2")
    assert response.status_code == 200
    assert response.json == [
        {
            "id": "worked-example",
            "title": "Worked example: a 2-4-4-1 sigmoid network",
            "version": 1,
            "step_kinds": ["z", "a", "e", "loss", "delta", "dw", "w_new"],
        }
    ]
    assert json.loads(response.headers["X-Pagination"]) == {
        "total": 3,
        "total_pages": 2,
        "first_page": 1,
        "last_page": 2,
        "page": 2,
        "previous_page": 1,
    }


def test_a_bad_page_size_is_422(client):
    response = client.get("/api/v1/exercises?page_size=1000")
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert response.json["errors"][0]["field"] == "page_size"


def test_a_student_sees_the_givens_but_no_reference_values(client):
    response = client.get("/api/v1/exercises/perceptron-backprop")
    body = response.json
    assert response.status_code == 200
    assert body["id"] == "perceptron-backprop"
    assert body["inputs"] == [2.0, 1.0, 3.0]
    assert body["layers"] == [
        {"number": 1, "units": 1, "activation": "sigmoid", "bias": True, "weights": [[0.4, 0.1, -0.6, -0.2]]}
    ]
    assert (body["target"], body["learning_rate"]) == ([0.7], 0.1)
    assert body["steps"] == builtin_spec("perceptron-backprop")["steps"]
    assert body["tolerance"].startswith("within")
    reference = solve(parse_exercise(builtin_spec("perceptron-backprop")))
    text = response.get_data(as_text=True)
    assert all(repr(reference[key]) not in text for key in ("a.1.1", "delta.1.1", "w_new.1.1.0"))


def test_an_unknown_exercise_is_404_problem(client):
    response = client.get("/api/v1/exercises/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == PROBLEM
    assert response.json["detail"] == "There is no exercise with id 'no-such-thing'."
    assert response.json["request_id"] == response.headers["X-Request-ID"]


def test_an_instructor_creates_an_exercise_under_a_slug(client, instructor):
    response = client.post("/api/v1/exercises", json=NEW_SPEC, headers=instructor)
    assert response.status_code == 201
    assert response.json == {
        "id": "my-first-net",
        "version": 1,
        "title": "Two inputs, one unit",
        "steps": ["z.1.1", "a.1.1", "e.1"],
    }
    assert response.headers["Location"].endswith("/api/v1/exercises/my-first-net")
    assert client.get("/api/v1/exercises/my-first-net").json["steps"] == ["z.1.1", "a.1.1", "e.1"]


def test_an_id_is_generated_from_the_title_when_absent(client, instructor):
    spec = {key: value for key, value in NEW_SPEC.items() if key != "id"}
    response = client.post("/api/v1/exercises", json=spec, headers=instructor)
    assert response.status_code == 201
    assert response.json["id"].startswith("two-inputs-one-unit-")
    assert len(response.json["id"]) == len("two-inputs-one-unit-") + 6


def test_creating_an_existing_id_is_409(client, instructor):
    response = client.post("/api/v1/exercises", json={**NEW_SPEC, "id": "worked-example"}, headers=instructor)
    assert response.status_code == 409
    assert "already exists" in response.json["detail"]


@pytest.mark.parametrize(
    ("headers", "status", "detail"),
    [
        ({}, 401, "This needs an instructor: send the header 'Authorization: Bearer <token>'."),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401, "This needs an instructor"),
        ({"Authorization": "Bearer wrong"}, 403, "That bearer token is not an instructor token."),
    ],
)
def test_instructor_calls_need_a_known_token(client, headers, status, detail):
    for method, path in [
        ("post", "/api/v1/exercises"),
        ("put", "/api/v1/exercises/worked-example"),
        ("delete", "/api/v1/exercises/worked-example"),
        ("get", "/api/v1/exercises/worked-example/solution"),
    ]:
        response = getattr(client, method)(path, json=NEW_SPEC, headers=headers)
        assert response.status_code == status, (method, path)
        assert response.mimetype == PROBLEM
        assert response.json["detail"].startswith(detail)
    if status == 401:
        assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_every_configured_token_is_an_instructor(client):
    response = client.get(
        "/api/v1/exercises/perceptron-forward/solution", headers={"Authorization": f"Bearer {OTHER_INSTRUCTOR_TOKEN}"}
    )
    assert response.status_code == 200


def test_an_invalid_spec_lists_every_failing_field(client, instructor):
    spec = {**NEW_SPEC, "inputs": [1, "two"], "learning_rate": -1, "colour": "red"}
    response = client.post("/api/v1/exercises", json=spec, headers=instructor)
    fields = {error["field"]: error["message"] for error in response.json["errors"]}
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert fields["colour"].startswith("unknown field")
    assert fields["inputs[1]"] == "expected a number, got the string 'two'"
    assert response.json["detail"].startswith(response.json["errors"][0]["field"])


def test_bad_grading_options_are_422(client, instructor):
    response = client.post("/api/v1/exercises", json={**NEW_SPEC, "tolerance": {"rtol": -1}}, headers=instructor)
    assert response.status_code == 422
    assert response.json["errors"][0]["field"].startswith("tolerance")


def test_a_spec_over_the_size_limits_is_422(client, instructor):
    layers = [{"units": 1, "weights": 0.5}] * 11
    response = client.post("/api/v1/exercises", json={**NEW_SPEC, "layers": layers, "target": [1]}, headers=instructor)
    assert response.status_code == 422
    assert response.json["errors"] == [{"field": "layers", "message": "at most 10 layers are allowed, got 11"}]


def test_a_body_over_the_request_limit_is_413(client, instructor):
    spec = {**NEW_SPEC, "description": "x" * (1024 * 1024)}
    response = client.post("/api/v1/exercises", json=spec, headers=instructor)
    assert response.status_code == 413
    assert response.mimetype == PROBLEM


def test_malformed_json_is_400_and_a_wrong_content_type_415(client, instructor):
    malformed = client.post("/api/v1/exercises", data="{oops", content_type="application/json", headers=instructor)
    as_text = client.post("/api/v1/exercises", data=json.dumps(NEW_SPEC), content_type="text/plain", headers=instructor)
    not_an_object = client.post("/api/v1/exercises", json=[1, 2], headers=instructor)
    assert malformed.status_code == 400
    assert malformed.json["detail"] == "Invalid JSON body."
    assert "errors" not in malformed.json
    assert as_text.status_code == 415
    assert as_text.json["detail"] == "Send the body as application/json (got 'text/plain')."
    assert not_an_object.status_code == 422


@pytest.mark.parametrize(
    ("replacement", "field"),
    [('"learning_rate": NaN', "learning_rate"), ('"learning_rate": 1' + "0" * 400, "learning_rate")],
)
def test_numbers_no_float_can_hold_are_422(client, instructor, replacement, field):
    body = json.dumps(NEW_SPEC).replace('"learning_rate": 0.5', replacement)
    response = client.post("/api/v1/exercises", data=body, content_type="application/json", headers=instructor)
    assert response.status_code == 422
    assert response.json["errors"] == [
        {"field": field, "message": "must be a finite number within the range of a double"}
    ]


def test_json_nested_too_deeply_is_400(client, instructor):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/v1/exercises", data=body, content_type="application/json", headers=instructor)
    assert response.status_code == 400
    assert response.json["detail"] == "The JSON body is nested too deeply to read."


def test_put_adds_a_version_and_checks_the_id(client, instructor):
    client.post("/api/v1/exercises", json=NEW_SPEC, headers=instructor)
    changed = {**NEW_SPEC, "id": "my-first-net", "layers": [{"weights": [[0.5, 0.9, 0.3]]}]}
    response = client.put("/api/v1/exercises/my-first-net", json=changed, headers=instructor)
    mismatch = client.put("/api/v1/exercises/my-first-net", json={**NEW_SPEC, "id": "other"}, headers=instructor)
    missing = client.put("/api/v1/exercises/nope", json=NEW_SPEC | {"id": "nope"}, headers=instructor)
    assert response.status_code == 200
    assert response.json["version"] == 2
    assert client.get("/api/v1/exercises/my-first-net").json["layers"][0]["weights"] == [[0.5, 0.9, 0.3]]
    assert mismatch.status_code == 422
    assert mismatch.json["errors"][0]["field"] == "id"
    assert missing.status_code == 404


def test_concurrent_puts_each_get_the_next_version(app, instructor):
    """30 PUTs at once, from threads on their own connections: no 500, versions 2..31 with no gap.

    On SQLite, SELECT ... FOR UPDATE is a no-op: two writers used to read the same current
    version and the second insert failed on the primary key, a 500.
    """
    puts = 30
    spec = {**NEW_SPEC, "id": "race"}
    assert app.test_client().post("/api/v1/exercises", json=spec, headers=instructor).status_code == 201
    start = threading.Barrier(puts)

    def put(number: int):
        client = app.test_client()
        start.wait(timeout=30)
        return client.put("/api/v1/exercises/race", json={**spec, "title": f"Race {number}"}, headers=instructor)

    with ThreadPoolExecutor(puts) as pool:
        responses = list(pool.map(put, range(puts)))
    assert [response.status_code for response in responses] == [200] * puts, [r.json for r in responses]
    versions = {response.json["version"]: response.json["title"] for response in responses}
    assert sorted(versions) == list(range(2, puts + 2))
    current = app.test_client().get("/api/v1/exercises/race").json
    assert (current["version"], current["title"]) == (puts + 1, versions[puts + 1])


def test_delete_retires_an_exercise(client, instructor):
    response = client.delete("/api/v1/exercises/perceptron-forward", headers=instructor)
    again = client.delete("/api/v1/exercises/perceptron-forward", headers=instructor)
    assert response.status_code == 204
    assert response.data == b""
    assert client.get("/api/v1/exercises/perceptron-forward").status_code == 404
    assert "perceptron-forward" not in [item["id"] for item in client.get("/api/v1/exercises").json]
    assert again.status_code == 404
    assert again.json["detail"] == "The exercise 'perceptron-forward' was retired."


def test_the_solution_has_every_asked_step_in_order(client, instructor):
    response = client.get("/api/v1/exercises/perceptron-backprop/solution", headers=instructor)
    reference = solve(parse_exercise(builtin_spec("perceptron-backprop")))
    assert response.status_code == 200
    assert response.json["exercise_id"] == "perceptron-backprop"
    assert list(response.json["steps"]) == builtin_spec("perceptron-backprop")["steps"]
    assert response.json["steps"]["w_new.1.1.0"] == pytest.approx(reference["w_new.1.1.0"])
    assert response.json["steps"]["z.1.1"] == pytest.approx(-0.6)
