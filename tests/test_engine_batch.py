"""A batch gives the values of its members one by one; architectures never mix."""

import numpy
import pytest

from service.engine import Given, blocks_of, parse_exercise, propagate, solve, solve_networks, stack_networks

from .engine_helpers import build_step_matrix_as_computed_from, random_spec


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


@pytest.mark.parametrize("seed", range(5))
def test_writing_values_as_computed_and_joining_them_at_the_end_agree(seed, monkeypatch):
    """The two ways of building the step matrix (large and small batches) give the same bits."""
    rng = numpy.random.default_rng(300 + seed)
    base = random_spec(rng)
    exercises = [parse_exercise(vary(base, rng)) for _ in range(6)]
    batch = stack_networks([exercise.network for exercise in exercises], xp=numpy)
    architecture = batch.architecture
    typed = rng.normal(0, 1, (len(architecture.step_keys), 6))
    asked = rng.random(typed.shape) < 0.3
    given = Given(blocks_of(typed, architecture), blocks_of(asked, architecture))
    some = list(given.mask)[1::3]  # values given for some blocks only: the rest are computed
    partial = Given({block: given.values[block] for block in some}, {block: given.mask[block] for block in some})
    # as the grader reads: one exercise broadcast over the columns, unanswered steps from the
    # reference on some columns, f'(z) from the output a on others
    one = stack_networks([exercises[0].network], xp=numpy).broadcast(6, xp=numpy)
    reference = propagate(one, xp=numpy).settled_matrix
    readings = Given(
        blocks_of(typed, architecture),
        blocks_of(asked, architecture),
        blocks_of(reference, architecture),
        fallback_columns=numpy.arange(6) % 2 == 0,
        from_output=numpy.arange(6) % 3 == 0,
    )
    traces = {}
    for threshold in (1, 10**9):
        build_step_matrix_as_computed_from(monkeypatch, threshold)
        traces[threshold] = (
            propagate(batch, xp=numpy),
            propagate(batch, xp=numpy, given=given),
            propagate(one, xp=numpy, given=readings),
            propagate(batch, xp=numpy, given=partial),
        )
    written, written_given, written_readings, written_partial = traces[1]
    joined, joined_given, joined_readings, joined_partial = traces[10**9]
    numpy.testing.assert_array_equal(written.settled_matrix, joined.settled_matrix)
    pairs = ((written_given, joined_given), (written_readings, joined_readings), (written_partial, joined_partial))
    for written_trace, joined_trace in pairs:
        numpy.testing.assert_array_equal(written_trace.computed_matrix, joined_trace.computed_matrix)
        numpy.testing.assert_array_equal(written_trace.settled_matrix, joined_trace.settled_matrix)
    # the student's values stand where given, and the computed ones differ from them somewhere
    numpy.testing.assert_array_equal(written_given.settled_matrix[asked], typed[asked])
    assert not numpy.array_equal(written_given.computed_matrix[asked], typed[asked])
    # unanswered steps: the reference on the fallback columns, the student's own chain elsewhere
    unanswered_fallback = ~asked & (numpy.arange(6) % 2 == 0)
    numpy.testing.assert_array_equal(
        written_readings.settled_matrix[unanswered_fallback], reference[unanswered_fallback]
    )
    for block, values in blocks_of(written_given.settled_matrix, architecture).items():
        numpy.testing.assert_array_equal(written_given.settled[block], values)
        numpy.testing.assert_array_equal(joined_given.settled[block], values)


def test_an_untrained_network_is_built_the_same_both_ways(monkeypatch):
    rng = numpy.random.default_rng(340)
    base = random_spec(rng)

    def untrained() -> dict:
        return {key: value for key, value in vary(base, rng).items() if key not in {"target", "learning_rate"}}

    batch = stack_networks([parse_exercise(untrained()).network for _ in range(4)], xp=numpy)
    matrices = []
    for threshold in (1, 10**9):
        build_step_matrix_as_computed_from(monkeypatch, threshold)
        matrices.append(propagate(batch, xp=numpy).settled_matrix)
    assert matrices[0].shape == (len(batch.architecture.step_keys), 4)
    assert all(key.split(".")[0] in {"z", "a"} for key in batch.architecture.step_keys)
    numpy.testing.assert_array_equal(matrices[0], matrices[1])
