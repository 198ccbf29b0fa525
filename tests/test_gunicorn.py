"""The service under gunicorn with 2 workers, on SQLite and PostgreSQL, through a worker kill and a restart.

Every acknowledged (201) submission must still be there after a worker is killed with SIGKILL
and after the whole server is killed and started again on the same database.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .conftest import ENGINE

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "gunicorn-test-token"
INSTRUCTOR = {"Authorization": f"Bearer {TOKEN}"}
START_TIMEOUT_S = 60


@dataclass
class Reply:
    status: int
    headers: Any
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving ``service:create_app()`` in its own process group, which only this test kills.

    ``config_file`` (deploy/gunicorn.conf.py, say) and ``environ`` are for tests of the deployed
    set-up; the command line's workers and bind still win over the file's.
    """

    def __init__(
        self,
        database_url: str,
        log_path: Path,
        *,
        config_file: Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.log_path = log_path
        self.config_file = config_file
        self.extra_environ = dict(environ or {})
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        environ = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "INSTRUCTOR_TOKENS": TOKEN,
            "GRADER_ENGINE": ENGINE.name,
            **self.extra_environ,
        }
        command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{self.port}"]
        command += ["--config", str(self.config_file)] if self.config_file else []
        command += ["--graceful-timeout", "5", "service:create_app()"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=environ, stdout=log, stderr=log, start_new_session=True
            )
        self.wait_until_ready()

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.log_path.read_text()
            try:
                if self.call("GET", "/readyz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn was not ready in {START_TIMEOUT_S} s:\n{self.log_path.read_text()}")

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children

    def crash(self) -> None:
        """SIGKILL the master and its workers at once, as a power cut would stop them."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)

    def call(self, method: str, path: str, *, json_body: Any = None, form: dict | None = None, headers=None) -> Reply:
        data, sent = None, dict(headers or {})
        if json_body is not None:
            data, sent["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        if form is not None:
            data, sent["Content-Type"] = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=data, headers=sent, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Reply(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.headers, error.read())


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    running = Server(database_url, tmp_path / "gunicorn.log")
    running.start()
    yield running
    running.stop()


def exercise_every_endpoint(server: Server) -> list[str]:
    """Call each endpoint once with its success status and some with their error statuses; return the ids stored."""
    spec = {"id": "gunicorn", "title": "Under gunicorn", "inputs": [1, 2], "layers": [{"weights": [[0.5, 0.1, 0.3]]}]}
    forward = "/api/v1/exercises/perceptron-forward"
    assert server.call("GET", "/healthz").json == {"status": "ok"}
    assert [item["id"] for item in server.call("GET", "/api/v1/exercises").json][:2] == [
        "perceptron-backprop",
        "perceptron-forward",
    ]
    assert server.call("GET", forward).json["steps"] == ["z.1.1", "a.1.1"]
    assert server.call("POST", "/api/v1/exercises", json_body=spec).status == 401
    assert server.call("POST", "/api/v1/exercises", json_body=spec, headers={"Authorization": "Bearer x"}).status == 403
    assert server.call("POST", "/api/v1/exercises", json_body=spec, headers=INSTRUCTOR).status == 201
    assert server.call("PUT", "/api/v1/exercises/gunicorn", json_body=spec, headers=INSTRUCTOR).json["version"] == 2
    assert server.call("GET", "/api/v1/exercises/gunicorn/solution", headers=INSTRUCTOR).json["steps"][
        "z.1.1"
    ] == pytest.approx(1.2)
    as_json = server.call(
        "POST", "/api/v1/exercises/gunicorn/submissions", json_body={"student_id": "ada", "answers": {"z.1.1": "1.2"}}
    )
    as_form = server.call(
        "POST", f"{forward}/submissions", form={"student_id": "bob", "z.1.1": "-0.6", "a.1.1": "0.35"}
    )
    key = {"Idempotency-Key": "gunicorn-retry"}
    first = server.call("POST", f"{forward}/submissions", json_body={"student_id": "cy", "answers": {}}, headers=key)
    retry = server.call("POST", f"{forward}/submissions", json_body={"student_id": "cy", "answers": {}}, headers=key)
    assert [reply.status for reply in (as_json, as_form, first, retry)] == [201, 201, 201, 201]
    assert as_json.json["result"]["counts"]["correct"] == 1
    assert as_form.json["result"]["counts"]["correct"] == 2
    assert retry.json["id"] == first.json["id"]
    assert server.call("POST", f"{forward}/submissions", json_body={"answers": {"z.9.9": 1}}).status == 422
    assert server.call("POST", "/api/v1/check", json_body={"spec": spec, "answers": {"z.1.1": 1.2}}).status == 200
    listed = server.call("GET", f"{forward}/submissions?student_id=bob", headers=INSTRUCTOR)
    assert [item["student_id"] for item in listed.json] == ["bob"]
    assert server.call("GET", f"{forward}/submissions?format=csv", headers=INSTRUCTOR).body.count(b"\n") == 3
    assert server.call("DELETE", "/api/v1/exercises/gunicorn", headers=INSTRUCTOR).status == 204
    assert server.call("GET", "/openapi.json").status == 200
    assert server.call("GET", "/docs").status == 200
    return [as_json.json["id"], as_form.json["id"], first.json["id"]]


def all_stored(server: Server, ids: list[str]) -> bool:
    return all(server.call("GET", f"/api/v1/submissions/{sid}", headers=INSTRUCTOR).status == 200 for sid in ids)


def submit_many(server: Server, count: int) -> list[str]:
    ids = []
    for number in range(count):
        body = {"student_id": f"s{number}", "answers": {"z.1.1": "-0.6"}}
        reply = server.call("POST", "/api/v1/exercises/perceptron-forward/submissions", json_body=body)
        assert reply.status == 201
        ids.append(reply.json["id"])
    return ids


def test_gunicorn_serves_and_keeps_acknowledged_submissions(server: Server):
    ids = exercise_every_endpoint(server)
    workers = server.worker_pids()
    assert len(workers) == 2
    ids += submit_many(server, 5)
    os.kill(workers[0], signal.SIGKILL)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and (workers[0] in server.worker_pids() or len(server.worker_pids()) < 2):
        time.sleep(0.2)
    assert workers[0] not in server.worker_pids()
    ids += submit_many(server, 5)
    assert all_stored(server, ids)

    server.crash()
    server.start()
    assert all_stored(server, ids)
    assert server.call("GET", "/api/v1/exercises/gunicorn").status == 404
    listed = server.call("GET", "/api/v1/exercises/perceptron-forward/submissions?page_size=100", headers=INSTRUCTOR)
    assert len(listed.json) == 12


def test_parallel_puts_across_workers_get_consecutive_versions(server: Server):
    """30 PUTs at once across 2 worker processes: each 200, versions 2..31 with no gap or repeat."""
    puts = 30
    spec = {"id": "race", "title": "Race", "inputs": [1, 2], "layers": [{"weights": [[0.5, 0.1, 0.3]]}]}
    assert server.call("POST", "/api/v1/exercises", json_body=spec, headers=INSTRUCTOR).status == 201
    start = threading.Barrier(puts)

    def put(number: int) -> Reply:
        start.wait(timeout=30)
        changed = {**spec, "title": f"Race {number}"}
        return server.call("PUT", "/api/v1/exercises/race", json_body=changed, headers=INSTRUCTOR)

    with ThreadPoolExecutor(puts) as pool:
        replies = list(pool.map(put, range(puts)))
    assert [reply.status for reply in replies] == [200] * puts, [reply.body[:200] for reply in replies]
    assert sorted(reply.json["version"] for reply in replies) == list(range(2, puts + 2))
    assert server.call("GET", "/api/v1/exercises/race").json["version"] == puts + 1
