"""Accepting an exercise spec from a request: size limits from the config, grading options checked.

Creating, changing and trying an exercise all accept a spec the same way, so they share this.
"""

from __future__ import annotations

import math
import re
import secrets
from typing import Any

from flask import current_app

from service.engine import Exercise, Limits, SpecError, parse_exercise
from service.grading import validate_grading_options

MAX_SLUG_LENGTH = 64
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def configured_limits() -> Limits:
    return Limits(max_layers=current_app.config["MAX_LAYERS"], max_weights=current_app.config["MAX_WEIGHTS"])


def unrepresentable_numbers(value: Any, path: str = "") -> list[str]:
    """Problems with numbers no float can hold (NaN, infinities, integers past 1e308), by path.

    JSON allows them and Python parses them; caught here, they are a 422 instead of an overflow.
    """
    if isinstance(value, dict):
        return [line for key, item in value.items() for line in unrepresentable_numbers(item, _join(path, key))]
    if isinstance(value, list):
        return [line for index, item in enumerate(value) for line in unrepresentable_numbers(item, f"{path}[{index}]")]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return []
    try:
        finite = math.isfinite(float(value))
    except OverflowError:
        finite = False
    return [] if finite else [f"{path or 'spec'}: must be a finite number within the range of a double"]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else str(key)


def accept_spec(spec: dict[str, Any]) -> Exercise:
    """Parse and check a spec within the configured limits; SpecError lists every problem."""
    problems = unrepresentable_numbers(spec)
    if problems:
        raise SpecError(problems)
    exercise = parse_exercise(spec, limits=configured_limits())
    validate_grading_options(exercise)
    return exercise


def slugify(text: str) -> str:
    """Lower-case letters and digits joined by single hyphens: a URL-safe id."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-")[:MAX_SLUG_LENGTH].strip("-")


def exercise_id_for(exercise: Exercise) -> str:
    """The slug of the spec's ``id``, or one made from the title with a random suffix."""
    if exercise.id is not None:
        slug = slugify(exercise.id)
        if not slug:
            raise SpecError([f"id: {exercise.id!r} has no letters or digits to make a URL slug from"])
        return slug
    stem = slugify(exercise.title)[: MAX_SLUG_LENGTH - 7].strip("-") or "exercise"
    return f"{stem}-{secrets.token_hex(3)}"
