"""Derivatives, deltas and weight changes against central finite differences of E."""

import numpy
import pytest

from service.engine import ACTIVATIONS, parse_exercise, solve

from .engine_helpers import random_spec


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivative_matches_central_differences(name):
    activation = ACTIVATIONS[name]
    z = numpy.array([-3.1, -0.7, -0.05, 0.3, 1.2, 4.4])
    step = 1e-6
    numeric = (activation.value(z + step, xp=numpy) - activation.value(z - step, xp=numpy)) / (2 * step)
    analytic = activation.derivative(z, xp=numpy)
    from_output = activation.derivative_from_output(activation.value(z, xp=numpy), xp=numpy)
    numpy.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-9)
    numpy.testing.assert_allclose(from_output, analytic, rtol=1e-12, atol=1e-15)


def test_relu_derivative_is_zero_at_zero():
    assert ACTIVATIONS["relu"].derivative(numpy.array([0.0]), xp=numpy)[0] == 0.0


def test_sigmoid_is_finite_and_accurate_far_from_zero():
    sigmoid = ACTIVATIONS["sigmoid"]
    values = sigmoid.value(numpy.array([-800.0, -40.0, 40.0, 800.0]), xp=numpy)
    assert numpy.all(numpy.isfinite(values))
    assert values[1] == pytest.approx(numpy.exp(-40.0), rel=1e-12)
    assert values[2] == 1.0 and values[3] == 1.0


def loss_of(spec: dict) -> float:
    return solve(parse_exercise(spec))["loss"]


def perturbed(spec: dict, layer: int, j: int, column: int, amount: float) -> dict:
    copy = {
        **spec,
        "layers": [dict(entry, weights=[list(row) for row in entry["weights"]]) for entry in spec["layers"]],
    }
    copy["layers"][layer]["weights"][j][column] += amount
    return copy


@pytest.mark.parametrize("seed", range(12))
def test_weight_changes_and_deltas_match_finite_differences(seed):
    rng = numpy.random.default_rng(seed)
    spec = random_spec(rng)
    exercise = parse_exercise(spec)
    values = solve(exercise)
    rate, step = spec["learning_rate"], 1e-6
    for number, shape in enumerate(exercise.network.architecture.layers, start=1):
        for j in range(1, shape.units + 1):
            for column in range(shape.columns):
                i = column + shape.first_input_index
                upper = loss_of(perturbed(spec, number - 1, j - 1, column, step))
                lower = loss_of(perturbed(spec, number - 1, j - 1, column, -step))
                gradient = (upper - lower) / (2 * step)  # dE/dw_ji
                assert values[f"dw.{number}.{j}.{i}"] == pytest.approx(-rate * gradient, rel=1e-5, abs=1e-10)
                inputs = [1.0] if shape.bias else []
                previous = (
                    exercise.network.inputs.tolist()
                    if number == 1
                    else [values[f"a.{number - 1}.{k}"] for k in range(1, shape.fan_in + 1)]
                )
                y_i = (inputs + previous)[column]
                if abs(y_i) > 0.05:  # dE/dw_ji = -delta_j y_i
                    assert values[f"delta.{number}.{j}"] == pytest.approx(-gradient / y_i, rel=1e-5, abs=1e-9)
