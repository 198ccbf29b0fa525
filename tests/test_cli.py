"""The command line, run as a user would: python -m service ..."""

import json
import subprocess
import sys

import pytest


def run(*arguments, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "service", *arguments], capture_output=True, text=True, cwd=cwd, check=False
    )


def test_solve_builtin_prints_every_step():
    completed = run("solve", "worked-example")
    assert completed.returncode == 0, completed.stderr
    values = json.loads(completed.stdout)
    assert values["a.1.1"] == pytest.approx(0.7595109169, rel=1e-9)
    assert values["delta.2.1"] == pytest.approx(0.00112576377, rel=1e-8)
    assert len(values) == 93


def test_solve_a_file(tmp_path):
    spec = tmp_path / "q.json"
    spec.write_text(
        json.dumps({"inputs": [1.0], "layers": [{"units": 1, "activation": "linear", "weights": [[0.5, 2.0]]}]})
    )
    completed = run("solve", str(spec))
    assert json.loads(completed.stdout) == {"z.1.1": 2.5, "a.1.1": 2.5}


def test_invalid_spec_exits_non_zero_with_messages(tmp_path):
    spec = tmp_path / "bad.json"
    spec.write_text(json.dumps({"inputs": [1.0], "layers": [{"weights": [[0.5]], "activation": "swish"}]}))
    completed = run("solve", str(spec))
    assert completed.returncode == 2 and completed.stdout == ""
    assert "layers[0].activation: unknown activation 'swish'" in completed.stderr
    assert "layers[0].weights[0]: expected 2 values (bias + 1 inputs), got 1" in completed.stderr


def test_unknown_exercise_is_a_clear_error():
    completed = run("solve", "no-such-exercise")
    assert completed.returncode == 2
    assert "neither a file nor a built-in exercise" in completed.stderr


def test_grade_answers_json(tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"z.1.1": "-1.0", "a.1.1": "0.2689"}))
    completed = run("grade", "perceptron-backprop", str(answers))
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    steps = {step["step"]: step for step in result["steps"]}
    assert steps["z.1.1"]["misconception"] == "forgot_bias"
    assert steps["a.1.1"]["status"] == "carried_forward"


def test_grade_a_class_from_csv(tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text("student_id,z.1.1,a.1.1\nann,-0.6,0.3543\nbob,-1.0,0.2689\ncy,,abc\n")
    completed = run("grade", "perceptron-forward", str(answers))
    lines = [json.loads(line) for line in completed.stdout.splitlines()]
    assert [line["student_id"] for line in lines] == ["ann", "bob", "cy"]
    assert lines[0]["score"] == 1.0
    assert lines[1]["counts"]["carried_forward"] == 1
    assert [step["status"] for step in lines[2]["steps"]] == ["missing", "invalid"]


def test_grade_with_an_unknown_step_fails(tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"z.7.1": "1"}))
    completed = run("grade", "perceptron-forward", str(answers))
    assert completed.returncode == 2
    assert completed.stderr.startswith("invalid answers:")
    assert "answers.z.7.1: unknown step key" in completed.stderr
