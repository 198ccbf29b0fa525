"""Configuration from the environment, and the app factory applying it."""

from __future__ import annotations

from pathlib import Path

import pytest

from service import create_app
from service.config import DEFAULT_INSTANCE_PATH, Config, parse_tokens
from service.engine import Backend, BackendUnavailable, select_backend


def test_defaults_run_on_a_fresh_machine(tmp_path):
    config = Config.from_environment({}, instance_path=tmp_path).as_flask_config()
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'grader.sqlite3'}"
    assert config["INSTRUCTOR_TOKENS"] == ()
    assert config["GRADER_ENGINE"] == "auto"
    assert config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    assert (config["MAX_LAYERS"], config["MAX_WEIGHTS"]) == (10, 10_000)
    assert config["AUTO_MIGRATE"] is True


def test_the_environment_overrides_the_defaults(tmp_path):
    environ = {
        "DATABASE_URL": "postgresql://db/grader",
        "INSTRUCTOR_TOKENS": " a, b ,,c ",
        "GRADER_ENGINE": "NumPy",
        "GRADER_MAX_REQUEST_BYTES": "2048",
        "GRADER_MAX_LAYERS": "3",
        "GRADER_MAX_WEIGHTS": "50",
        "GRADER_AUTO_MIGRATE": "false",
    }
    config = Config.from_environment(environ, instance_path=tmp_path).as_flask_config()
    assert config["DATABASE_URL"] == "postgresql://db/grader"
    assert config["INSTRUCTOR_TOKENS"] == ("a", "b", "c")
    assert config["GRADER_ENGINE"] == "numpy"
    assert (config["MAX_CONTENT_LENGTH"], config["MAX_LAYERS"], config["MAX_WEIGHTS"]) == (2048, 3, 50)
    assert config["AUTO_MIGRATE"] is False


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("GRADER_MAX_LAYERS", "many", "GRADER_MAX_LAYERS must be a whole number, got 'many'"),
        ("GRADER_MAX_WEIGHTS", "0", "GRADER_MAX_WEIGHTS must be at least 1, got 0"),
        ("GRADER_GPU_CROSSOVER", "-1", "GRADER_GPU_CROSSOVER must be at least 0, got -1"),
        ("GRADER_AUTO_MIGRATE", "maybe", "GRADER_AUTO_MIGRATE must be true or false, got 'maybe'"),
    ],
)
def test_bad_values_say_what_is_wrong(tmp_path, name, value, message):
    with pytest.raises(ValueError, match=message):
        Config.from_environment({name: value})


def test_a_gpu_crossover_of_zero_sends_all_work_to_the_gpu():
    assert Config.from_environment({"GRADER_GPU_CROSSOVER": "0"}).GPU_CROSSOVER == 0
    fake_gpu = Backend("cupy", object(), "cuda:0 (test)", "test", gpu_crossover=0)
    assert fake_gpu.module_for(1) is fake_gpu.xp


def test_the_default_instance_folder_is_flasks(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "GRADER_ENGINE": "numpy"})
    assert Path(app.instance_path) == DEFAULT_INSTANCE_PATH
    default_file = DEFAULT_INSTANCE_PATH / "grader.sqlite3"
    settings = Config.from_environment({})
    assert f"sqlite:///{default_file}" == settings.DATABASE_URL
    app.extensions["grader.database"].dispose()


def test_tokens_split_on_commas():
    assert parse_tokens(None) == ()
    assert parse_tokens("one") == ("one",)
    assert parse_tokens("one, two") == ("one", "two")


def test_the_factory_reads_the_environment_under_the_test_config(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTRUCTOR_TOKENS", "from-env")
    monkeypatch.setenv("GRADER_MAX_LAYERS", "2")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "GRADER_ENGINE": "numpy"})
    assert app.config["INSTRUCTOR_TOKENS"] == ("from-env",)
    assert app.config["MAX_LAYERS"] == 2
    spec = {"title": "deep", "inputs": [1], "layers": [{"units": 1, "weights": 0.5}] * 3}
    response = app.test_client().post("/api/v1/exercises", json=spec, headers={"Authorization": "Bearer from-env"})
    assert response.status_code == 422
    assert response.json["errors"] == [{"field": "layers", "message": "at most 2 layers are allowed, got 3"}]
    app.extensions["grader.database"].dispose()


def test_a_forced_gpu_backend_without_a_gpu_fails_at_start(tmp_path):
    if select_backend("auto").name == "cupy":
        pytest.skip("this machine has a usable GPU, so GRADER_ENGINE=cupy starts")
    with pytest.raises(BackendUnavailable, match="GRADER_ENGINE=cupy"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "GRADER_ENGINE": "cupy"})
