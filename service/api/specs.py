"""Accepting an exercise spec from a request: size limits from the config, grading options checked.

Creating, changing and trying an exercise all accept a spec the same way, so they share this.
"""

from __future__ import annotations

import math
import re
import secrets
from typing import Any

from flask import current_app

from schemas.fields import control_character_problem
from service.engine import Exercise, Limits, SpecError, parse_exercise
from service.grading import validate_grading_options

MAX_SLUG_LENGTH = 64
MAX_SPEC_DEPTH = 16  # layers[0].weights[0][0] is 4 deep
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def configured_limits() -> Limits:
    return Limits(max_layers=current_app.config["MAX_LAYERS"], max_weights=current_app.config["MAX_WEIGHTS"])


def spec_value_problems(spec: dict[str, Any]) -> list[str]:
    """What no field of a spec may hold, by path, whatever the field: the engine never sees these.

    Numbers no float can hold (NaN, infinities, integers past 1e308: JSON allows them, Python
    parses them), text or keys with control characters (PostgreSQL cannot store NUL; tabs and
    line breaks are fine), and nesting deeper than any spec needs. Walked with a stack, not
    recursion, so a deeply nested body is a 422 like any other.
    """
    problems = []
    stack: list[tuple[str, Any, int]] = [("", spec, 0)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, dict | list) and depth >= MAX_SPEC_DEPTH:
            problems.append(f"{path}: nested deeper than {MAX_SPEC_DEPTH} levels; no spec field needs that")
        elif isinstance(value, dict):
            for key in value:
                if isinstance(key, str) and (problem := control_character_problem(key, free_form=True)):
                    problems.append(f"{_join(path, key)}: in a field name, {problem}")
            stack.extend((_join(path, key), item, depth + 1) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((f"{path}[{index}]", item, depth + 1) for index, item in reversed(list(enumerate(value))))
        elif isinstance(value, str) and (problem := control_character_problem(value, free_form=True)):
            problems.append(f"{path or 'spec'}: {problem}")
        elif isinstance(value, int | float) and not isinstance(value, bool) and not _finite(value):
            problems.append(f"{path or 'spec'}: must be a finite number within the range of a double")
    return problems


def _finite(number: float) -> bool:
    try:
        return math.isfinite(float(number))
    except OverflowError:
        return False


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else str(key)


def accept_spec(spec: dict[str, Any]) -> Exercise:
    """Parse and check a spec within the configured limits; SpecError lists every problem."""
    problems = spec_value_problems(spec)
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
