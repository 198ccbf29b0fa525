"""A batch gives the values of its members one by one; architectures never mix."""

import numpy
import pytest

from service.engine import parse_exercise, solve, solve_networks

from .engine_helpers import random_spec


def vary(spec: dict, rng: numpy.random.Generator) -> dict:
    """The same architecture with other numbers."""
    layers = [
        dict(
            layer, weights=(numpy.array(layer["weights"]) + rng.normal(0, 0.3, numpy.shape(layer["weights"]))).tolist()
        )
        for layer in spec["layers"]
    ]
    inputs = (numpy.array(spec["inputs"]) + rng.normal(0, 0.5, len(spec["inputs"]))).tolist()
    return {**spec, "layers": layers, "inputs": inputs, "learning_rate": float(rng.uniform(0.01, 1))}


@pytest.mark.parametrize("seed", range(5))
def test_batch_equals_members_one_by_one(seed):
    rng = numpy.random.default_rng(100 + seed)
    base = random_spec(rng)
    exercises = [parse_exercise(vary(base, rng)) for _ in range(7)]
    matrix = solve_networks([exercise.network for exercise in exercises])
    assert matrix.shape == (len(exercises[0].network.architecture.step_keys), 7)
    for column, exercise in enumerate(exercises):
        one = solve(exercise)
        # einsum may pair the additions differently for other strides: equal to the last bits
        numpy.testing.assert_allclose(matrix[:, column], numpy.array(list(one.values())), rtol=1e-13, atol=1e-15)


def test_batch_rejects_mixed_architectures():
    rng = numpy.random.default_rng(7)
    first = parse_exercise(
        {"inputs": [1.0], "layers": [{"units": 1, "weights": 0.2}], "target": [0.5], "learning_rate": 0.1}
    )
    second = parse_exercise(
        random_spec(rng) | {"inputs": [1.0, 2.0], "layers": [{"units": 2, "weights": 0.1}], "target": [0, 1]}
    )
    with pytest.raises(ValueError, match="one architecture"):
        solve_networks([first.network, second.network])
