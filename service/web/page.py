"""What the exercise page shows, gathered in one object for the template.

The template stays free of logic beyond loops: the numbers, the picture, the weight tables, the
form's phases, the verdict of each step and the summary are all worked out here, where they
can be tested without a browser.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from markupsafe import Markup

from service.grading import STATUSES, tolerance_in_words
from service.store import StoredExercise

from .diagram import LABELLED_MAX_WEIGHTS, format_number, network_svg
from .markdown import render_markdown
from .steps import Phase, Rule, form_phases, input_id, notation, rules

# status -> (the word shown, an icon; colour is the third cue, set by the stylesheet)
STATUS_DISPLAY = {
    "correct": ("correct", "✓"),
    "carried_forward": ("carried forward", "↪"),
    "incorrect": ("incorrect", "✗"),
    "invalid": ("invalid", "⚠"),
    "missing": ("missing", "○"),
}
NEEDS_WORK = ("incorrect", "invalid")
IDEMPOTENCY_PREFIX = "web-"


def new_idempotency_key() -> str:
    """A key for one rendering of the form: a double click or a re-POST stores one submission."""
    return IDEMPOTENCY_PREFIX + uuid.uuid4().hex


@dataclass(frozen=True)
class Verdict:
    """How one step was graded, ready to show beside its field."""

    status: str
    word: str
    icon: str
    feedback: str
    misconception: str | None
    expected: str | None

    @property
    def needs_work(self) -> bool:
        return self.status in NEEDS_WORK


@dataclass(frozen=True)
class Summary:
    """The score and the count per status, for the top of a graded page."""

    score_percent: str
    counts: tuple[tuple[str, str, str, int], ...]  # status, word, icon, count
    total: int
    first_to_fix: tuple[str, str] | None  # (id of the step's row, its notation)
    submission_id: str
    student_id: str


@dataclass(frozen=True)
class WeightTable:
    layer: int
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # unit name, weights


@dataclass(frozen=True)
class Given:
    """A given number: ``symbol`` with an optional ``subscript`` (x, 1 for x₁)."""

    symbol: str
    subscript: str
    value: str


@dataclass
class ExercisePage:
    """Everything the exercise template shows; ``verdicts`` is empty until the form is graded."""

    stored: StoredExercise
    csrf_token: str
    student_id: str = ""
    answers: Mapping[str, str] = field(default_factory=dict)
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    summary: Summary | None = None
    messages: list[str] = field(default_factory=list)
    field_errors: dict[str, str] = field(default_factory=dict)
    idempotency_key: str = field(default_factory=new_idempotency_key)

    @property
    def title(self) -> str:
        return self.stored.exercise.title

    @cached_property
    def description(self) -> Markup:
        return render_markdown(self.stored.exercise.description)

    @cached_property
    def diagram(self) -> Markup:
        return network_svg(self.stored.exercise)

    @property
    def diagram_labelled(self) -> bool:
        return self.stored.exercise.network.architecture.weight_count <= LABELLED_MAX_WEIGHTS

    @cached_property
    def phases(self) -> list[Phase]:
        return form_phases(self.stored.exercise)

    @cached_property
    def rules(self) -> list[Rule]:
        return rules(self.stored.exercise)

    @property
    def givens(self) -> list[Given]:
        network = self.stored.exercise.network
        found = [Given("x", str(i), format_number(value)) for i, value in enumerate(network.inputs.tolist(), 1)]
        if network.target is not None:
            found += [Given("t", str(k), format_number(value)) for k, value in enumerate(network.target.tolist(), 1)]
        if network.learning_rate is not None:
            alpha = "learning rate \N{GREEK SMALL LETTER ALPHA}"
            found.append(Given(alpha, "", format_number(network.learning_rate)))
        return found

    @property
    def tolerance(self) -> str:
        return tolerance_in_words(self.stored.exercise)

    @cached_property
    def weight_tables(self) -> list[WeightTable]:
        return weight_tables(self.stored)


def weight_tables(stored: StoredExercise) -> list[WeightTable]:
    """One table per layer: a row per unit j, a column per input i (i = 0: the bias weight)."""
    network = stored.exercise.network
    tables = []
    for number, (shape, weights) in enumerate(zip(network.architecture.layers, network.weights, strict=True), 1):
        sources = [f"x{i}" for i in range(1, shape.fan_in + 1)] if number == 1 else None
        sources = sources or [f"{number - 1},{i}" for i in range(1, shape.fan_in + 1)]
        columns = (["i = 0 (bias)"] if shape.bias else []) + [
            f"i = {i} (from {source})" for i, source in enumerate(sources, 1)
        ]
        rows = tuple(
            (f"unit {number},{j}", tuple(format_number(value) for value in row))
            for j, row in enumerate(weights.tolist(), 1)
        )
        caption = f"Layer {number}: w j,i into unit {number},j ({shape.activation})"
        tables.append(WeightTable(number, caption, tuple(columns), rows))
    return tables


def verdicts_from(result: Mapping[str, Any]) -> dict[str, Verdict]:
    """Step key -> Verdict, from a stored result's ``steps``."""
    verdicts = {}
    for step in result["steps"]:
        status = step["status"]
        word, icon = STATUS_DISPLAY[status]
        expected = step.get("expected")
        verdicts[step["step"]] = Verdict(
            status=status,
            word=word,
            icon=icon,
            feedback=step["feedback"],
            misconception=(step.get("misconception") or "").replace("_", " ") or None,
            expected=None if expected is None else f"{expected:.6g}",
        )
    return verdicts


def summary_from(result: Mapping[str, Any], ordered_keys: list[str], *, submission_id: str, student_id: str) -> Summary:
    """The score as a percentage, the counts in a fixed order, and the first step to look at."""
    counts = result["counts"]
    statuses = {step["step"]: step["status"] for step in result["steps"]}
    first = next((key for key in ordered_keys if statuses.get(key) in NEEDS_WORK), None)
    return Summary(
        score_percent=f"{float(result['score']) * 100:.0f}%",
        counts=tuple((status, *STATUS_DISPLAY[status], int(counts.get(status, 0))) for status in STATUSES),
        total=len(result["steps"]),
        first_to_fix=None if first is None else (f"row-{input_id(first)}", notation(first)),
        submission_id=submission_id,
        student_id=student_id,
    )
