"""Grading a batch of submissions of one exercise: verdicts, carried-forward credit, misconceptions.

Everything is computed on whole (steps, submissions) matrices. The student's own earlier values
are pushed through the engine's ``propagate`` in four readings at once, stacked on the batch axis:
unanswered steps filled from the reference or from the student's own chain, times f'(z) read
from the student's z or from the student's a. A step that matches any reading follows from the
student's work. The same passes feed the misconception rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy

from ..engine import (
    Backend,
    Exercise,
    Given,
    SpecError,
    blocks_of,
    current_backend,
    propagate,
    solve_networks,
    stack_networks,
    to_device,
    to_host,
    work_size,
)
from . import feedback
from .dependencies import direct_inputs, input_matrix
from .misconceptions import PRIORITY, RecomputeContext
from .options import GradingOptions, parse_grading_options
from .parse import MISSING, Answer, parse_answer
from .tolerance import Tolerance

if TYPE_CHECKING:
    from .result import GradeResult

STATUSES = ("correct", "carried_forward", "incorrect", "missing", "invalid")
CORRECT, CARRIED_FORWARD, INCORRECT, MISSING_STATUS, INVALID = range(5)
NO_MISCONCEPTION = -1
# (fill unanswered steps from the reference?, read f' from the output a?) per reading
READINGS = ((True, False), (True, True), (False, False), (False, True))
# An unexplained answer this many times smaller than a nonzero true value counts as "about 0"
DEGENERATE_RATIO = 1e-3


class UnknownStepError(SpecError):
    """Answers name steps the exercise does not ask: a client error for the whole submission."""


def _memo_key(raw: Any) -> Any:
    """A dictionary key per distinct typed value that keeps 1, 1.0 and True apart."""
    kind = type(raw)
    if kind is str:
        return raw
    return (kind, raw) if kind in (int, float) else (kind, id(raw))


@dataclass
class SubmittedAnswers:
    """B submissions parsed into (steps, B) matrices, rows in the architecture's step order.

    Each distinct typed value is parsed once (a class types the same numbers often), and the
    per-value work is dictionary look-ups at C speed: parsing stays off the grading hot path.
    """

    submissions: Sequence[Mapping[str, Any]]
    parsed: dict[Any, Answer]  # memo key -> the parsed answer
    values: numpy.ndarray  # the number given, 0 where none
    given: numpy.ndarray  # a valid number was given
    invalid: numpy.ndarray
    figures: numpy.ndarray  # significant figures typed (0: exact or none)
    last_place: numpy.ndarray  # place value of the last digit typed

    def answer(self, column: int, key: str) -> Answer:
        """What submission ``column`` gave for step ``key``, parsed (MISSING when nothing)."""
        submission = self.submissions[column]
        return self.parsed[_memo_key(submission[key])] if key in submission else MISSING


def read_answers(exercise: Exercise, submissions: Sequence[Mapping[str, Any]]) -> SubmittedAnswers:
    """Parse every submission; an unknown or unasked step key rejects the whole batch."""
    architecture = exercise.network.architecture
    row_of, asked = architecture.column_of, frozenset(exercise.steps)
    # the rows of each distinct list of keys, found once: a class's submissions share one or few
    rows_of_layout: dict[tuple[str, ...], numpy.ndarray] = {}
    row_parts: list[numpy.ndarray] = []
    raws: list[Any] = []
    for submission in submissions:
        layout = tuple(submission)
        rows = rows_of_layout.get(layout)
        if rows is None:
            unknown = [key for key in layout if key not in asked]
            if unknown:
                raise UnknownStepError([f"answers.{key}: {_unknown(key, row_of)}" for key in unknown])
            rows = rows_of_layout[layout] = numpy.array([row_of[key] for key in layout], dtype=numpy.int64)
        row_parts.append(rows)
        raws.extend(submission.values())
    if set(map(type, raws)) <= {str}:  # typed text (a form, most JSON): its own memo key
        keys = raws
        parsed = {key: parse_answer(key) for key in dict.fromkeys(keys)}
    else:
        keys = list(map(_memo_key, raws))
        by_key = dict(zip(keys, raws))
        parsed = {key: parse_answer(by_key[key]) for key in dict.fromkeys(keys)}
    distinct = {key: index for index, key in enumerate(parsed)}
    table = list(parsed.values())
    which = numpy.fromiter(map(distinct.__getitem__, keys), dtype=numpy.int64, count=len(keys))
    counts = [len(rows) for rows in row_parts]
    all_rows = numpy.concatenate(row_parts) if row_parts else numpy.zeros(0, dtype=numpy.int64)
    at = (all_rows, numpy.repeat(numpy.arange(len(submissions)), counts))

    def matrix(column: list[Any], dtype: Any) -> numpy.ndarray:
        full = numpy.zeros((len(architecture.step_keys), len(submissions)), dtype=dtype)
        full[at] = numpy.array(column, dtype=dtype)[which]
        return full

    return SubmittedAnswers(
        submissions,
        parsed,
        matrix([answer.value or 0.0 for answer in table], float),
        matrix([answer.valid for answer in table], bool),
        matrix([not answer.valid and not answer.missing for answer in table], bool),
        matrix([answer.significant_figures for answer in table], numpy.int64),
        matrix([answer.last_place for answer in table], float),
    )


def _unknown(key: str, column_of: Mapping[str, int]) -> str:
    if key in column_of:
        return "this exercise does not ask for this step"
    return "unknown step key; keys look like z.1.1, a.1.1, e.1, loss, delta.1.1, dw.1.1.0, w_new.1.1.0"


@dataclass
class _Rules:
    """The exercise's tolerance rules grouped by the rows they apply to."""

    groups: list[tuple[Tolerance, numpy.ndarray]]
    group_of_row: numpy.ndarray

    @classmethod
    def of(cls, exercise: Exercise, options: GradingOptions) -> _Rules:
        rows: dict[Tolerance, list[int]] = {}
        for row, key in enumerate(exercise.network.architecture.step_keys):
            rows.setdefault(options.tolerance_for(key), []).append(row)
        group_of_row = numpy.zeros(len(exercise.network.architecture.step_keys), dtype=numpy.int64)
        for group, indices in enumerate(rows.values()):
            group_of_row[indices] = group
        return cls([(rule, numpy.array(indices)) for rule, indices in rows.items()], group_of_row)

    def rounding_windows(self, figures: Any, last_place: Any, *, xp: ModuleType) -> Any:
        """(steps, B): each answer's window under the precision rule of its step's tolerance."""
        windows = xp.empty(figures.shape)
        for rule, rows in self.groups:
            windows[rows] = rule.rounding_window(figures[rows], last_place[rows], xp=xp)
        return windows

    def accepts(self, submitted: Any, expected: Any, rounding: Any, *, where: Any, xp: ModuleType) -> Any:
        """(steps, B): does the answer match ``expected`` (in any reading, its leading axis)?

        Only the entries ``where`` is true are compared (the still-open answers, usually few);
        the rest are False.
        """
        rows, columns = xp.nonzero(where)
        matched = xp.zeros(where.shape, dtype=bool)
        group = to_device(self.group_of_row, xp=xp)[rows]
        for index, (rule, _) in enumerate(self.groups):
            pick = group == index if len(self.groups) > 1 else slice(None)
            r, c = rows[pick], columns[pick]
            hits = rule.accepts(submitted[r, c], expected[..., r, c], rounding[r, c], xp=xp)
            matched[r, c] = hits.any(axis=0) if hits.ndim > 1 else hits
        return matched


@dataclass
class BatchGrade:
    """Verdicts of B submissions of one exercise, as (steps, B) matrices on the host."""

    exercise: Exercise
    options: GradingOptions
    submitted: SubmittedAnswers
    reference: numpy.ndarray  # (steps,)
    status: numpy.ndarray  # int8 codes into STATUSES
    misconception: numpy.ndarray  # index into PRIORITY, or NO_MISCONCEPTION
    degenerate_upstream: numpy.ndarray  # carried forward from an unexplained degenerate answer: no credit
    suspect: numpy.ndarray  # the degenerate answers (and the steps built on them) that withhold credit
    backend: str
    _feedback: dict[tuple[str, int, int], str] = field(default_factory=dict, repr=False)
    _feedback_naming: dict[tuple[str, str, tuple[str, ...]], str] = field(default_factory=dict, repr=False)

    @cached_property
    def asked_rows(self) -> numpy.ndarray:
        column_of = self.exercise.network.architecture.column_of
        return numpy.array([column_of[key] for key in self.exercise.steps])

    @cached_property
    def credit(self) -> numpy.ndarray:
        """(asked steps, B) credit per step: 1, the carried-forward credit, or 0."""
        status = self.status[self.asked_rows]
        credit = numpy.where(status == CORRECT, 1.0, 0.0)
        return numpy.where(status == CARRIED_FORWARD, self.options.carried_forward_credit, credit)

    @cached_property
    def scores(self) -> numpy.ndarray:
        weights = numpy.array([self.options.weight_for(key) for key in self.exercise.steps])
        return weights @ self.credit / weights.sum()

    @cached_property
    def upstream_rows(self) -> dict[str, tuple[tuple[str, int], ...]]:
        """Step key -> its direct inputs as (key, row), looked up once per batch."""
        architecture = self.exercise.network.architecture
        column_of = architecture.column_of
        return {key: tuple((up, column_of[up]) for up in ups) for key, ups in direct_inputs(architecture).items()}

    def feedback_naming(self, sentence: Callable[[list[str]], str], key: str, upstream: tuple[str, ...]) -> str:
        """A feedback sentence that names earlier steps, built once per batch for each naming."""
        cache_key = (sentence.__name__, key, upstream)
        cached = self._feedback_naming.get(cache_key)
        if cached is None:
            cached = self._feedback_naming[cache_key] = sentence(list(upstream))
        return cached

    def fixed_feedback(self, key: str, code: int, diagnosis: int) -> str:
        """Feedback that depends only on the step and its verdict, built once per batch."""
        cached = self._feedback.get((key, code, diagnosis))
        if cached is None:
            cached = self._feedback[(key, code, diagnosis)] = self._compose_feedback(key, code, diagnosis)
        return cached

    def _compose_feedback(self, key: str, code: int, diagnosis: int) -> str:
        rule = self.options.tolerance_for(key)
        # a new weight is judged by the change it implies (see _figures_of_changes)
        compared = "the change w_new - w" if key.startswith("w_new.") else "the value"
        window = rule.in_words(with_rounding=False, of=compared)
        if code == CORRECT:
            return feedback.correct(window)
        if code == MISSING_STATUS:
            return feedback.missing()
        formula = feedback.formula(self.exercise.network.architecture, key)
        if diagnosis != NO_MISCONCEPTION:
            return feedback.misconception(PRIORITY[diagnosis].feedback, formula)
        return feedback.incorrect(window, formula)

    def results(self) -> list[GradeResult]:
        from .result import GradeResult  # noqa: PLC0415 - result builds on this module

        return [GradeResult(self, column) for column in range(self.status.shape[1])]


def _stacked_readings(exercise: Exercise, submitted: SubmittedAnswers, reference: Any, *, xp: ModuleType):
    """One batch holding every submission in every reading, with the student's values given."""
    architecture, count = exercise.network.architecture, submitted.values.shape[1]
    readings = len(READINGS)
    batch = stack_networks([exercise.network], xp=xp).broadcast(readings * count, xp=xp)
    values = xp.tile(to_device(submitted.values, xp=xp), (1, readings))
    mask = xp.tile(to_device(submitted.given, xp=xp), (1, readings))
    fallback_columns = xp.asarray(numpy.repeat([fill for fill, _ in READINGS], count))
    from_output = xp.asarray(numpy.repeat([read_a for _, read_a in READINGS], count))
    given = Given(
        blocks_of(values, architecture),
        blocks_of(mask, architecture),
        blocks_of(xp.broadcast_to(reference[:, None], values.shape), architecture),
        fallback_columns,
        from_output,
    )
    return batch, given, from_output


def _by_reading(matrix: Any, count: int) -> Any:
    """(steps, readings * B) -> (readings, steps, B)."""
    return matrix.reshape(matrix.shape[0], len(READINGS), count).transpose(1, 0, 2)


def grading_work_size(architecture: Any, submissions: int) -> int:
    """The work grade_batch weighs against the GPU crossover: every reading of every submission,
    recomputed once and once per misconception rule."""
    return work_size(architecture, submissions * len(READINGS) * (1 + len(PRIORITY)))


def grade_batch(
    exercise: Exercise, submissions: Sequence[Mapping[str, Any]], *, backend: Backend | None = None
) -> BatchGrade:
    """Grade B submissions of one exercise in one pass of whole-array operations."""
    if not submissions:
        raise ValueError("grade_batch needs at least one submission (grade_many takes none)")
    options = parse_grading_options(exercise)
    submitted = read_answers(exercise, submissions)
    architecture, count = exercise.network.architecture, len(submissions)
    backend = backend or current_backend()
    xp = backend.module_for(grading_work_size(architecture, count))
    reference = exercise.reference
    if reference is None:  # an Exercise built by hand rather than by parse_exercise
        reference = solve_networks([exercise.network], backend=backend)[:, 0]
    reference = to_device(reference, xp=xp)
    rules = _Rules.of(exercise, options)
    given = to_device(submitted.given, xp=xp)
    # Compared as changes: a new weight w + dw is judged by the change it implies (see _as_changes)
    old = to_device(_old_weights(exercise), xp=xp)[:, None]
    values = to_device(submitted.values, xp=xp) - old
    figures = _figures_of_changes(submitted, old, values, xp=xp)
    rounding = rules.rounding_windows(figures, to_device(submitted.last_place, xp=xp), xp=xp)

    expected = xp.broadcast_to(reference[:, None] - old, values.shape)
    correct = rules.accepts(values, expected, rounding, where=given, xp=xp)
    batch, given_values, from_output = _stacked_readings(exercise, submitted, reference, xp=xp)
    trace = propagate(batch, xp=xp, given=given_values)
    recomputed = _by_reading(trace.computed_matrix, count) - old
    carried = rules.accepts(values, recomputed, rounding, where=given & ~correct, xp=xp)

    status = xp.full(values.shape, INCORRECT, dtype=xp.int8)
    status[correct] = CORRECT
    status[carried] = CARRIED_FORWARD
    status[~given] = MISSING_STATUS
    status[to_device(submitted.invalid, xp=xp)] = INVALID
    context = RecomputeContext(architecture, batch, trace.settled, from_output, xp)
    misconception = _diagnose(
        context, rules, values, rounding, open_rows=status == INCORRECT, count=count, shift=old, xp=xp
    )
    blocked, suspect = _gaming_guard(
        exercise,
        values=values,
        raw_values=values + old,
        given=given,
        expected=expected,
        correct=correct,
        carried=carried,
        misconception=misconception,
        xp=xp,
    )
    status[blocked] = INCORRECT
    return BatchGrade(
        exercise,
        options,
        submitted,
        to_host(reference),
        to_host(status),
        to_host(misconception),
        to_host(blocked),
        to_host(suspect),
        xp.__name__,
    )


def _old_weights(exercise: Exercise) -> numpy.ndarray:
    """(steps,): each w_new step's weight before the update, 0 for every other step."""
    architecture = exercise.network.architecture
    old = numpy.zeros(len(architecture.step_keys))
    for block, rows in architecture.block_rows:
        if block.kind == "w_new":
            old[rows] = exercise.network.weights[block.layer - 1].ravel()
    return old


def _figures_of_changes(submitted: SubmittedAnswers, old: Any, changes: Any, *, xp: ModuleType) -> Any:
    """Significant figures typed, counting for a new weight only those of the change it implies.

    '0.50' for w = 0.5 types no figure of the change, so the precision rule cannot credit it as
    a rounding of 0.5000125; '0.50000125' types three.
    """
    figures = to_device(submitted.figures, xp=xp)
    place = to_device(submitted.last_place, xp=xp)
    magnitude = xp.abs(changes)
    safe_magnitude, safe_place = xp.where(magnitude > 0, magnitude, 1.0), xp.where(place > 0, place, 1.0)
    of_change = xp.floor(xp.log10(safe_magnitude)) - xp.rint(xp.log10(safe_place)) + 1
    of_change = xp.where((magnitude > 0) & (place > 0), xp.maximum(of_change, 0), 0).astype(figures.dtype)
    return xp.where(old != 0, xp.minimum(of_change, figures), figures)


def _gaming_guard(
    exercise: Exercise,
    *,
    values: Any,
    raw_values: Any,
    given: Any,
    expected: Any,
    correct: Any,
    carried: Any,
    misconception: Any,
    xp: ModuleType,
) -> tuple[Any, Any]:
    """Carried-forward steps that get no credit because they build on a degenerate answer.

    Degenerate: 0, or a thousand times smaller than the true value, where the true value is not
    0 (for a new weight: a change of about nothing), or for an activation output exactly 0 or
    +-1 (saturated) where the true value is not. Entering such a value early would make every
    later step trivial to 'carry forward' (Numbas issue 368). A degenerate value is fine when it
    is explained: right, carried forward with credit, or produced by a named misconception.
    Whatever is carried forward from an unexplained degenerate value, or from a step that lost
    its credit this way, gets none either: the guard follows the chain until nothing changes.
    Returns (blocked, suspect): the steps that lose credit, and the answers they lose it by.
    """
    keys = exercise.network.architecture.step_keys
    is_output = xp.asarray(numpy.array([key.startswith("a.") for key in keys]))[:, None]
    vanishing = (xp.abs(values) <= DEGENERATE_RATIO * xp.abs(expected)) & (expected != 0)
    saturated = is_output & (xp.abs(raw_values) == 1) & (xp.abs(expected) != 1)
    degenerate = given & (vanishing | saturated)
    inputs = to_device(input_matrix(exercise.network.architecture), xp=xp)
    named = misconception != NO_MISCONCEPTION
    blocked = xp.zeros_like(carried)
    for _ in range(len(keys)):
        explained = correct | (carried & ~blocked) | named
        suspect = (degenerate & ~explained) | blocked
        now_blocked = carried & ((inputs @ suspect.astype(values.dtype)) > 0)
        if bool((now_blocked == blocked).all()):
            break
        blocked = now_blocked
    return blocked, suspect


def _diagnose(
    context: RecomputeContext,
    rules: _Rules,
    values: Any,
    rounding: Any,
    *,
    open_rows: Any,
    count: int,
    shift: Any,
    xp: ModuleType,
) -> Any:
    """The first misconception, in priority order, whose wrong rule gives the student's value."""
    architecture = context.architecture
    diagnosis = xp.full(values.shape, NO_MISCONCEPTION, dtype=xp.int8)
    undiagnosed = open_rows
    for index, misconception in enumerate(PRIORITY):
        if misconception.needs_training and not architecture.trained:
            continue
        for candidate in misconception.rule(context):
            wrong = _candidate_matrix(candidate, architecture, values.shape[1] * len(READINGS), xp=xp)
            hit = rules.accepts(values, _by_reading(wrong, count) - shift, rounding, where=undiagnosed, xp=xp)
            diagnosis[hit] = index
            undiagnosed = undiagnosed & ~hit
    return diagnosis


def _candidate_matrix(candidate: dict, architecture: Any, columns: int, *, xp: ModuleType) -> Any:
    """A (steps, columns) matrix of a wrong rule's values; NaN (never accepted) where it says nothing."""
    wrong = xp.full((len(architecture.step_keys), columns), xp.nan)
    for block, rows in architecture.block_rows:
        part = candidate.get((block.kind, block.layer))
        if part is not None:
            wrong[rows] = part.reshape(-1, columns)
    return wrong


def grade_many(exercise: Exercise, submissions: Sequence[Mapping[str, Any]], *, backend: Backend | None = None) -> list:
    """Grade several submissions of one exercise together; one result per submission."""
    if not submissions:
        return []
    return grade_batch(exercise, submissions, backend=backend).results()


def grade(exercise: Exercise, answers: Mapping[str, Any], *, backend: Backend | None = None):
    """Grade one submission: a map from step key to the number or string the student typed."""
    return grade_batch(exercise, [answers], backend=backend).results()[0]
