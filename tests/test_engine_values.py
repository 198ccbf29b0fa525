"""The reference values the issue names, from the built-in exercises."""

import pytest

from service.engine import builtin_exercise_ids, builtin_spec, parse_exercise, solve


def solved(exercise_id: str) -> dict[str, float]:
    return solve(parse_exercise(builtin_spec(exercise_id)))


def test_builtin_exercises_are_the_notebooks_three():
    assert builtin_exercise_ids() == ("perceptron-backprop", "perceptron-forward", "worked-example")


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("z.1.1", 1.15),
        ("a.1.1", 0.7595109169),
        ("z.2.1", 1.5190218339),
        ("a.3.1", 0.8376422398),
        ("e.1", 0.95 - 0.8376422398),
        ("delta.3.1", 0.0152803990),
        ("dw.3.1.1", 1.2535953687e-05),
        ("delta.2.1", 0.00112576377),
        ("w_new.3.1.1", 0.5 + 1.2535953686548652e-05),
    ],
)
def test_worked_example_true_values(key, expected):
    assert solved("worked-example")[key] == pytest.approx(expected, rel=1e-8)


def test_worked_example_has_every_step_in_computation_order():
    keys = list(solved("worked-example"))
    assert len(keys) == 9 + 9 + 1 + 1 + 9 + 32 + 32
    assert keys[:3] == ["z.1.1", "z.1.2", "z.1.3"]
    assert keys.index("e.1") < keys.index("loss") < keys.index("delta.3.1") < keys.index("delta.1.1")
    assert "dw.1.1.0" in keys and "dw.2.1.0" not in keys  # only layer 1 has a bias
    assert keys[-1] == "w_new.1.4.2"


@pytest.mark.parametrize(
    ("key", "expected"),
    [("z.1.1", -0.6), ("a.1.1", 0.3543437), ("w_new.1.1.0", 0.4079081), ("w_new.1.1.3", -0.1762758)],
)
def test_perceptron_backprop(key, expected):
    assert solved("perceptron-backprop")[key] == pytest.approx(expected, abs=5e-8)


def test_perceptron_forward_has_only_forward_steps():
    values = solved("perceptron-forward")
    assert set(values) == {"z.1.1", "a.1.1"}
    assert values["a.1.1"] == pytest.approx(0.3543437, abs=5e-8)


def test_loss_is_half_the_squared_error():
    values = solved("worked-example")
    assert values["loss"] == pytest.approx(0.5 * (0.95 - values["a.3.1"]) ** 2, rel=1e-12)
