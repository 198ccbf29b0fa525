"""One submission's grading result, read out of a batch on demand.

Building the per-step dictionaries is the only per-value Python work of grading, so it happens
only when a result is asked for (to store it or send it), never inside the batched pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from . import feedback
from .grader import (
    CARRIED_FORWARD,
    CORRECT,
    INCORRECT,
    INVALID,
    MISSING_STATUS,
    NO_MISCONCEPTION,
    STATUSES,
    BatchGrade,
)
from .misconceptions import PRIORITY
from .parse import Answer


@dataclass
class GradeResult:
    batch: BatchGrade
    column: int

    @property
    def score(self) -> float:
        return float(self.batch.scores[self.column])

    @property
    def statuses(self) -> dict[str, str]:
        """Step key -> status, for every asked step."""
        status = self.batch.status[self.batch.asked_rows, self.column]
        return {key: STATUSES[code] for key, code in zip(self.batch.exercise.steps, status.tolist())}

    @property
    def misconceptions(self) -> dict[str, str]:
        """Step key -> misconception code, for the steps where one was recognised."""
        rows = self.batch.misconception[self.batch.asked_rows, self.column]
        return {key: PRIORITY[code].code for key, code in zip(self.batch.exercise.steps, rows.tolist()) if code >= 0}

    @cached_property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for status in self.statuses.values():
            counts[status] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        """The result as plain data: score, counts per status and one entry per asked step."""
        return {"score": round(self.score, 6), "counts": self.counts, "steps": self.steps()}

    def steps(self) -> list[dict[str, Any]]:
        batch, column = self.batch, self.column
        rows = batch.asked_rows
        reveal = batch.options.reveal
        statuses = batch.status[rows, column].tolist()
        diagnoses = batch.misconception[rows, column].tolist()
        credits = batch.credit[:, column].tolist()
        entries = []
        for key, row, code, diagnosis, credit in zip(batch.exercise.steps, rows.tolist(), statuses, diagnoses, credits):
            answer = batch.submitted.answer(column, key)
            entry = {
                "step": key,
                "status": STATUSES[code],
                "credit": credit,
                "submitted": answer.typed,
                "misconception": PRIORITY[diagnosis].code if diagnosis != NO_MISCONCEPTION else None,
                "feedback": self._feedback(key, row, code, diagnosis, answer),
            }
            if reveal == "always" or (reveal == "after_submit" and code != MISSING_STATUS):
                entry["expected"] = float(batch.reference[row])
            entries.append(entry)
        return entries

    def _feedback(self, key: str, row: int, code: int, diagnosis: int, answer: Answer) -> str:
        if code == CARRIED_FORWARD:
            return self._cached(feedback.carried_forward, key, self._upstream_where(key, self._not_right))
        if code == INVALID:
            return feedback.invalid(answer.problem)
        if code == INCORRECT and self.batch.degenerate_upstream[row, self.column]:
            return self._cached(feedback.degenerate, key, self._upstream_where(key, self._suspect))
        return self.batch.fixed_feedback(key, code, diagnosis)

    def _cached(self, sentence: Callable[[list[str]], str], key: str, upstream: tuple[str, ...]) -> str:
        """Feedback naming earlier steps, built once per batch for each distinct naming."""
        return self.batch.feedback_naming(sentence, key, upstream)

    @cached_property
    def _not_right(self) -> list[bool]:
        """Per step row: the student answered it and did not get it exactly right."""
        batch = self.batch
        return (batch.submitted.given[:, self.column] & (batch.status[:, self.column] != CORRECT)).tolist()

    @cached_property
    def _suspect(self) -> list[bool]:
        """Per step row: a degenerate answer, or one built on it, that withholds carried credit."""
        return self.batch.suspect[:, self.column].tolist()

    def _upstream_where(self, key: str, flags: list[bool]) -> tuple[str, ...]:
        """The direct inputs of ``key`` whose row is flagged."""
        return tuple(step for step, row in self.batch.upstream_rows[key] if flags[row])
