"""The student pages over HTTP, without a browser, on SQLite and PostgreSQL.

The form round trip is driven as a browser without JavaScript would: GET the page (which sets the
CSRF cookie), read the hidden fields, POST the form back.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from service.engine import builtin_spec, parse_exercise, solve
from service.web import csrf

FORWARD = "/exercises/perceptron-forward"
BACKPROP = "/exercises/perceptron-backprop"
REFERENCE = solve(parse_exercise(builtin_spec("perceptron-forward")))


def hidden(html: str, name: str) -> str:
    return unescape(re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)[1])


def statuses(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-step="([^"]+)" data-status="([^"]+)"', html))


def field_value(html: str, key: str) -> str:
    return unescape(re.search(rf'name="{re.escape(key)}" type="text"[^>]* value="([^"]*)"', html)[1])


def open_form(client, path: str = FORWARD) -> dict[str, str]:
    html = client.get(path).get_data(as_text=True)
    return {"csrf_token": hidden(html, "csrf_token"), "idempotency_key": hidden(html, "idempotency_key")}


def post_form(client, fields: dict[str, str], path: str = FORWARD, **kwargs):
    return client.post(path, data={**open_form(client, path), **fields}, **kwargs)


def stored_submissions(client, instructor, exercise: str = "perceptron-forward") -> list[dict]:
    response = client.get(f"/api/v1/exercises/{exercise}/submissions", headers=instructor)
    assert response.status_code == 200
    return response.json


def test_the_index_lists_the_exercises_and_what_they_ask(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    items = re.findall(r'data-exercise="([^"]+)">\s*<a href="([^"]+)">([^<]+)</a>\s*<span class="asks">([^<]+)', html)
    assert items == [
        ("perceptron-backprop", "/exercises/perceptron-backprop", "Q2: one step of backprop on a perceptron",
         "Asks: forward pass, backprop, weight update"),
        ("perceptron-forward", "/exercises/perceptron-forward", "Q1: forward pass of a perceptron",
         "Asks: forward pass"),
        ("worked-example", "/exercises/worked-example", "Worked example: a 2-4-4-1 sigmoid network",
         "Asks: forward pass, backprop, weight update"),
    ]  # fmt: skip


def test_the_exercise_page_has_the_statement_the_picture_and_a_field_per_step(client):
    response = client.get(BACKPROP)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<span class="math">\N{GREEK SMALL LETTER ALPHA} = 0.1</span>' in html
    assert "<strong>0.7</strong>" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert html.count('<line class="edge') == 4
    names = re.findall(r'<input id="step-[^"]+" name="([^"]+)"', html)
    assert names == list(parse_exercise(builtin_spec("perceptron-backprop")).steps)
    for key in names:  # every field has its label
        field_id = re.search(rf'id="([^"]+)" name="{re.escape(key)}"', html)[1]
        assert f'<label for="{field_id}">' in html
    assert '<span class="notation">Delta w 1,1,0</span> <code class="key">dw.1.1.0</code>' in html
    assert "<legend><h3>Weight changes</h3></legend>" in html
    assert set(statuses(html).values()) == {"ungraded"}
    assert 'name="student_id"' in html
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{csrf.COOKIE_NAME}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_everything_the_page_loads_is_served_here(client):
    html = client.get("/exercises/worked-example").get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"#]+)"', html)
    assert sources and all(source.startswith("/") or source == "data:," for source in sources)
    for asset, mimetype in (("/assets/grader.css", "text/css"), ("/assets/grader.js", "text/javascript")):
        response = client.get(asset)
        assert response.status_code == 200
        assert response.mimetype == mimetype
        assert asset in html


def test_a_graded_form_marks_each_field_keeps_the_answers_and_is_stored(client, instructor):
    response = post_form(client, {"student_id": "ada", "z.1.1": f"{REFERENCE['z.1.1']:.4f}", "a.1.1": "0.9"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert statuses(html) == {"z.1.1": "correct", "a.1.1": "incorrect"}
    assert field_value(html, "a.1.1") == "0.9"
    assert re.search(r'name="student_id"[^>]* value="ada"', html)
    assert 'class="score" data-score="50%"' in html
    assert '<span class="icon" aria-hidden="true">✗</span> incorrect' in html
    assert 'href="#rule-a-1">The rule for output 1,1</a>' in html
    assert 'id="rule-a-1"' in html
    assert 'role="status" aria-live="polite"' in html
    [stored] = stored_submissions(client, instructor)
    assert stored["student_id"] == "ada"
    assert stored["answers"] == {"z.1.1": f"{REFERENCE['z.1.1']:.4f}", "a.1.1": "0.9"}
    assert [step["status"] for step in stored["result"]["steps"]] == ["correct", "incorrect"]
    assert f"<code>{stored['id']}</code>" in html


def test_a_bad_value_is_invalid_and_the_rest_is_graded(client):
    html = post_form(client, {"student_id": "bob", "z.1.1": "abc", "a.1.1": f"{REFERENCE['a.1.1']:.4f}"}).get_data(
        as_text=True
    )
    assert statuses(html) == {"z.1.1": "invalid", "a.1.1": "correct"}
    assert "Could not be graded: could not read &#39;abc&#39; as a number" in html
    assert field_value(html, "z.1.1") == "abc"
    assert 'data-status="invalid" data-count="1"' in html


def test_blank_fields_are_missing_and_not_stored(client, instructor):
    html = post_form(client, {"student_id": "cy", "z.1.1": "  ", "a.1.1": ""}).get_data(as_text=True)
    assert statuses(html) == {"z.1.1": "missing", "a.1.1": "missing"}
    assert stored_submissions(client, instructor)[0]["answers"] == {}


def test_a_post_without_a_valid_token_is_a_400_page_that_stores_nothing(client, instructor):
    for token in ({}, {"csrf_token": "forged"}):
        response = client.post(FORWARD, data={"student_id": "eve", "z.1.1": "-0.6", **token})
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert response.mimetype == "text/html"
        assert "were not graded or stored" in html
        assert field_value(html, "z.1.1") == "-0.6"
    client.delete_cookie(csrf.COOKIE_NAME)
    form = open_form(client)
    client.delete_cookie(csrf.COOKIE_NAME)  # the cookie is gone (cleared, blocked): the token alone is refused
    assert client.post(FORWARD, data={**form, "student_id": "eve"}).status_code == 400
    assert stored_submissions(client, instructor) == []


def test_a_token_is_tied_to_its_cookie_under_a_secret_key(app, client):
    app.secret_key = "a secret for the test"
    form = open_form(client)
    assert post_form(client, {"student_id": "ada"}).status_code == 200
    nonce = client.get_cookie(csrf.COOKIE_NAME).value
    assert form["csrf_token"] != nonce  # an HMAC of the nonce, not the nonce
    client.set_cookie(csrf.COOKIE_NAME, "A" * 43)  # a planted cookie does not match the form's token
    assert client.post(FORWARD, data={**form, "student_id": "ada"}).status_code == 400


def test_the_json_api_needs_no_token(client):
    response = client.post(
        "/api/v1/exercises/perceptron-forward/submissions", json={"student_id": "api", "answers": {"z.1.1": "-0.6"}}
    )
    assert response.status_code == 201
    form = client.post("/api/v1/exercises/perceptron-forward/submissions", data={"student_id": "api", "z.1.1": "1"})
    assert form.status_code == 201


def test_a_double_submitted_form_is_stored_once(client, instructor):
    form = {**open_form(client), "student_id": "ada", "z.1.1": "-0.6"}
    first = client.post(FORWARD, data=form).get_data(as_text=True)
    second = client.post(FORWARD, data=form).get_data(as_text=True)
    assert statuses(first) == statuses(second) == {"z.1.1": "correct", "a.1.1": "missing"}
    assert len(stored_submissions(client, instructor)) == 1
    assert hidden(first, "idempotency_key") != form["idempotency_key"]  # the graded page is a new form


def test_a_reused_form_with_other_answers_is_not_graded_under_the_old_key(client, instructor):
    form = {**open_form(client), "student_id": "ada"}
    client.post(FORWARD, data={**form, "z.1.1": "-0.6"})
    response = client.post(FORWARD, data={**form, "z.1.1": "-0.7"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "already graded with other answers" in html
    assert field_value(html, "z.1.1") == "-0.7"
    assert client.post(FORWARD, data={**form, **open_form(client), "z.1.1": "-0.7"}).status_code == 200
    assert len(stored_submissions(client, instructor)) == 2


@pytest.mark.parametrize(
    ("student_id", "message"),
    [("", "Enter your student id"), ("x" * 101, "at most 100 characters")],
)
def test_a_form_without_a_good_student_id_is_not_graded(client, instructor, student_id, message):
    response = post_form(client, {"student_id": student_id, "z.1.1": "-0.6"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'aria-invalid="true"' in html
    assert field_value(html, "z.1.1") == "-0.6"
    assert stored_submissions(client, instructor) == []


def test_unknown_and_retired_exercises_are_html_404_pages(client, instructor):
    response = client.get("/exercises/no-such-exercise")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "There is no exercise with id &#39;no-such-exercise&#39;." in response.get_data(as_text=True)
    assert client.delete("/api/v1/exercises/perceptron-forward", headers=instructor).status_code == 204
    for response in (client.get(FORWARD), client.post(FORWARD, data={"student_id": "ada"})):
        assert response.status_code == 404
        assert "was retired" in response.get_data(as_text=True)
    assert client.get("/api/v1/exercises/nope").mimetype == "application/problem+json"  # the API is unchanged


def test_a_descriptions_html_never_reaches_the_page(client, instructor):
    spec = {
        "id": "hostile",
        "title": "<img src=x onerror=alert(1)>",
        "description": "<script>alert(1)</script> [click](javascript:alert(2))",
        "inputs": [1],
        "layers": [{"weights": [[0.5, 0.5]]}],
    }
    assert client.post("/api/v1/exercises", json=spec, headers=instructor).status_code == 201
    html = client.get("/exercises/hostile").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert 'href="javascript:' not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_large_network_gets_a_weight_table_open_beside_the_picture(client, instructor):
    spec = {"id": "wide", "title": "Wide", "inputs": [1] * 8, "layers": [{"units": 6, "weights": 0.1}]}
    assert client.post("/api/v1/exercises", json=spec, headers=instructor).status_code == 201
    html = client.get("/exercises/wide").get_data(as_text=True)
    assert 'data-labelled="false"' in html
    assert '<details class="weights" open>' in html
    assert html.count("<td>0.1</td>") == 6 * 9
    assert "Point at an edge to see its weight" in html


def test_an_unexpected_error_is_an_html_page_with_the_request_id(client, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("service.web.views.submit", broken)
    response = post_form(client, {"student_id": "ada"}, headers={"X-Request-ID": "req-123"})
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "<code>req-123</code>" in html
    assert "database on fire" not in html
    (logged,) = [record for record in caplog.records if "req-123" in record.getMessage()]
    assert logged.name == "service.errors"
    assert logged.getMessage() == "unhandled error on a student page (request id req-123)"
    assert logged.exc_info is not None and str(logged.exc_info[1]) == "database on fire"
