"""Metrics at /metrics, JSON log lines and the readiness document, inside one process.

The metrics are process-wide, so every test reads them before and after what it does and
asserts the difference. Multi-process aggregation under gunicorn is in test_observability_gunicorn.py.
"""

from __future__ import annotations

import io
import json
import logging
import socket
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from service import create_app
from service.config import Config
from service.observability import logs
from service.store import Database

from .conftest import ENGINE, SMALL_WORK_BACKEND, app_config

FORWARD = "/api/v1/exercises/perceptron-forward"
SPEC = {"title": "One unit", "inputs": [1, 2], "layers": [{"weights": [[0.5, 0.1, 0.3]]}]}


@pytest.fixture
def sqlite_app(tmp_path: Path):
    """One app on SQLite: what is measured here does not depend on the database."""
    application = create_app(app_config(f"sqlite:///{tmp_path / 'grader.sqlite3'}"))
    yield application
    application.extensions["grader.database"].dispose()


@pytest.fixture
def client(sqlite_app):
    return sqlite_app.test_client()


def samples(client) -> dict[tuple[str, frozenset], float]:
    """Every sample of the exposition, keyed by name and labels."""
    response = client.get("/metrics")
    assert response.status_code == 200
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def test_requests_are_counted_by_route_template_method_and_status(client):
    before = samples(client)
    assert client.get("/healthz").status_code == 200
    assert client.get(f"{FORWARD}").status_code == 200
    assert client.get("/api/v1/exercises/no-such-exercise").status_code == 404
    assert client.get("/no/such/path").status_code == 404
    assert client.patch("/api/v1/exercises").status_code == 405
    assert client.open("/healthz", method="BREW").status_code == 405
    after = samples(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "grader_http_requests_total"
    assert delta(requests, endpoint="/healthz", method="GET", status="200") == 1
    assert delta(requests, endpoint="/api/v1/exercises/<exercise_id>", method="GET", status="200") == 1
    assert delta(requests, endpoint="/api/v1/exercises/<exercise_id>", method="GET", status="404") == 1
    assert delta(requests, endpoint="unmatched", method="GET", status="404") == 1
    assert delta(requests, endpoint="unmatched", method="PATCH", status="405") == 1
    assert delta(requests, endpoint="unmatched", method="other", status="405") == 1, "unknown methods are lumped"
    # The first scrape was counted once it was answered; the second is not in its own output.
    assert delta(requests, endpoint="/metrics", method="GET", status="200") == 1
    total = sum(after[key] - before.get(key, 0.0) for key in after if key[0] == requests)
    assert total == 7

    durations = "grader_http_request_duration_seconds_count"
    assert delta(durations, endpoint="/healthz", method="GET") == 1
    assert delta(durations, endpoint="/api/v1/exercises/<exercise_id>", method="GET") == 2
    assert delta("grader_http_request_duration_seconds_sum", endpoint="/healthz", method="GET") > 0


def test_grading_is_counted_by_step_status_backend_source_and_batch(client):
    before = samples(client)
    body = {"student_id": "ada", "answers": {"z.1.1": "-0.6"}}  # z.1.1 correct, a.1.1 missing
    key = {"Idempotency-Key": "metrics-1"}
    assert client.post(f"{FORWARD}/submissions", json=body, headers=key).status_code == 201
    assert client.post(f"{FORWARD}/submissions", json=body, headers=key).status_code == 201  # a replay
    wrong = {"student_id": "bob", "answers": {"z.1.1": "5", "a.1.1": "x"}}
    assert client.post(f"{FORWARD}/submissions", json=wrong).status_code == 201
    checked = client.post("/api/v1/check", json={"spec": SPEC, "answers": {"z.1.1": "1.2"}})
    assert checked.status_code == 200
    after = samples(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    graded_on = SMALL_WORK_BACKEND
    assert delta("grader_submissions_total", backend=graded_on, source="submission") == 2, "a replay is not regraded"
    assert delta("grader_submissions_total", backend=graded_on, source="check") == 1
    checked_counts = checked.json["counts"]
    assert delta("grader_steps_graded_total", status="correct") == 1 + checked_counts["correct"]
    assert delta("grader_steps_graded_total", status="missing") == 1 + checked_counts["missing"]
    assert delta("grader_steps_graded_total", status="incorrect") == 1 + checked_counts["incorrect"]
    assert delta("grader_steps_graded_total", status="invalid") == 1
    assert delta("grader_grading_batch_size_count") == 3
    assert delta("grader_grading_batch_size_sum") == 3
    assert delta("grader_grading_batch_size_bucket", le="1.0") == 3


def test_the_engine_backend_and_device_are_reported(client):
    found = samples(client)
    engine = {labels: sample for (name, labels), sample in found.items() if name == "grader_engine_info"}
    assert engine == {frozenset({("backend", ENGINE.name), ("device", ENGINE.device)}): 1.0}


def test_metrics_speak_openmetrics_when_asked_and_stay_out_of_the_api(client):
    openmetrics = client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert openmetrics.headers["Content-Type"].startswith("application/openmetrics-text")
    assert openmetrics.get_data(as_text=True).endswith("# EOF\n")
    plain = client.get("/metrics")
    assert plain.headers["Content-Type"].startswith("text/plain")
    assert plain.headers["X-Request-ID"]
    refused = client.post("/metrics")
    assert (refused.status_code, refused.mimetype) == (405, "application/problem+json")
    assert "/metrics" not in client.get("/openapi.json").json["paths"]


def test_readiness_documents_its_503(client):
    responses = client.get("/openapi.json").json["paths"]["/readyz"]["get"]["responses"]
    assert set(responses) >= {"200", "503"}
    assert "application/problem+json" in responses["503"]["content"]


def test_a_silent_database_fails_readiness_within_the_probe_timeout(sqlite_app, client, monkeypatch):
    """A server that accepts connections and never answers (a hung host): PGCONNECT_TIMEOUT bounds it.

    deploy/ sets PGCONNECT_TIMEOUT=2 and the readiness probe gives up after 3 s.
    """
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes the handshakes; nobody ever reads or answers
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "2")
    port = silent.getsockname()[1]
    original, hung = (
        sqlite_app.extensions["grader.database"],
        Database(f"postgresql://postgres@127.0.0.1:{port}/grader"),
    )
    sqlite_app.extensions["grader.database"] = hung
    try:
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
    finally:
        sqlite_app.extensions["grader.database"] = original
        hung.dispose()
        silent.close()
    assert response.status_code == 503
    assert response.json["database"].startswith("unreachable: OperationalError"), response.json
    assert 1.5 < elapsed < 3


# ---------------------------------------------------------------------------------------------- logs


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the ``service`` loggers write while a test runs, through the JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("service")
    previous_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(previous_level)


def parse_lines(text: str) -> list[dict]:
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert all(isinstance(record, dict) for record in records)
    return records


def test_each_request_logs_one_json_line_with_its_request_id(client, json_lines):
    response = client.get(f"{FORWARD}?page=1", headers={"X-Request-ID": "trace-42"})
    assert response.headers["X-Request-ID"] == "trace-42"
    (line,) = [record for record in parse_lines(json_lines.getvalue()) if record["logger"] == "service.request"]
    assert line["request_id"] == "trace-42"
    assert line["method"] == "GET"
    assert line["path"] == FORWARD, "the query string is not logged"
    assert line["endpoint"] == "/api/v1/exercises/<exercise_id>"
    assert line["status"] == 200
    assert line["remote_addr"] == "127.0.0.1"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["level"] == "INFO" and line["message"] == f"GET {FORWARD} 200"
    assert line["pid"] > 0 and line["time"].endswith("+00:00")


def test_an_unexpected_error_is_logged_with_its_stack_and_request_id(client, json_lines, monkeypatch):
    def explode(*_args, **_kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr("service.api.exercises.load_exercise", explode)
    response = client.get(FORWARD, headers={"X-Request-ID": "req-err-1"})
    assert response.status_code == 500
    text = json_lines.getvalue()
    records = parse_lines(text)
    assert len(records) == len(text.strip().splitlines()), "a stack trace stays on its line"
    (error,) = [record for record in records if record["level"] == "ERROR"]
    assert error["logger"] == "service.errors"
    assert error["request_id"] == "req-err-1"
    assert error["error"] == "RuntimeError: boom\nsecond line"
    assert error["stack"].startswith("Traceback (most recent call last):")
    assert "in explode" in error["stack"]
    (request_line,) = [record for record in records if record["logger"] == "service.request"]
    assert (request_line["status"], request_line["request_id"]) == (500, "req-err-1")


def test_the_formatter_keeps_extras_and_survives_odd_values():
    formatter = logs.JsonFormatter()
    record = logging.LogRecord("some.logger", logging.WARNING, __file__, 1, "odd %s", ("value",), None)
    record.thing = object()
    record.count = 3
    record._private = "hidden"
    line = formatter.format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "odd value"
    assert entry["level"] == "WARNING" and entry["logger"] == "some.logger"
    assert entry["count"] == 3 and entry["thing"].startswith("<object object")
    assert "_private" not in entry and "request_id" not in entry, "no request outside a request"


@contextmanager
def bare_root_logger() -> Iterator[logging.Logger]:
    """The root logger with no handlers, as in a process nothing configured; restored after.

    A context manager, not a fixture: pytest adds its capture handlers when the test body starts.
    """
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    root.handlers.clear()
    try:
        yield root
    finally:
        logging.captureWarnings(False)
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


def test_an_unconfigured_process_gets_json_logs_and_warnings():
    stream = io.StringIO()
    with bare_root_logger() as root:
        logs.configure_root_logger("WARNING", stream=stream)
        logs.configure_root_logger("WARNING", stream=stream)  # a second app adds no second handler
        handlers = root.handlers[:]
        logging.getLogger("anything").info("below the level")
        logging.getLogger("anything").warning("above the level")
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn("a library complains", UserWarning, stacklevel=1)
    assert len(handlers) == 1
    records = parse_lines(stream.getvalue())
    assert records[0]["message"] == "above the level"
    assert records[1]["logger"] == "py.warnings" and "a library complains" in records[1]["message"]
    assert len(records) == 2


def test_a_configured_root_logger_is_left_alone():
    existing = logging.StreamHandler(sys.stderr)
    with bare_root_logger() as root:
        root.addHandler(existing)
        logs.configure_root_logger("DEBUG", stream=io.StringIO())
        handlers = root.handlers[:]
    assert handlers == [existing]


class PrintingHandler(logging.Handler):
    """Keeps each message, and prints while handling it, as a failing handler reports itself."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []
        self.stream: io.TextIOBase | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        print("from a handler", file=self.stream)


def test_text_printed_to_stderr_becomes_one_record_per_message():
    original, handler = io.StringIO(), PrintingHandler()
    capture = logging.getLogger("test.stderr")
    capture.addHandler(handler)
    capture.propagate = False
    stream = handler.stream = logs.StderrToLog(original, capture)
    try:
        print("(OperationalError) connection failed\n\tIs the server running?", file=stream)
        stream.write("partial")
        assert handler.messages == ["(OperationalError) connection failed\n\tIs the server running?"]
        stream.flush()
        stream.write("\n\n")
    finally:
        capture.removeHandler(handler)
    assert handler.messages[1:] == ["partial"], "blank lines are not records"
    assert original.getvalue() == "from a handler\n" * 2, "what a handler prints goes to the real stderr"


@pytest.mark.parametrize(("raw", "expected"), [("", "INFO"), ("debug", "DEBUG"), (" Warning ", "WARNING")])
def test_log_level_comes_from_the_environment(raw, expected):
    settings = Config.from_environment({"LOG_LEVEL": raw})
    assert expected == settings.LOG_LEVEL


def test_a_bad_log_level_says_what_is_allowed():
    with pytest.raises(ValueError, match="LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'LOUD'"):
        Config.from_environment({"LOG_LEVEL": "loud"})
