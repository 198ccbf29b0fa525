"""The notebook's exercises, shipped as JSON data files in the package."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

_PACKAGE = "service.engine.exercises"


@cache
def builtin_exercise_ids() -> tuple[str, ...]:
    """Ids of the built-in exercises, in file-name order."""
    files = resources.files(_PACKAGE).iterdir()
    return tuple(sorted(f.name.removesuffix(".json") for f in files if f.name.endswith(".json")))


def builtin_spec(exercise_id: str) -> dict[str, Any]:
    """A fresh copy of a built-in exercise's spec; KeyError if there is none of that id."""
    if exercise_id not in builtin_exercise_ids():
        raise KeyError(exercise_id)
    text = resources.files(_PACKAGE).joinpath(f"{exercise_id}.json").read_text(encoding="utf-8")
    return json.loads(text)
