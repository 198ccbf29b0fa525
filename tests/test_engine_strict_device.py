"""The CuPy path without a GPU: the engine and the grader on a strict stand-in for CuPy.

tests/strict_device.py holds NumPy data behind CuPy's rules on host and device arrays, so a
host array slipping into a device computation fails here, in CI, rather than on a GPU node.
The values are NumPy's underneath, so they must equal the NumPy path's bit for bit.
"""

import numpy
import pytest

from service.engine import builtin_exercise_ids, builtin_spec, parse_exercise, select_backend, solve_networks
from service.grading import grade_batch

from .engine_helpers import build_step_matrix_as_computed_from, random_spec
from .strict_device import STRICT_CUPY, DeviceRuleBroken, strict_backend

ON_CPU = select_backend("numpy")


def test_the_stand_in_refuses_what_cupy_refuses():
    device = STRICT_CUPY.asarray([1.0, 2.0])
    host = numpy.array([1.0, 2.0])
    with pytest.raises(DeviceRuleBroken, match=r"host numpy\.ndarray"):
        device + host
    with pytest.raises(DeviceRuleBroken, match=r"numpy\.exp called on a device array"):
        numpy.exp(device)
    with pytest.raises(DeviceRuleBroken, match="implicit conversion"):
        numpy.asarray(device)
    with pytest.raises(DeviceRuleBroken, match=r"host numpy\.ndarray"):
        STRICT_CUPY.where(host > 1, device, 0.0)
    with pytest.raises(DeviceRuleBroken, match="condition must be a device array"):
        STRICT_CUPY.where(True, device, 0.0)  # cupy.where calls condition.astype
    with pytest.raises(AttributeError):
        STRICT_CUPY.linalg  # noqa: B018 - a function CuPy lacks here fails as it would there
    assert float((device * 2.0).sum()) == 6.0
    numpy.testing.assert_array_equal(device[numpy.array([1])].get(), [2.0])  # host indices are converted


@pytest.mark.parametrize("write_as_computed_from", [1, 10**12], ids=["written as computed", "joined"])
@pytest.mark.parametrize("seed", range(8))
def test_solving_on_the_stand_in_gives_the_numpy_values(seed, write_as_computed_from, monkeypatch):
    build_step_matrix_as_computed_from(monkeypatch, write_as_computed_from)
    rng = numpy.random.default_rng(900 + seed)
    spec = random_spec(rng)
    if seed % 2:  # untrained: forward steps only
        spec = {key: value for key, value in spec.items() if key not in {"target", "learning_rate"}}
    exercise = parse_exercise(spec)
    for size in (1, 5):
        networks = [exercise.network] * size
        on_device = solve_networks(networks, backend=strict_backend())
        assert isinstance(on_device, numpy.ndarray)
        numpy.testing.assert_array_equal(on_device, solve_networks(networks, backend=ON_CPU))


@pytest.mark.parametrize("exercise_id", builtin_exercise_ids())
def test_grading_on_the_stand_in_gives_the_numpy_verdicts(exercise_id):
    exercise = parse_exercise(builtin_spec(exercise_id))
    reference = dict(zip(exercise.network.architecture.step_keys, exercise.reference.tolist()))
    rng = numpy.random.default_rng(41)
    submissions = [
        {key: repr(reference[key] * float(rng.choice([1.0, 1.0, 1.02, 1.5, -1.0, 0.0]))) for key in exercise.steps}
        for _ in range(60)
    ]
    submissions += [{exercise.steps[0]: "abc"}, {}]
    on_device = grade_batch(exercise, submissions, backend=strict_backend())
    on_cpu = grade_batch(exercise, submissions, backend=ON_CPU)
    assert on_device.backend == "cupy"
    for name in ("status", "misconception", "reference"):
        numpy.testing.assert_array_equal(getattr(on_device, name), getattr(on_cpu, name))
    together = [result.to_dict() for result in on_device.results()]
    assert together == [result.to_dict() for result in on_cpu.results()]


@pytest.mark.parametrize("write_as_computed_from", [1, 10**12], ids=["written as computed", "joined"])
@pytest.mark.parametrize("seed", range(6))
def test_grading_random_networks_on_the_stand_in_gives_the_numpy_verdicts(seed, write_as_computed_from, monkeypatch):
    build_step_matrix_as_computed_from(monkeypatch, write_as_computed_from)
    rng = numpy.random.default_rng(950 + seed)
    exercise = parse_exercise(random_spec(rng))
    reference = dict(zip(exercise.network.architecture.step_keys, exercise.reference.tolist()))
    submissions = [
        {key: f"{value * float(rng.choice([1.0, 0.9, -1.0])):.4g}" for key, value in reference.items()}
        for _ in range(20)
    ]
    on_device = grade_batch(exercise, submissions, backend=strict_backend())
    on_cpu = grade_batch(exercise, submissions, backend=ON_CPU)
    numpy.testing.assert_array_equal(on_device.status, on_cpu.status)
    numpy.testing.assert_array_equal(on_device.misconception, on_cpu.misconception)
