"""Fields the standard ones do not cover: an answer as a student typed it."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from marshmallow import ValidationError, fields

MAX_ANSWER_LENGTH = 100


class Answer(fields.Field):
    """A submitted value kept as typed: text (a form, or '1/2'), a finite number, or null for blank."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | int | float | None:
        if value is None or (isinstance(value, str) and len(value) <= MAX_ANSWER_LENGTH):
            return value
        if isinstance(value, str):
            raise ValidationError(f"Answers are at most {MAX_ANSWER_LENGTH} characters long.")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError("Expected a number, a string or null.")
        try:
            finite = math.isfinite(value)
        except OverflowError:
            finite = False
        if not finite:
            raise ValidationError("Expected a finite number (NaN, infinities and huge numbers are not answers).")
        return value


class UtcDateTime(fields.DateTime):
    """ISO 8601 in UTC; SQLite hands back naive datetimes that were stored as UTC."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)
