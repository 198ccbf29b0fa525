"""Fields the standard ones do not cover: an answer as a student typed it, text without control characters."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from marshmallow import ValidationError, fields, validate

MAX_ANSWER_LENGTH = 100
_CONTROL = re.compile(r"[\x00-\x1f]")
_CONTROL_BUT_WHITESPACE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def control_character_problem(text: str, *, free_form: bool = False) -> str | None:
    """Why ``text`` cannot be taken (it has a C0 control character, NUL included), or None.

    Free-form text may hold tabs and line breaks. PostgreSQL cannot store NUL at all, and the
    other control characters are never meant: both are refused, saying where the first one is.
    """
    found = (_CONTROL_BUT_WHITESPACE if free_form else _CONTROL).search(text)
    if found is None:
        return None
    which = "control characters other than tab and line breaks" if free_form else "control characters"
    return f"{which} are not allowed (found U+{ord(found.group()):04X} at character {found.start() + 1})"


class NoControlCharacters(validate.Validator):
    """A marshmallow validator: :func:`control_character_problem` as a ValidationError."""

    def __init__(self, *, free_form: bool = False) -> None:
        self.free_form = free_form

    def __call__(self, value: str) -> str:
        problem = control_character_problem(value, free_form=self.free_form)
        if problem is not None:
            raise ValidationError(f"{problem[0].upper()}{problem[1:]}.")
        return value


class Answer(fields.Field):
    """A submitted value kept as typed: text (a form, or '1/2'), a finite number, or null for blank."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | int | float | None:
        if value is None:
            return value
        if isinstance(value, str):
            if len(value) > MAX_ANSWER_LENGTH:
                raise ValidationError(f"Answers are at most {MAX_ANSWER_LENGTH} characters long.")
            return NoControlCharacters(free_form=True)(value)
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
