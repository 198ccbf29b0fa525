"""Each misconception code, from values a student applying the wrong rule would write.

The wrong values are computed here by hand with numpy, independently of the engine.
"""

import numpy
import pytest

from service.engine import builtin_spec, parse_exercise, solve
from service.grading import grade

SPEC = {
    "title": "2-2-1 with biases",
    "inputs": [0.6, -0.4],
    "layers": [
        {"activation": "sigmoid", "bias": True, "weights": [[0.1, 0.4, -0.3], [-0.2, 0.7, 0.5]]},
        {"activation": "sigmoid", "bias": True, "weights": [[0.3, -0.6, 0.8]]},
    ],
    "target": [0.9],
    "learning_rate": 0.5,
}
EXERCISE = parse_exercise(SPEC)
REFERENCE = solve(EXERCISE)
W1 = numpy.array(SPEC["layers"][0]["weights"])
W2 = numpy.array(SPEC["layers"][1]["weights"])
X = numpy.array(SPEC["inputs"])


def graded(answers: dict) -> tuple[str, str | None]:
    result = grade(EXERCISE, {key: repr(float(value)) for key, value in answers.items()})
    key = list(answers)[-1]
    return result.statuses[key], result.misconceptions.get(key)


def test_forgot_bias():
    assert graded({"z.1.1": float(W1[0, 1:] @ X)}) == ("incorrect", "forgot_bias")


def test_no_activation():
    assert graded({"a.1.2": REFERENCE["z.1.2"]}) == ("incorrect", "no_activation")


def test_error_sign():
    assert graded({"e.1": REFERENCE["a.2.1"] - 0.9}) == ("incorrect", "error_sign")


def test_missing_derivative_at_the_output():
    assert graded({"delta.2.1": REFERENCE["e.1"]}) == ("incorrect", "missing_derivative")


def test_missing_derivative_in_a_hidden_layer():
    assert graded({"delta.1.2": REFERENCE["delta.2.1"] * W2[0, 2]}) == ("incorrect", "missing_derivative")


def test_derivative_as_activation():
    a = REFERENCE["a.2.1"]
    assert graded({"delta.2.1": REFERENCE["e.1"] * a}) == ("incorrect", "derivative_as_activation")


def test_summed_all_weights_without_the_bias_weight():
    a = REFERENCE["a.1.1"]
    wrong = a * (1 - a) * REFERENCE["delta.2.1"] * W2[0, 1:].sum()
    assert graded({"delta.1.1": wrong}) == ("incorrect", "summed_all_weights")


def test_summed_all_weights_with_the_bias_weight():
    a = REFERENCE["a.1.1"]
    wrong = a * (1 - a) * REFERENCE["delta.2.1"] * W2[0].sum()
    assert graded({"delta.1.1": wrong}) == ("incorrect", "summed_all_weights")


def test_updated_weights_used():
    a = REFERENCE["a.1.1"]
    # the true update is tiny: the student's own larger upper delta makes the difference visible
    student_delta = 0.9
    wrong = a * (1 - a) * student_delta * (W2[0, 1] + 0.5 * student_delta * a)
    answers = {"delta.2.1": student_delta, "delta.1.1": wrong}
    assert graded(answers) == ("incorrect", "updated_weights_used")


def test_missing_learning_rate():
    assert graded({"dw.2.1.1": REFERENCE["delta.2.1"] * REFERENCE["a.1.1"]}) == ("incorrect", "missing_learning_rate")


def test_wrong_update_input():
    wrong = 0.5 * REFERENCE["delta.1.2"] * REFERENCE["a.1.2"]
    assert graded({"dw.1.2.1": wrong}) == ("incorrect", "wrong_update_input")


def test_new_weight_sign():
    assert graded({"w_new.1.1.2": W1[0, 2] - REFERENCE["dw.1.1.2"]}) == ("incorrect", "new_weight_sign")


def test_no_match_gives_the_formula():
    result = grade(EXERCISE, {"dw.1.1.1": "0.4242"})
    entry = result.to_dict()["steps"][result.batch.exercise.steps.index("dw.1.1.1")]
    assert entry["status"] == "incorrect" and entry["misconception"] is None
    assert "alpha * delta_j * y_i" in entry["feedback"]


def test_a_wrong_rule_from_the_students_own_values_is_recognised():
    """The student's delta.2.1 is off; the hidden delta that forgets f' is built on it."""
    student_delta = 0.25
    answers = {"delta.2.1": student_delta, "delta.1.1": student_delta * W2[0, 1]}
    assert graded(answers) == ("incorrect", "missing_derivative")


def test_gaming_guard_gives_no_carried_credit_from_a_degenerate_answer():
    result = grade(EXERCISE, {"a.1.1": "0", "a.1.2": "1", "z.2.1": repr(0.3 + 0.8)})
    assert result.statuses["z.2.1"] == "incorrect"
    entry = result.to_dict()["steps"][EXERCISE.steps.index("z.2.1")]
    assert entry["credit"] == 0.0 and "exactly 0 or 1" in entry["feedback"]
    honest = grade(EXERCISE, {"a.1.1": "0.3", "a.1.2": "0.6", "z.2.1": repr(0.3 - 0.6 * 0.3 + 0.8 * 0.6)})
    assert honest.statuses["z.2.1"] == "carried_forward"


def test_gaming_guard_follows_the_chain_built_on_a_degenerate_answer():
    """0 for every hidden output, then the rest worked 'consistently' from it: no carried credit."""
    exercise = parse_exercise(builtin_spec("worked-example"))
    answers = {f"a.1.{unit}": "0" for unit in range(1, 5)} | {f"z.2.{unit}": "0" for unit in range(1, 5)}
    answers |= {f"a.2.{unit}": "0.5" for unit in range(1, 5)} | {"z.3.1": "1.0"}
    statuses = grade(exercise, answers).statuses
    assert {statuses[key] for key in answers} == {"incorrect"}


def test_an_explained_zero_does_not_trigger_the_guard():
    """A zero that a named misconception explains is honest work: what follows keeps its credit."""
    spec = {
        "inputs": [1.0],
        "layers": [{"activation": "relu", "bias": True, "weights": [[4.0, -3.0]]}],
        "target": [1.0],
        "learning_rate": 0.1,
    }
    # z = 4 - 3 = 1 and a = 1; without the bias z = -3, so a = relu(-3) = 0 and e = 1 - 0 = 1
    result = grade(parse_exercise(spec), {"z.1.1": "-3", "a.1.1": "0", "e.1": "1"})
    assert result.misconceptions == {"z.1.1": "forgot_bias"}
    assert result.statuses["a.1.1"] == "carried_forward"
    assert result.statuses["e.1"] == "carried_forward"


@pytest.mark.parametrize("credit", [0.0, 0.5])
def test_carried_forward_credit_is_set_per_exercise(credit):
    exercise = parse_exercise(SPEC | {"carried_forward_credit": credit})
    result = grade(exercise, {"a.1.1": "0.3", "a.1.2": "0.6", "z.2.1": repr(0.3 - 0.6 * 0.3 + 0.8 * 0.6)})
    assert result.statuses["z.2.1"] == "carried_forward"
    entry = result.to_dict()["steps"][exercise.steps.index("z.2.1")]
    assert entry["credit"] == credit


def test_gaming_with_next_to_nothing_earns_no_carried_credit():
    """A delta of 1e-12, then changes of 0 and the old weights 'carried' from it: no credit."""
    exercise = parse_exercise(builtin_spec("perceptron-backprop"))
    old = {"w_new.1.1.0": "0.4", "w_new.1.1.1": "0.1", "w_new.1.1.2": "-0.6", "w_new.1.1.3": "-0.2"}
    answers = {"delta.1.1": "1e-12"} | {f"dw.1.1.{i}": "0" for i in range(4)} | old
    result = grade(exercise, answers)
    assert result.score == 0.0
    assert {result.statuses[key] for key in answers} == {"incorrect"}
    entry = result.to_dict()["steps"][exercise.steps.index("dw.1.1.1")]
    assert "delta.1.1" in entry["feedback"] and "next to nothing" in entry["feedback"]


def test_a_new_weight_is_judged_by_the_change_it_implies():
    """0.5 + 1.25e-5: '0.5' and '0.50' repeat the old weight; the change must be typed."""
    exercise = parse_exercise(builtin_spec("worked-example"))
    exact = solve(exercise)["w_new.3.1.1"]
    assert f"{exact:.10f}" == "0.5000125360"
    typed = {"w_new.3.1.1": "0.50", "w_new.3.1.2": "0.5000125", "w_new.3.1.3": "0.50001", "w_new.3.1.4": "0.500013"}
    statuses = grade(exercise, typed).statuses
    assert statuses["w_new.3.1.1"] == "incorrect"  # no figure of the change typed
    assert statuses["w_new.3.1.2"] == "correct"  # the change within 1%
    assert statuses["w_new.3.1.3"] == "incorrect"  # one figure of the change, 20% off
    assert statuses["w_new.3.1.4"] == "correct"  # the change rounded to its two figures typed


def test_a_new_weight_with_the_change_subtracted_is_named():
    exercise = parse_exercise(builtin_spec("worked-example"))
    change = solve(exercise)["dw.3.1.1"]
    result = grade(exercise, {"w_new.3.1.1": repr(0.5 - change)})
    assert result.misconceptions == {"w_new.3.1.1": "new_weight_sign"}
