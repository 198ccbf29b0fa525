"""Reading an answer as the student typed it.

Accepted: decimals (``0.7595``, ``.735``, ``-1.3e-5``, ``1.3008E-05``), fractions (``3/4``) and
the Unicode minus. The count of significant figures typed is kept: the precision rule accepts
an answer that is the exact value rounded to the figures the student gave.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

ACCEPTED_FORMS = "a decimal number such as 0.7595, .735 or -1.3e-5, or a fraction such as 3/4"

_DECIMAL = re.compile(r"[+-]?(?P<int>\d*)(?:\.(?P<frac>\d*))?(?:[eE](?P<exp>[+-]?\d+))?")
_FRACTION = re.compile(r"(?P<num>[+-]?\d+)\s*/\s*(?P<den>[+-]?\d+)")
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-"})


@dataclass(frozen=True)
class Answer:
    """One parsed answer: ``value`` is None when missing or invalid (then ``problem`` says why)."""

    typed: str | None
    value: float | None = None
    significant_figures: int = 0  # 0: exact (a fraction) or not a number
    last_place: float = 0.0  # place value of the last digit typed: 0.001 for '.016'
    problem: str | None = None

    @property
    def missing(self) -> bool:
        return self.typed is None

    @property
    def valid(self) -> bool:
        return self.value is not None


MISSING = Answer(None)


def _significant_figures(integer_digits: str, fraction_digits: str) -> int:
    """Figures typed from the first non-zero digit on: '.016' -> 2, '1.150' -> 4, '0' -> 1."""
    digits = (integer_digits + fraction_digits).lstrip("0")
    return len(digits) if digits else 1


def _invalid(typed: str, why: str) -> Answer:
    return Answer(typed, problem=f"{why}; type {ACCEPTED_FORMS}")


def parse_answer(raw: object) -> Answer:
    """Parse one submitted value (a JSON number, a string as typed, or None for no answer)."""
    if raw is None:
        return MISSING
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        return _invalid(str(raw), f"{type(raw).__name__} is not a number")
    typed = raw if isinstance(raw, str) else repr(raw)
    text = typed.strip().translate(_MINUS_SIGNS).replace(" ", "")
    if not text:
        return MISSING
    match = _DECIMAL.fullmatch(text)
    if match and (match["int"] or match["frac"]):
        value = float(text)
        if not math.isfinite(value):
            return _invalid(typed, f"{typed!r} is too large to be a result")
        fraction = match["frac"] or ""
        exponent = int(match["exp"] or 0) - len(fraction)
        last_place = 10.0**exponent if -300 < exponent < 300 else 0.0
        return Answer(typed, value, _significant_figures(match["int"], fraction), last_place)
    match = _FRACTION.fullmatch(text)
    if match:
        denominator = int(match["den"])
        if denominator == 0:
            return _invalid(typed, f"{typed!r} divides by zero")
        try:
            return Answer(typed, int(match["num"]) / denominator, 0)
        except OverflowError:
            return _invalid(typed, f"{typed[:40]!r} is too large to be a result")
    return _invalid(typed, f"could not read {typed[:40]!r} as a number")
