"""Submitting and reading submissions over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

import pytest

from service.engine import builtin_spec, parse_exercise, solve

from .conftest import SMALL_WORK_LABEL

PROBLEM = "application/problem+json"
FORWARD = "/api/v1/exercises/perceptron-forward"
REFERENCE = solve(parse_exercise(builtin_spec("perceptron-forward")))


def right(key: str) -> str:
    return f"{REFERENCE[key]:.4f}"


def submit(client, answers, student_id="ada", **kwargs):
    return client.post(f"{FORWARD}/submissions", json={"student_id": student_id, "answers": answers}, **kwargs)


def test_a_json_submission_is_graded_and_stored(client, instructor):
    response = submit(client, {"z.1.1": right("z.1.1"), "a.1.1": REFERENCE["a.1.1"]})
    body = response.json
    assert response.status_code == 201
    assert body["result"]["score"] == 1.0
    assert body["result"]["counts"] == {"correct": 2, "carried_forward": 0, "incorrect": 0, "missing": 0, "invalid": 0}
    assert [step["step"] for step in body["result"]["steps"]] == ["z.1.1", "a.1.1"]
    assert (body["exercise_id"], body["exercise_version"], body["student_id"]) == ("perceptron-forward", 1, "ada")
    assert body["engine_backend"] == SMALL_WORK_LABEL
    assert response.headers["Location"].endswith(f"/api/v1/submissions/{body['id']}")
    stored = client.get(f"/api/v1/submissions/{body['id']}", headers=instructor)
    assert stored.status_code == 200
    assert stored.json == body
    assert stored.json["answers"] == {"z.1.1": right("z.1.1"), "a.1.1": REFERENCE["a.1.1"]}


def test_a_form_submission_has_one_field_per_step_key(client, instructor):
    form = {"student_id": "bob", "z.1.1": right("z.1.1"), "a.1.1": "0.9"}
    response = client.post(f"{FORWARD}/submissions", data=form)
    assert response.status_code == 201
    assert response.json["student_id"] == "bob"
    assert response.json["answers"] == {"z.1.1": right("z.1.1"), "a.1.1": "0.9"}
    assert [step["status"] for step in response.json["result"]["steps"]] == ["correct", "incorrect"]


def test_a_form_without_student_id_is_422(client):
    response = client.post(f"{FORWARD}/submissions", data={"z.1.1": "1"})
    assert response.status_code == 422
    assert response.json["errors"] == [{"field": "student_id", "message": "Missing data for required field."}]


def test_unknown_step_keys_are_422_and_store_nothing(client, instructor):
    response = submit(client, {"z.1.1": "1", "z.9.9": "2"})
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert response.json["errors"][0]["field"] == "answers.z.9.9"
    listed = client.get(f"{FORWARD}/submissions", headers=instructor)
    assert listed.json == []


@pytest.mark.parametrize(
    ("raw_answer", "field"),
    [
        ("NaN", "answers.z.1.1.value"),
        ("1e999", "answers.z.1.1.value"),
        ("true", "answers.z.1.1.value"),
        ('"' + "9" * 101 + '"', "answers.z.1.1.value"),
    ],
)
def test_answers_that_are_not_numbers_or_text_are_422(client, raw_answer, field):
    body = '{"student_id": "ada", "answers": {"z.1.1": ' + raw_answer + "}}"
    response = client.post(f"{FORWARD}/submissions", data=body, content_type="application/json")
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == field


def test_bad_bodies_are_400_413_415_422(client):
    malformed = client.post(f"{FORWARD}/submissions", data='{"student_id": ', content_type="application/json")
    wrong_type = client.post(f"{FORWARD}/submissions", data="z.1.1=1", content_type="text/csv")
    too_big = submit(client, {"z.1.1": "1"}, student_id="x" * (1024 * 1024))
    no_answers = client.post(f"{FORWARD}/submissions", json={"student_id": "ada"})
    assert [r.status_code for r in (malformed, wrong_type, too_big, no_answers)] == [400, 415, 413, 422]
    assert all(r.mimetype == PROBLEM for r in (malformed, wrong_type, too_big, no_answers))
    assert no_answers.json["errors"] == [{"field": "answers", "message": "Missing data for required field."}]


def test_submitting_to_a_missing_exercise_is_404(client):
    response = client.post("/api/v1/exercises/nope/submissions", json={"student_id": "a", "answers": {}})
    assert response.status_code == 404
    assert response.json["detail"] == "There is no exercise with id 'nope'."


def test_a_retried_post_with_an_idempotency_key_returns_the_first_result(client, instructor):
    headers = {"Idempotency-Key": "retry-1"}
    first = submit(client, {"z.1.1": "1"}, headers=headers)
    again = submit(client, {"z.1.1": "1"}, headers=headers)
    other = submit(client, {"z.1.1": "2"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert other.status_code == 422
    assert other.json["errors"][0]["field"] == "Idempotency-Key"
    assert len(client.get(f"{FORWARD}/submissions", headers=instructor).json) == 1


def test_an_idempotency_key_is_scoped_to_the_exercise_and_the_student(client, instructor):
    headers = {"Idempotency-Key": "attempt-1"}
    forward = submit(client, {"z.1.1": "1"}, headers=headers)
    backprop = client.post(
        "/api/v1/exercises/perceptron-backprop/submissions",
        json={"student_id": "ada", "answers": {"z.1.1": "1"}},
        headers=headers,
    )
    other_student = submit(client, {"z.1.1": "1"}, student_id="bob", headers=headers)
    retry = submit(client, {"z.1.1": "1"}, headers=headers)
    changed = submit(client, {"z.1.1": "2"}, headers=headers)
    assert [r.status_code for r in (forward, backprop, other_student, retry)] == [201, 201, 201, 201]
    assert len({forward.json["id"], backprop.json["id"], other_student.json["id"]}) == 3
    assert not any("Idempotent-Replayed" in r.headers for r in (forward, backprop, other_student))
    assert (retry.json, retry.headers["Idempotent-Replayed"]) == (forward.json, "true")
    assert changed.status_code == 422
    assert changed.json["errors"] == [
        {
            "field": "Idempotency-Key",
            "message": "This Idempotency-Key was already used for a different submission; "
            "use a new key for new answers.",
        }
    ]
    assert len(client.get(f"{FORWARD}/submissions", headers=instructor).json) == 2


def test_a_changed_exercise_keeps_old_submissions_on_their_version(client, instructor):
    old = submit(client, {"z.1.1": right("z.1.1")}).json
    spec = builtin_spec("perceptron-forward") | {"inputs": [3, 1, 3]}
    assert client.put(FORWARD, json=spec, headers=instructor).json["version"] == 2
    new = submit(client, {"z.1.1": right("z.1.1")}).json
    assert (old["exercise_version"], new["exercise_version"]) == (1, 2)
    assert client.get(f"/api/v1/submissions/{old['id']}", headers=instructor).json["result"] == old["result"]
    assert new["result"]["steps"][0]["status"] != "correct"


def test_instructors_list_filter_and_page_submissions(client, instructor):
    for student in ("ada", "bob", "ada"):
        submit(client, {"z.1.1": "1"}, student_id=student)
    everyone = client.get(f"{FORWARD}/submissions?page_size=2", headers=instructor)
    ada = client.get(f"{FORWARD}/submissions?student_id=ada", headers=instructor)
    assert everyone.status_code == 200
    assert [s["student_id"] for s in everyone.json] == ["ada", "bob"]
    assert json.loads(everyone.headers["X-Pagination"])["total"] == 3
    assert [s["student_id"] for s in ada.json] == ["ada", "ada"]
    assert client.get(f"{FORWARD}/submissions").status_code == 401
    assert client.get("/api/v1/exercises/nope/submissions", headers=instructor).status_code == 404


def test_submissions_of_a_retired_exercise_stay_readable(client, instructor):
    submit(client, {"z.1.1": "1"})
    client.delete(FORWARD, headers=instructor)
    listed = client.get(f"{FORWARD}/submissions", headers=instructor)
    assert listed.status_code == 200
    assert len(listed.json) == 1
    assert submit(client, {"z.1.1": "1"}).status_code == 404


def test_the_csv_export_is_a_spreadsheet_of_every_submission(client, instructor):
    submit(client, {"z.1.1": right("z.1.1"), "a.1.1": "=1+1"}, student_id="=cmd()")
    submit(client, {"z.1.1": "-0.5"}, student_id="bob")
    response = client.get(f"{FORWARD}/submissions?format=csv", headers=instructor)
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "X-Pagination" not in response.headers
    assert response.headers["Content-Disposition"] == 'attachment; filename="perceptron-forward-submissions.csv"'
    assert [row["student_id"] for row in rows] == ["'=cmd()", "bob"]
    assert rows[0]["z.1.1"] == right("z.1.1")
    assert rows[0]["z.1.1 status"] == "correct"
    assert rows[0]["a.1.1"] == "'=1+1"
    assert rows[1]["z.1.1"] == "-0.5"
    assert rows[1]["a.1.1 status"] == "missing"
    assert rows[1]["submitted_at"].endswith("+00:00")
    only_bob = client.get(f"{FORWARD}/submissions?format=csv&student_id=bob", headers=instructor)
    assert len(list(csv.DictReader(io.StringIO(only_bob.get_data(as_text=True))))) == 1
    assert client.get(f"{FORWARD}/submissions?format=xml", headers=instructor).status_code == 422


def test_an_unknown_submission_is_404(client, instructor):
    response = client.get("/api/v1/submissions/0000", headers=instructor)
    assert response.status_code == 404
    assert response.json["detail"] == "There is no submission with id '0000'."
