"""Spec validation: every problem named with its field, limits enforced before computing."""

import numpy
import pytest

from service.engine import Limits, SpecError, builtin_spec, parse_exercise, solve, stack_networks

BASE = builtin_spec("worked-example")


def errors_of(spec, limits=None) -> list[str]:
    with pytest.raises(SpecError) as caught:
        parse_exercise(spec, limits=limits)
    return caught.value.errors


def with_layer(index: int, **changes) -> dict:
    layers = [dict(layer) for layer in BASE["layers"]]
    layers[index] |= changes
    return BASE | {"layers": layers}


def test_the_issue_example_message():
    rows = [[0.1] * 5, [0.1] * 5, [0.1] * 4, [0.1] * 5]
    spec = BASE | {"layers": [{"units": 4, "weights": 0.5}, {"bias": True, "weights": rows}, BASE["layers"][2]]}
    assert errors_of(spec) == ["layers[1].weights[2]: expected 5 values (bias + 4 inputs), got 4"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (BASE | {"inputs": [0.8, float("nan")]}, "inputs[1]: must be a finite number"),
        (BASE | {"inputs": []}, "inputs: must not be empty"),
        (BASE | {"inputs": [0.8, 10**400]}, "inputs[1]: is too large for a 64-bit float"),
        (BASE | {"target": [0.95, 0.1]}, "target: expected 1 values (one per output unit), got 2"),
        (BASE | {"learning_rate": 0}, "learning_rate: must be greater than 0"),
        (BASE | {"layers": []}, "layers: required"),
        (BASE | {"colour": "red"}, "colour: unknown field"),
        (with_layer(0, activation="softmax"), "layers[0].activation: unknown activation 'softmax'"),
        (with_layer(0, activation=["sigmoid"]), "layers[0].activation: unknown activation a list"),
        (BASE | {"title": "t" * 201}, "title: at most 200 characters, got 201"),
        (BASE | {"id": "x" * 65}, "id: at most 64 characters, got 65"),
        (
            BASE | {"inputs": [1e200, 1.0], "layers": [{"units": 1, "weights": [[1e200, 1e200, 1.0]]}]},
            "layers: the values overflow 64-bit floats (z.1.1); use smaller inputs or weights",
        ),
        (with_layer(0, weights=float("inf")), "layers[0].weights: must be a finite number"),
        (with_layer(0, weights=[]), "layers[0].weights: must not be empty"),
        (with_layer(2, units=2), "layers[2].units: says 2 units but weights has 1 rows"),
        (with_layer(1, units=0), "layers[1].units: expected a whole number of at least 1"),
        (with_layer(1, bias="yes"), "layers[1].bias: expected true or false"),
        (BASE | {"steps": ["a.1.1", "a.9.9"]}, "steps[1]: unknown step key 'a.9.9'"),
        ({"inputs": [1], "layers": [{"units": 1, "weights": 1}], "steps": ["e.1"]}, "backprop steps need a target"),
        (BASE | {"target": None, "learning_rate": 0.1}, "target: required when a learning rate is given"),
    ],
)
def test_invalid_specs_name_the_field(spec, message):
    assert any(message in error for error in errors_of(spec)), errors_of(spec)


def test_ragged_rows_are_reported_each():
    spec = with_layer(2, weights=[[0.5, 0.5, 0.5]])
    assert errors_of(spec) == ["layers[2].weights[0]: expected 4 values (4 inputs, no bias), got 3"]


def test_limits_are_checked_before_building_weights():
    huge = BASE | {"layers": [{"units": 10**9, "weights": 0.5}], "target": [0.1]}
    assert errors_of(huge) == ["layers: at most 10000 weights are allowed in all, got 3000000000"]
    assert "at most 2 layers" in errors_of(BASE, Limits(max_layers=2))[0]


def test_grading_fields_are_kept_for_the_grader():
    exercise = parse_exercise(BASE | {"tolerance": {"mode": "abs", "atol": 0.01}, "reveal": "always"})
    assert exercise.grading == {"tolerance": {"mode": "abs", "atol": 0.01}, "reveal": "always"}
    assert exercise.description.startswith("The notebook's worked example")


def test_steps_are_kept_in_computation_order():
    exercise = parse_exercise(BASE | {"steps": ["dw.3.1.1", "a.1.1", "e.1"]})
    assert exercise.steps == ("a.1.1", "e.1", "dw.3.1.1")


def test_a_parsed_network_cannot_be_changed_in_place():
    """A batch of one exercise is a view of the network's arrays: they are read-only."""
    network = parse_exercise(builtin_spec("worked-example")).network
    for array in (network.inputs, *network.weights, network.target):
        assert array.flags.writeable is False
    with pytest.raises(ValueError, match="read-only"):
        network.weights[0][0, 0] = 1.0
    batch = stack_networks([network], xp=numpy)
    assert numpy.shares_memory(batch.weights[0], network.weights[0])
    assert solve(network)["a.1.1"] == pytest.approx(0.7595109, abs=1e-7)
