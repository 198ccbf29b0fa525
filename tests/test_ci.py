"""The CI entry point: its scripts parse, and under CI=true an unreachable PostgreSQL fails the run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOWHERE = "postgresql://postgres@127.0.0.1:9/test"


@pytest.mark.parametrize("script", [".ci/run", ".ci/postgres"])
def test_the_ci_scripts_parse_and_are_executable(script):
    path = ROOT / script
    assert os.access(path, os.X_OK)
    subprocess.run(["bash", "-n", str(path)], check=True)


@pytest.mark.parametrize(("ci", "exit_code", "outcome"), [("true", 1, "1 error"), ("", 0, "1 skipped")])
def test_an_unreachable_postgres_fails_under_ci_and_skips_elsewhere(ci, exit_code, outcome):
    test = "tests/test_store.py::test_seeding_adds_the_builtins_once[postgresql]"
    environ = {**os.environ, "CI": ci, "TEST_POSTGRES_URL": NOWHERE}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        check=False,
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == exit_code, run.stdout
    assert outcome in run.stdout
    assert ("CI=true: the PostgreSQL tests must run" in run.stdout) == (ci == "true")
