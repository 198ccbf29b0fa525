"""The deployed set-up for real: gunicorn with deploy/gunicorn.conf.py and 2 workers.

- /metrics adds up the requests served by both workers (prometheus_client multi-process mode);
- every line the server writes, gunicorn's and the app's, on stdout and stderr, is JSON;
- /readyz answers 503 while a PostgreSQL server is stopped and 200 once it is back. That server
  is a private one, made with initdb in a temporary folder: the shared one serves other tests.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from glob import glob
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from .conftest import ENGINE
from .test_gunicorn import ROOT, Reply, Server, free_port

GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
WAIT_S = 30


def deployed_server(database_url: str, tmp_path: Path, **environ: str) -> Server:
    """A Server as the image runs it: the deploy config, JSON logs, multi-process metrics."""
    environ = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"), "LOG_LEVEL": "INFO", **environ}
    return Server(database_url, tmp_path / "gunicorn.log", config_file=GUNICORN_CONF, environ=environ)


def json_lines(path: Path) -> list[dict]:
    """Every non-empty line of the log, each of which must be one JSON object."""
    records = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise AssertionError(f"line {number} of the server's output is not JSON ({error}): {line!r}") from None
        assert isinstance(record, dict), f"line {number} is JSON but not an object: {line!r}"
        records.append(record)
    return records


def request_lines(path: Path, prefix: str = "") -> list[dict]:
    """The app's one line per request, for request ids that start with ``prefix``."""
    return [
        record
        for record in json_lines(path)
        if record.get("logger") == "service.request" and record["request_id"].startswith(prefix)
    ]


def requests_total(server: Server) -> dict[str, float]:
    """grader_http_requests_total of the whole server, summed over statuses and methods, by endpoint."""
    reply = server.call("GET", "/metrics")
    assert reply.status == 200
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(reply.body.decode()):
        for sample in family.samples:
            if sample.name == "grader_http_requests_total":
                endpoint = sample.labels["endpoint"]
                totals[endpoint] = totals.get(endpoint, 0.0) + sample.value
    return totals


def call_until_both_workers_served(server: Server, path: str, prefix: str, rounds: int = 100) -> list[Reply]:
    """GET ``path`` in concurrent rounds of 16 until both workers have answered some, by their logs.

    Concurrent, so that one worker is busy while the other accepts; bounded in rounds and time
    (the kernel may hand a fast endpoint's connections to one worker for many rounds in a row).
    Request ids are ``prefix`` and a number; returns every reply, in the order sent.
    """
    workers, replies = set(server.worker_pids()), []
    deadline = time.monotonic() + WAIT_S
    with ThreadPoolExecutor(max_workers=16) as pool:
        for _round in range(rounds):
            ids = [f"{prefix}{len(replies) + number}" for number in range(16)]
            replies += pool.map(lambda rid: server.call("GET", path, headers={"X-Request-ID": rid}), ids)
            served_by = {line["pid"] for line in request_lines(server.log_path, prefix=prefix)}
            if served_by == workers or time.monotonic() > deadline:
                break
    assert served_by == workers, f"both workers must answer {path}: {served_by} served, workers {workers}"
    return replies


# ---------------------------------------------------------------------------------------------- metrics


def test_metrics_add_up_the_requests_of_both_workers(tmp_path: Path):
    server = deployed_server(f"sqlite:///{tmp_path / 'grader.sqlite3'}", tmp_path)
    server.start()
    try:
        workers = set(server.worker_pids())
        assert len(workers) == 2
        before = requests_total(server)
        replies = call_until_both_workers_served(server, "/healthz", "metrics-")
        after = requests_total(server)
        scrapes = [requests_total(server) for _ in range(4)]
    finally:
        server.stop()

    sent = len(replies)
    assert [reply.status for reply in replies] == [200] * sent
    assert after.get("/healthz", 0) - before.get("/healthz", 0) == sent
    # Every request in between is counted once, whichever worker served it: the /healthz calls and
    # the first scrape (counted once answered; a scrape is not in its own output).
    assert sum(after.values()) - sum(before.values()) == sent + 1
    # Each later scrape, on whichever worker, sees the earlier ones and nothing else new.
    assert [sum(scrape.values()) - sum(after.values()) for scrape in scrapes] == [1, 2, 3, 4]
    assert all(scrape["/healthz"] == after["/healthz"] for scrape in scrapes)
    written = {path.name for path in (tmp_path / "prometheus").glob("counter_*.db")}
    assert {f"counter_{pid}.db" for pid in workers} <= written, "each worker wrote its own values"
    json_lines(server.log_path)  # and every line it wrote is JSON


def test_a_worker_that_cannot_boot_still_logs_json(tmp_path: Path):
    """The database is down at start: the app cannot open it, the worker fails, gunicorn stops.

    Gunicorn logs the error and then prints it to stderr outside logging; that must be JSON too.
    """
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/grader"  # nothing listens there
    server = deployed_server(nowhere, tmp_path)
    environ = {**os.environ, "DATABASE_URL": nowhere, "GRADER_ENGINE": ENGINE.name, **server.extra_environ}
    command = [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONF), "--workers", "1"]
    command += ["--bind", f"127.0.0.1:{server.port}", "service:create_app()"]
    with server.log_path.open("ab") as log:
        done = subprocess.run(command, cwd=ROOT, env=environ, stdout=log, stderr=log, timeout=WAIT_S * 2, check=False)

    assert done.returncode == 3, "gunicorn's exit status for a worker that failed to boot"
    records = json_lines(server.log_path)
    (boot,) = [record for record in records if record["message"] == "Exception in worker process"]
    assert boot["logger"] == "gunicorn.error" and "OperationalError" in boot["stack"]
    (printed,) = [record for record in records if record["logger"] == "stderr"]
    assert printed["message"].startswith("(psycopg.OperationalError) connection failed")
    assert any(record["message"] == "Reason: Worker failed to boot." for record in records)


# ---------------------------------------------------------------------------------------------- a private PostgreSQL


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on a free port; as root it runs as the ``postgres`` user."""

    def __init__(self, bin_dir: Path, base: Path) -> None:
        self.bin_dir, self.base = bin_dir, base
        self.data, self.log = base / "data", base / "postgres.log"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run(prefix + list(command), capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"

    def init(self) -> None:
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.base, account.pw_uid, account.pw_gid)
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base} -c fsync=off"
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


def _postgres_bin_dir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    bin_dir = _postgres_bin_dir()
    if bin_dir is None:
        pytest.skip("initdb is not installed: no private PostgreSQL server to stop and start")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run a private PostgreSQL server")
        if not shutil.which("runuser"):
            pytest.skip("running as root and runuser is missing: PostgreSQL refuses to run as root")
    # Not under pytest's tmp_path: its folders are private to this user, and the server may be another.
    base = Path(tempfile.mkdtemp(prefix="grader-pg-"))
    server = PrivatePostgres(bin_dir, base)
    try:
        server.init()
        server.start()
        yield server
    finally:
        if server.running():
            server.stop()
        shutil.rmtree(base, ignore_errors=True)


def wait_for_status(server: Server, path: str, status: int) -> None:
    deadline = time.monotonic() + WAIT_S
    while server.call("GET", path).status != status:
        assert time.monotonic() < deadline, f"{path} did not answer {status} within {WAIT_S} s"
        time.sleep(0.2)


def test_readiness_follows_the_database_and_errors_are_logged_as_json(private_postgres, tmp_path: Path):
    server = deployed_server(private_postgres.url, tmp_path, PGCONNECT_TIMEOUT="2")
    server.start()
    try:
        # Both workers booted (a worker booting while the database is down fails; see below).
        up = call_until_both_workers_served(server, "/readyz", "db-up-ready-")
        assert {(reply.status, reply.json["database"]) for reply in up} == {(200, "ok")}

        private_postgres.stop()
        down = call_until_both_workers_served(server, "/readyz", "db-down-ready-")  # pooled connections, dead
        failed = server.call("GET", "/api/v1/exercises", headers={"X-Request-ID": "db-down-1"})

        private_postgres.start()
        wait_for_status(server, "/readyz", 200)
        back = call_until_both_workers_served(server, "/readyz", "db-back-ready-")
        listed = server.call("GET", "/api/v1/exercises")
    finally:
        server.stop()

    for reply in down:
        assert reply.status == 503
        assert reply.headers["Content-Type"] == "application/problem+json"
        assert reply.json["database"].startswith("unreachable: OperationalError"), reply.json
        assert reply.json["detail"].startswith("The database is unreachable")
        assert reply.json["engine"]["backend"] == ENGINE.name
    assert (failed.status, failed.json["request_id"]) == (500, "db-down-1")
    assert [reply.status for reply in back] == [200] * len(back)
    assert all(reply.json["database"] == "ok" for reply in back)
    assert listed.status == 200

    records = json_lines(server.log_path)  # gunicorn's lines, the app's, the access lines: all JSON
    assert any(record.get("logger") == "gunicorn.error" and "Booting worker" in record["message"] for record in records)
    (error,) = [
        record for record in records if record.get("level") == "ERROR" and record.get("request_id") == "db-down-1"
    ]
    assert error["logger"] == "service.errors"
    assert error["error"].startswith("OperationalError")
    assert error["stack"].startswith("Traceback (most recent call last):")
    (request_line,) = [line for line in request_lines(server.log_path) if line["request_id"] == "db-down-1"]
    assert (request_line["status"], request_line["path"]) == (500, "/api/v1/exercises")
    access = [record for record in records if record.get("request_id") == "db-down-1" and "user_agent" in record]
    assert [record["status"] for record in access] == [500], "gunicorn's access line carries the id too"
