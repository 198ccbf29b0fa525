"""Mistakes injected into random networks: named with the right code, later work carried forward.

The student's work is built with the engine's own pass, with the one mistaken block given in
place of the computed one: everything after it is computed right from the student's values.
"""

import os

import numpy
import pytest

from service.engine import Given, parse_exercise, propagate, solve, stack_networks
from service.grading import UnknownStepError, grade, grade_batch, grade_many

from .engine_helpers import build_step_matrix_as_computed_from, random_spec


def student_chain(exercise, mistakes: dict) -> dict[str, float]:
    """All values of a student who wrote ``mistakes`` (block -> values) and worked on from them."""
    architecture = exercise.network.architecture
    batch = stack_networks([exercise.network], xp=numpy)
    values = {block: numpy.asarray(value, dtype=float).reshape(value.shape) for block, value in mistakes.items()}
    masks = {block: numpy.ones(value.shape, dtype=bool) for block, value in values.items()}
    trace = propagate(batch, xp=numpy, given=Given(values, masks))
    matrix = trace.settled_matrix[:, 0]
    return dict(zip(architecture.step_keys, matrix.tolist()))


def reference_blocks(exercise):
    batch = stack_networks([exercise.network], xp=numpy)
    return propagate(batch, xp=numpy).settled


def inject(kind: str, exercise, rng):
    """(the mistaken block, its values, the code expected) for one kind of mistake, or None."""
    architecture, blocks = exercise.network.architecture, reference_blocks(exercise)
    top = architecture.depth
    if kind == "slip":
        number = int(rng.integers(1, top + 1))
        slipped = blocks[("z", number)].copy()
        slipped[int(rng.integers(0, slipped.shape[0]))] += 0.37
        return ("z", number), slipped, None
    if kind == "error_sign":
        return ("e", None), -blocks[("e", None)], "error_sign"
    if kind == "missing_derivative":
        return ("delta", top), blocks[("e", None)].copy(), "missing_derivative"
    if kind == "missing_learning_rate":
        number = int(rng.integers(1, top + 1))
        return ("dw", number), blocks[("dw", number)] / exercise.network.learning_rate, "missing_learning_rate"
    if kind == "forgot_bias":
        with_bias = [n for n, layer in enumerate(architecture.layers, start=1) if layer.bias]
        if not with_bias:
            return None
        number = int(rng.choice(with_bias))
        return ("z", number), blocks[("z", number)] - exercise.network.weights[number - 1][:, :1], "forgot_bias"
    raise AssertionError(kind)


# More seeds for a longer hunt: GRADER_RANDOM_SEEDS=300 pytest tests/test_grading_random.py
SEEDS = int(os.environ.get("GRADER_RANDOM_SEEDS", "25"))
KINDS = ("slip", "error_sign", "missing_derivative", "missing_learning_rate", "forgot_bias")


def visible_mistake(kind: str, rng: numpy.random.Generator):
    """A random network and a mistake of ``kind`` that changes at least one value by over 2%.

    Some networks cannot show a mistake (no bias to forget; a linear unit whose derivative is 1),
    so draw until one does: every test case then checks something.
    """
    for _ in range(100):
        exercise = parse_exercise(random_spec(rng))
        injected = inject(kind, exercise, rng)
        if injected is None:
            continue
        block, values, code = injected
        reference, chain = solve(exercise), student_chain(exercise, {block: values})
        mistaken = [
            key
            for key in exercise.network.architecture.step_keys
            if key.startswith(block[0] + ".") and (block[1] is None or key.split(".")[1] == str(block[1]))
        ]
        wrong = [key for key in mistaken if abs(chain[key] - reference[key]) > 0.02 * abs(reference[key]) + 1e-8]
        if wrong:
            return exercise, chain, mistaken, wrong, code
    raise AssertionError(f"no network in 100 draws shows a {kind} mistake")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(SEEDS))
def test_injected_mistake_is_named_and_later_work_is_not_marked_incorrect(kind, seed):
    rng = numpy.random.default_rng(1000 * KINDS.index(kind) + seed)
    exercise, chain, mistaken, visibly_wrong, code = visible_mistake(kind, rng)
    result = grade(exercise, {key: repr(value) for key, value in chain.items()})
    statuses, codes = result.statuses, result.misconceptions
    for key in visibly_wrong:
        assert statuses[key] == "incorrect", key
        if code is not None:
            assert codes.get(key) == code, (key, codes.get(key))
    later = [key for key in statuses if key not in mistaken]
    assert [key for key in later if statuses[key] == "incorrect"] == []


@pytest.mark.parametrize("write_as_computed", [False, True])
@pytest.mark.parametrize("seed", range(5))
def test_batch_grading_equals_one_by_one(seed, write_as_computed, monkeypatch):
    """One by one (small batches: the step matrix joined) against a batch, which with
    ``write_as_computed`` builds its step matrix as a large batch does, whatever its size."""
    rng = numpy.random.default_rng(500 + seed)
    exercise = parse_exercise(random_spec(rng))
    reference = solve(exercise)
    submissions = []
    for _ in range(9):
        answers = {
            key: repr(value * float(rng.choice([1.0, 1.0, 0.97, 1.3, -1.0]))) for key, value in reference.items()
        }
        for key in rng.choice(list(answers), size=3, replace=False):
            answers[str(key)] = str(rng.choice(["", "abc", "3/4", "0"]))
        submissions.append(answers)
    alone = [grade(exercise, answers).to_dict() for answers in submissions]
    if write_as_computed:  # see WRITE_AS_COMPUTED_FROM_BYTES
        build_step_matrix_as_computed_from(monkeypatch, 1)
    together = [result.to_dict() for result in grade_many(exercise, submissions)]
    assert together == alone


def test_submissions_with_different_keys_in_different_orders_grade_as_one_by_one():
    rng = numpy.random.default_rng(77)
    exercise = parse_exercise(random_spec(rng))
    reference = solve(exercise)
    submissions = []
    for _ in range(12):
        keys = list(rng.permutation(list(reference)))[: int(rng.integers(1, len(reference) + 1))]
        submissions.append({str(key): repr(reference[str(key)] * float(rng.choice([1.0, 1.1]))) for key in keys})
    submissions.append({})
    together = [result.to_dict() for result in grade_many(exercise, submissions)]
    assert together == [grade(exercise, answers).to_dict() for answers in submissions]
    assert together[-1]["counts"]["missing"] == len(exercise.steps)


def test_an_unknown_key_in_any_submission_rejects_the_batch_and_is_named():
    exercise = parse_exercise(random_spec(numpy.random.default_rng(78)))
    first = {key: "0.5" for key in exercise.steps}
    with pytest.raises(UnknownStepError) as raised:
        grade_many(exercise, [first, first, {**first, "z.9.9": "1"}])
    assert raised.value.errors == [
        "answers.z.9.9: unknown step key; keys look like z.1.1, a.1.1, e.1, loss, delta.1.1, dw.1.1.0, w_new.1.1.0"
    ]
    assert grade_many(exercise, []) == []
    with pytest.raises(ValueError, match="at least one submission"):
        grade_batch(exercise, [])
