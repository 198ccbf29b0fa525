"""Submissions as a CSV spreadsheet: one row per submission, an answer and a status per step.

Text that a spreadsheet would run as a formula (=, +, -, @ at the start, and not a number) is
prefixed with a quote, so a student id or an answer cannot inject one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from service.store import SubmissionRecord

COUNT_NAMES = ("correct", "carried_forward", "incorrect", "missing", "invalid")
BASE_COLUMNS = ("submission_id", "student_id", "submitted_at", "exercise_version", "engine_backend", "score")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Leave numbers and plain text alone; neutralize text a spreadsheet would evaluate."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_STARTS):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value


def utc_iso(moment: datetime) -> str:
    """ISO 8601 in UTC; SQLite hands back naive datetimes that were stored as UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def step_columns(records: Iterable[SubmissionRecord]) -> list[str]:
    """Step keys across all results, in the order they first appear (computation order)."""
    keys: dict[str, None] = {}
    for record in records:
        keys.update((step["step"], None) for step in record.result.get("steps", []))
    return list(keys)


def _row(record: SubmissionRecord, steps: list[str]) -> list[Any]:
    counts = record.result.get("counts", {})
    by_step = {step["step"]: step for step in record.result.get("steps", [])}
    row = [
        record.id,
        record.student_id,
        utc_iso(record.submitted_at),
        record.exercise_version,
        record.engine_backend,
        record.score,
    ]
    row += [counts.get(name, 0) for name in COUNT_NAMES]
    for key in steps:
        answer = record.answers.get(key)
        row += ["" if answer is None else answer, by_step.get(key, {}).get("status", "")]
    return [spreadsheet_safe(cell) for cell in row]


def submissions_csv(records: list[SubmissionRecord]) -> str:
    """The whole spreadsheet as text, header first."""
    steps = step_columns(records)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*BASE_COLUMNS, *COUNT_NAMES, *(name for key in steps for name in (key, f"{key} status"))])
    writer.writerows(_row(record, steps) for record in records)
    return out.getvalue()
