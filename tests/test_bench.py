"""The benchmarks run (briefly) where the tests run: the GPU ones are otherwise run only on the
rare sessions lent a GPU, whose minutes must not go to a script that broke in between."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "performance.md"


def run_module(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *arguments], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.parametrize("script", ["bench/gpu-check.sh", "bench/gpu-wheels.sh"])
def test_the_gpu_scripts_parse_and_are_executable(script):
    path = ROOT / script
    assert os.access(path, os.X_OK)
    subprocess.run(["bash", "-n", str(path)], check=True)


def test_the_engine_benchmark_times_batches_against_the_loop():
    run = run_module("bench.engine", "--rows-only", "--sizes", "1,8", "--loop-limit", "8")
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    assert [(row[0], row[1], row[4]) for row in rows] == [("numpy", 1, False), ("numpy", 8, False)]
    assert all(row[2] > 0 and row[3] > 0 for row in rows)  # batched and looped seconds


def test_the_crossover_benchmark_runs_with_numpy_standing_in_and_writes_nothing():
    before = DOC.read_bytes()
    run = run_module("bench.crossover", "--stand-in", "--max-exercises", "8", "--max-submissions", "10")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert [line.split()[:2] for line in lines[:5]] == [["solve", str(size)] for size in (1, 2, 4, 8)] + [
        ["grading", "10"]
    ]
    assert lines[-1].startswith(("CuPy is faster from", "CuPy was slower at every size"))
    assert DOC.read_bytes() == before
