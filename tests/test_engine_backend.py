"""Backend selection: CuPy absent, CuPy installed without a device, forced NumPy, dispatch by size."""

import importlib.util
import logging
import sys

import numpy
import pytest

from service.engine import BackendUnavailable, builtin_spec, parse_exercise, select_backend, solve
from service.engine.backend import Backend

CUPY_INSTALLED = importlib.util.find_spec("cupy") is not None


def gpu_usable() -> bool:
    try:
        return select_backend("auto").name == "cupy"
    except BackendUnavailable:
        return False


def test_forced_numpy_is_numpy_and_says_why(caplog):
    with caplog.at_level(logging.INFO, logger="service.engine.backend"):
        backend = select_backend("numpy")
    assert backend.name == "numpy" and backend.xp is numpy and backend.device == "cpu"
    assert "forces NumPy" in backend.describe()["reason"]
    assert "engine backend numpy" in caplog.text


def test_unknown_choice_is_refused():
    with pytest.raises(BackendUnavailable, match="GRADER_ENGINE must be one of auto, numpy, cupy"):
        select_backend("tpu")


def test_environment_variable_chooses(monkeypatch):
    monkeypatch.setenv("GRADER_ENGINE", "numpy")
    assert select_backend().reason == "GRADER_ENGINE=numpy forces NumPy"


def test_cupy_absent_auto_falls_back_and_forced_cupy_fails(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # makes `import cupy` raise ImportError
    backend = select_backend("auto")
    assert backend.name == "numpy"
    assert "CuPy is not importable" in backend.reason
    with pytest.raises(BackendUnavailable, match="GRADER_ENGINE=cupy but CuPy cannot be used: CuPy is not importable"):
        select_backend("cupy")


@pytest.mark.skipif(not CUPY_INSTALLED, reason="CuPy is not installed in this environment")
@pytest.mark.skipif(CUPY_INSTALLED and gpu_usable(), reason="a CUDA device is present: this checks the no-device case")
def test_cupy_installed_without_a_device():
    backend = select_backend("auto")
    assert backend.name == "numpy"
    assert "CuPy imports but" in backend.reason
    with pytest.raises(BackendUnavailable, match="CuPy cannot be used"):
        select_backend("cupy")


def test_small_work_stays_on_numpy_even_with_cupy_active():
    fake_gpu = Backend("cupy", object(), "cuda:0 (test)", "test", gpu_crossover=1000)
    assert fake_gpu.module_for(999) is numpy
    assert fake_gpu.module_for(1000) is fake_gpu.xp
    assert select_backend("numpy").module_for(10**12) is numpy


@pytest.mark.gpu
@pytest.mark.skipif(not CUPY_INSTALLED or not gpu_usable(), reason="needs CuPy and a CUDA device")
def test_cupy_gives_the_numpy_values():
    exercise = parse_exercise(builtin_spec("worked-example"))
    on_gpu = solve(exercise, backend=select_backend("cupy", gpu_crossover=0))
    on_cpu = solve(exercise, backend=select_backend("numpy"))
    assert on_gpu.keys() == on_cpu.keys()
    numpy.testing.assert_allclose(list(on_gpu.values()), list(on_cpu.values()), rtol=1e-12, atol=1e-15)


@pytest.mark.gpu
@pytest.mark.skipif(not CUPY_INSTALLED or not gpu_usable(), reason="needs CuPy and a CUDA device")
def test_grading_on_cupy_gives_the_numpy_verdicts():
    from service.grading import grade_batch

    exercise = parse_exercise(builtin_spec("worked-example"))
    notebook = {"z.1.1": "1.15", "a.1.1": ".735", "z.2.1": "1.47", "delta.3.1": ".016", "delta.2.1": ".004864"}
    submissions = [notebook, {"a.1.1": "0.7595", "e.1": "abc", "w_new.3.1.1": "0.5"}] * 50
    on_gpu = grade_batch(exercise, submissions, backend=select_backend("cupy", gpu_crossover=0))
    on_cpu = grade_batch(exercise, submissions, backend=select_backend("numpy"))
    assert on_gpu.backend == "cupy"
    numpy.testing.assert_array_equal(on_gpu.status, on_cpu.status)
    numpy.testing.assert_array_equal(on_gpu.misconception, on_cpu.misconception)
