"""The notebook's own numbers and the perceptron, graded as the issue says they must be."""

import pytest

from service.engine import builtin_spec, parse_exercise
from service.grading import grade


def notebook_answers() -> dict[str, str]:
    answers = {}
    for unit in range(1, 5):
        answers |= {f"z.1.{unit}": "1.15", f"a.1.{unit}": ".735", f"z.2.{unit}": "1.47", f"a.2.{unit}": ".813"}
    return answers | {
        "z.3.1": "1.626",
        "a.3.1": ".836",
        "delta.3.1": ".016",
        "dw.3.1.1": ".000013008",
        "delta.2.1": ".004864",
    }


@pytest.fixture(scope="module")
def notebook_result():
    return grade(parse_exercise(builtin_spec("worked-example")), notebook_answers())


@pytest.mark.parametrize(
    ("step", "status"),
    [
        ("z.1.1", "correct"),
        ("a.1.1", "incorrect"),
        ("z.2.1", "carried_forward"),
        ("a.2.1", "correct"),
        ("z.3.1", "correct"),
        ("a.3.1", "correct"),
        ("delta.3.1", "carried_forward"),
        ("dw.3.1.1", "carried_forward"),
        ("delta.2.1", "incorrect"),
        ("e.1", "missing"),
        ("w_new.1.1.0", "missing"),
    ],
)
def test_notebook_worked_example_verdicts(notebook_result, step, status):
    assert notebook_result.statuses[step] == status


def test_notebook_slip_in_the_hidden_delta_is_named(notebook_result):
    assert notebook_result.misconceptions == {"delta.2.1": "summed_all_weights"}
    entry = next(step for step in notebook_result.to_dict()["steps"] if step["step"] == "delta.2.1")
    assert "w_kj" in entry["feedback"] and entry["credit"] == 0.0 and entry["submitted"] == ".004864"


def test_notebook_result_counts_and_score(notebook_result):
    counts = notebook_result.counts
    assert counts == {"correct": 10, "carried_forward": 6, "incorrect": 5, "missing": 72, "invalid": 0}
    assert notebook_result.score == pytest.approx(16 / 93)


def test_carried_forward_feedback_names_the_students_own_earlier_answers(notebook_result):
    entry = next(step for step in notebook_result.to_dict()["steps"] if step["step"] == "z.2.1")
    assert "a.1.1, a.1.2, a.1.3, a.1.4" in entry["feedback"]
    assert "expected" not in entry  # reveal defaults to never


PERCEPTRON_FOUR_DECIMALS = {
    "z.1.1": "-0.6000",
    "a.1.1": "0.3543",
    "e.1": "0.3457",
    "delta.1.1": "0.0791",
    "dw.1.1.0": "0.0079",
    "dw.1.1.1": "0.0158",
    "dw.1.1.2": "0.0079",
    "dw.1.1.3": "0.0237",
    "w_new.1.1.0": "0.4079",
    "w_new.1.1.1": "0.1158",
    "w_new.1.1.2": "-0.5921",
    "w_new.1.1.3": "-0.1763",
}


def test_perceptron_to_four_decimals_is_all_correct():
    result = grade(parse_exercise(builtin_spec("perceptron-backprop")), PERCEPTRON_FOUR_DECIMALS)
    assert set(result.statuses.values()) == {"correct"}
    assert result.score == 1.0


def test_perceptron_without_the_bias():
    result = grade(parse_exercise(builtin_spec("perceptron-backprop")), {"z.1.1": "-1.0", "a.1.1": "0.2689"})
    assert result.statuses["z.1.1"] == "incorrect"
    assert result.misconceptions["z.1.1"] == "forgot_bias"
    assert result.statuses["a.1.1"] == "carried_forward"


@pytest.mark.parametrize(
    ("reveal", "shown"),
    [("never", set()), ("after_submit", {"z.1.1", "a.1.1"}), ("always", {"z.1.1", "a.1.1", "e.1", "delta.1.1"})],
)
def test_reveal_shows_expected_values_as_the_exercise_says(reveal, shown):
    spec = builtin_spec("perceptron-backprop") | {"reveal": reveal, "steps": ["z.1.1", "a.1.1", "e.1", "delta.1.1"]}
    steps = grade(parse_exercise(spec), {"z.1.1": "-1.0", "a.1.1": "abc"}).to_dict()["steps"]
    assert {step["step"] for step in steps if "expected" in step} == shown
    expected = {step["step"]: step["expected"] for step in steps if "expected" in step}
    if "z.1.1" in expected:
        assert expected["z.1.1"] == pytest.approx(-0.6)
