"""One submission's grading result, read out of a batch on demand.

Building the per-step dictionaries is the only per-value Python work of grading, so it happens
only when a result is asked for (to store it or send it), never inside the batched pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from . import feedback
from .dependencies import direct_inputs
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
            return feedback.carried_forward(self._own_upstream(key))
        if code == INVALID:
            return feedback.invalid(answer.problem)
        if code == INCORRECT and self.batch.degenerate_upstream[row, self.column]:
            return feedback.degenerate(self._suspect_upstream(key))
        return self.batch.fixed_feedback(key, code, diagnosis)

    def _suspect_upstream(self, key: str) -> list[str]:
        """The direct inputs of a step whose degenerate values withheld its carried credit."""
        batch, column = self.batch, self.column
        column_of = batch.exercise.network.architecture.column_of
        upstream = direct_inputs(batch.exercise.network.architecture)[key]
        return [step for step in upstream if batch.suspect[column_of[step], column]]

    def _own_upstream(self, key: str) -> list[str]:
        """The direct inputs of a step that the student answered and did not get exactly right."""
        batch, column = self.batch, self.column
        column_of = batch.exercise.network.architecture.column_of
        return [
            upstream
            for upstream in direct_inputs(batch.exercise.network.architecture)[key]
            if batch.submitted.given[column_of[upstream], column]
            and batch.status[column_of[upstream], column] != CORRECT
        ]
