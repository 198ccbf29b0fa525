"""The grading options of an exercise: tolerance (per exercise and per step), reveal, credit, weights.

They travel in the spec (the engine keeps them as given); this module validates them with the
same 'field.path: what is wrong' messages as the rest of the spec.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..engine import KINDS, Exercise, SpecError
from .tolerance import MODES, Tolerance

# never: no expected values in results; after_submit: for the steps the student answered;
# always: for every asked step, answered or not (a worked solution comes back with the result)
REVEAL_CHOICES = ("never", "after_submit", "always")
_TOLERANCE_FIELDS = ("mode", "rtol", "atol", "digits", "min_sigfigs")


@dataclass(frozen=True)
class GradingOptions:
    tolerance: Tolerance = field(default_factory=Tolerance)
    step_tolerance: dict[str, Tolerance] = field(default_factory=dict)  # step key or kind -> rule
    reveal: str = "never"
    carried_forward_credit: float = 1.0
    step_weights: dict[str, float] = field(default_factory=dict)  # step key or kind -> weight

    def tolerance_for(self, key: str) -> Tolerance:
        """A step's rule: its own, else its kind's ('delta'), else the exercise's."""
        kind = key.split(".", 1)[0]
        return self.step_tolerance.get(key) or self.step_tolerance.get(kind) or self.tolerance

    def weight_for(self, key: str) -> float:
        kind = key.split(".", 1)[0]
        return self.step_weights.get(key, self.step_weights.get(kind, 1.0))


def _number(errors: list[str], value: Any, path: str, *, minimum: float, maximum: float | None = None) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        errors.append(f"{path}: expected a finite number, got {value!r}")
        return None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum:g} and {maximum:g}" if maximum is not None else f"at least {minimum:g}"
        errors.append(f"{path}: must be {bound}, got {value:g}")
        return None
    return float(value)


def _tolerance(errors: list[str], raw: Any, path: str, base: Tolerance) -> Tolerance:
    if not isinstance(raw, Mapping):
        errors.append(f"{path}: expected an object with {', '.join(_TOLERANCE_FIELDS)}")
        return base
    changes: dict[str, Any] = {}
    for name, value in raw.items():
        if name == "steps" and path == "tolerance":
            continue
        if name not in _TOLERANCE_FIELDS:
            errors.append(f"{path}.{name}: unknown field; a tolerance has {', '.join(_TOLERANCE_FIELDS)}")
        elif name == "mode":
            if value not in MODES:
                errors.append(f"{path}.mode: unknown mode {value!r}; use one of {', '.join(MODES)}")
            else:
                changes["mode"] = value
        elif name in ("digits", "min_sigfigs"):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 15:
                errors.append(f"{path}.{name}: expected a whole number from 0 to 15, got {value!r}")
            elif name == "digits" and value == 0 and raw.get("mode") == "sigfig":
                errors.append(f"{path}.digits: sigfig needs at least 1 digit")
            else:
                changes[name] = value
        else:
            number = _number(errors, value, f"{path}.{name}", minimum=0.0)
            if number is not None:
                changes[name] = number
    return replace(base, **changes)


def _step_selector_ok(selector: str, exercise: Exercise) -> bool:
    return selector in exercise.network.architecture.column_of or selector in KINDS


def parse_grading_options(exercise: Exercise) -> GradingOptions:
    """The exercise's grading options, or SpecError naming each bad field."""
    raw, errors = exercise.grading, []
    tolerance = Tolerance()
    step_tolerance: dict[str, Tolerance] = {}
    if "tolerance" in raw:
        tolerance = _tolerance(errors, raw["tolerance"], "tolerance", tolerance)
        per_step = raw["tolerance"].get("steps", {}) if isinstance(raw["tolerance"], Mapping) else {}
        if not isinstance(per_step, Mapping):
            errors.append("tolerance.steps: expected an object from step key (or kind, e.g. 'delta') to tolerance")
            per_step = {}
        for selector, rule in per_step.items():
            if not _step_selector_ok(selector, exercise):
                errors.append(f"tolerance.steps.{selector}: not a step key or kind of this exercise")
            else:
                step_tolerance[selector] = _tolerance(errors, rule, f"tolerance.steps.{selector}", tolerance)
    reveal = raw.get("reveal", "never")
    if reveal not in REVEAL_CHOICES:
        errors.append(f"reveal: expected one of {', '.join(REVEAL_CHOICES)}, got {reveal!r}")
    credit = raw.get("carried_forward_credit", 1.0)
    credit = _number(errors, credit, "carried_forward_credit", minimum=0.0, maximum=1.0)
    weights: dict[str, float] = {}
    raw_weights = raw.get("step_weights", {})
    if not isinstance(raw_weights, Mapping):
        errors.append("step_weights: expected an object from step key (or kind) to a weight")
    else:
        for selector, weight in raw_weights.items():
            if not _step_selector_ok(selector, exercise):
                errors.append(f"step_weights.{selector}: not a step key or kind of this exercise")
            else:
                number = _number(errors, weight, f"step_weights.{selector}", minimum=0.0)
                if number is not None:
                    weights[selector] = number
    if errors:
        raise SpecError(errors)
    options = GradingOptions(tolerance, step_tolerance, reveal, credit if credit is not None else 1.0, weights)
    if sum(options.weight_for(key) for key in exercise.steps) <= 0:
        raise SpecError(["step_weights: the steps asked must not all weigh 0"])
    return options


def validate_grading_options(exercise: Exercise) -> None:
    """Raise SpecError when the exercise's grading options are invalid."""
    parse_grading_options(exercise)


def tolerance_in_words(exercise: Exercise) -> str:
    """The exercise-wide accepted window in words (per-step rules are stated in their feedback)."""
    return parse_grading_options(exercise).tolerance.in_words()
