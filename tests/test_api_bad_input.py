"""Hostile or odd input is a 4xx problem naming the field, never a 500, on SQLite and PostgreSQL.

PostgreSQL refuses NUL in text and in JSONB, Python refuses integers past 4300 digits, and a
recursive walk of a nested body runs out of stack: each used to surface as a 500.
"""

from __future__ import annotations

import json
import sys

import pytest

from .test_api_exercises import NEW_SPEC

PROBLEM = "application/problem+json"
FORWARD = "/api/v1/exercises/perceptron-forward"
NUL_MESSAGE = "Control characters are not allowed (found U+0000 at character 2)."
NUL_IN_TEXT = "control characters other than tab and line breaks are not allowed (found U+0000 at character 2)"


def assert_problem(response, status: int, field: str, message: str | None = None) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    fields = {error["field"]: error["message"] for error in response.json.get("errors", [])}
    assert field in fields, fields
    if message is not None:
        assert fields[field] == message


def test_a_student_id_with_nul_or_another_control_character_is_422(client):
    nul = client.post(f"{FORWARD}/submissions", json={"student_id": "a\u0000b", "answers": {}})
    escape = client.post(f"{FORWARD}/submissions", json={"student_id": "a\u001bb", "answers": {}})
    form = client.post(f"{FORWARD}/submissions", data={"student_id": "a\u0000b", "z.1.1": "1"})
    assert_problem(nul, 422, "student_id", NUL_MESSAGE)
    assert_problem(escape, 422, "student_id", "Control characters are not allowed (found U+001B at character 2).")
    assert_problem(form, 422, "student_id", NUL_MESSAGE)
    assert nul.json["detail"] == f"student_id: {NUL_MESSAGE}"


def test_an_answer_with_nul_is_422_but_tabs_and_line_breaks_are_kept(client, instructor):
    nul = client.post(f"{FORWARD}/submissions", json={"student_id": "ada", "answers": {"z.1.1": "1\u0000"}})
    form = client.post(f"{FORWARD}/submissions", data={"student_id": "ada", "z.1.1": "1\u0000"})
    spaced = client.post(f"{FORWARD}/submissions", json={"student_id": "ada", "answers": {"z.1.1": "\t-0.6\r\n"}})
    message = f"{NUL_IN_TEXT[0].upper()}{NUL_IN_TEXT[1:]}."
    assert_problem(nul, 422, "answers.z.1.1.value", message)
    assert_problem(form, 422, "answers.z.1.1.value", message)
    assert spaced.status_code == 201
    assert spaced.json["answers"] == {"z.1.1": "\t-0.6\r\n"}
    assert len(client.get(f"{FORWARD}/submissions", headers=instructor).json) == 1


def test_a_check_with_a_nul_answer_is_422(client):
    spec = {"title": "Try", "inputs": [1, 2], "layers": [{"weights": [[0.5, 0.1, 0.3]]}]}
    response = client.post("/api/v1/check", json={"spec": spec, "answers": {"z.1.1": "\u0000"}})
    assert_problem(response, 422, "answers.z.1.1.value")


def test_listing_by_a_student_id_with_nul_is_422(client, instructor):
    response = client.get(f"{FORWARD}/submissions?student_id=a%00b", headers=instructor)
    assert_problem(response, 422, "student_id", NUL_MESSAGE)


def test_an_idempotency_key_with_nul_is_400_naming_the_header(client):
    body = {"student_id": "ada", "answers": {"z.1.1": "1"}}
    response = client.post(f"{FORWARD}/submissions", json=body, headers={"Idempotency-Key": "a\u0000b"})
    assert_problem(response, 400, "Idempotency-Key", NUL_MESSAGE)


def test_ids_with_nul_in_the_url_are_not_found(client, instructor):
    exercise = client.get("/api/v1/exercises/a%00b")
    submission = client.get("/api/v1/submissions/a%00b", headers=instructor)
    changed = client.put("/api/v1/exercises/a%00b", json=NEW_SPEC | {"id": None}, headers=instructor)
    page = client.get("/exercises/a%00b")
    assert (exercise.status_code, exercise.mimetype) == (404, PROBLEM)
    assert exercise.json["detail"] == "There is no exercise with id 'a\\x00b'."
    assert (submission.status_code, submission.mimetype) == (404, PROBLEM)
    assert changed.status_code in (404, 422)
    assert (page.status_code, page.mimetype) == (404, "text/html")


@pytest.mark.parametrize(
    ("spec", "field", "at"),
    [
        ({"title": "One\u0000unit"}, "title", 4),
        ({"description": "Long\n\ttext " * 50 + "\u0000"}, "description", 551),
        ({"id": "my\u0000net"}, "id", 3),
        ({"layers": [{"activation": "sig\u0000moid", "weights": [[0.5, 0.1, 0.3]]}]}, "layers[0].activation", 4),
        ({"tolerance": {"steps": {"z.1.1\u0000": {"rtol": 0.1}}}}, "tolerance.steps.z.1.1\u0000", 6),
    ],
)
def test_a_spec_with_nul_in_any_text_is_422_naming_the_field(client, instructor, spec, field, at):
    created = client.post("/api/v1/exercises", json={**NEW_SPEC, **spec}, headers=instructor)
    checked = client.post("/api/v1/check", json={"spec": {**NEW_SPEC, **spec}, "answers": {}})
    message = NUL_IN_TEXT.replace("character 2", f"character {at}")
    if field.endswith("\u0000"):
        message = f"in a field name, {message}"
    assert_problem(created, 422, field, message)
    assert_problem(checked, 422, f"spec.{field}", message)


def test_a_description_keeps_its_tabs_and_line_breaks(client, instructor):
    description = "First line\r\n\tindented\n" * 100
    response = client.post("/api/v1/exercises", json={**NEW_SPEC, "description": description}, headers=instructor)
    assert response.status_code == 201
    assert client.get("/api/v1/exercises/my-first-net").json["description"] == description


def test_the_student_form_refuses_nul_and_stores_nothing(client, instructor):
    from .test_web_pages import post_form, stored_submissions

    bad_id = post_form(client, {"student_id": "a\u0000b", "z.1.1": "-0.6"}, path="/exercises/perceptron-forward")
    bad_answer = post_form(client, {"student_id": "ada", "z.1.1": "-0.6\u0000"}, path="/exercises/perceptron-forward")
    assert bad_id.status_code == 422
    assert "In a student id, control characters are not allowed (found U+0000 at character 2)." in bad_id.get_data(
        as_text=True
    )
    assert bad_answer.status_code == 422
    assert "ws 1,1: in an answer, control characters other than tab" in bad_answer.get_data(as_text=True)
    assert stored_submissions(client, instructor) == []


DEEP_LIST = "[" * 500 + "]" * 500
DEEP_OBJECT = '{"a": ' * 500 + "1" + "}" * 500


@pytest.mark.parametrize(("nested", "field"), [(DEEP_LIST, "extra" + "[0]" * 15), (DEEP_OBJECT, "extra" + ".a" * 15)])
def test_an_extra_field_nested_500_deep_is_422_not_a_500(client, instructor, nested, field):
    spec = json.dumps(NEW_SPEC)[:-1] + ', "extra": ' + nested + "}"
    created = client.post("/api/v1/exercises", data=spec, content_type="application/json", headers=instructor)
    checked = client.post("/api/v1/check", data=f'{{"spec": {spec}, "answers": {{}}}}', content_type="application/json")
    message = "nested deeper than 16 levels; no spec field needs that"
    assert_problem(created, 422, field, message)
    assert_problem(checked, 422, f"spec.{field}", message)


@pytest.mark.parametrize(
    ("path", "template", "instructor_only"),
    [
        (f"{FORWARD}/submissions", '{{"student_id": "ada", "answers": {{"z.1.1": {}}}}}', False),
        ("/api/v1/exercises", '{{"title": "t", "inputs": [{}], "layers": []}}', True),
        ("/api/v1/check", '{{"spec": {{}}, "answers": {{}}, "n": {}}}', False),
    ],
)
def test_an_integer_of_5000_digits_is_400_malformed_json(client, instructor, path, template, instructor_only):
    body = template.format("7" * 5000)
    headers = instructor if instructor_only else {}
    response = client.post(path, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    limit = sys.get_int_max_str_digits()
    assert response.json["detail"] == f"Malformed JSON: the body has an integer of more than {limit} digits."


@pytest.mark.parametrize("page", ["9223372036854775807", "1000001", "0", "-1"])
def test_a_page_out_of_range_is_422_on_every_list(client, instructor, page):
    exercises = client.get(f"/api/v1/exercises?page={page}")
    submissions = client.get(f"{FORWARD}/submissions?page={page}", headers=instructor)
    for response in (exercises, submissions):
        assert_problem(response, 422, "page")
    if int(page) > 1:
        assert exercises.json["errors"] == [
            {"field": "page", "message": "Must be greater than or equal to 1 and less than or equal to 1000000."}
        ]


def test_the_last_allowed_page_is_an_empty_list(client, instructor):
    exercises = client.get("/api/v1/exercises?page=1000000&page_size=100")
    submissions = client.get(f"{FORWARD}/submissions?page=1000000&page_size=100", headers=instructor)
    assert (exercises.status_code, exercises.json) == (200, [])
    assert (submissions.status_code, submissions.json) == (200, [])
    assert json.loads(exercises.headers["X-Pagination"])["total"] == 3
