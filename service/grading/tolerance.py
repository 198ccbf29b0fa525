"""When a submitted number counts as the expected one, vectorised over whole step matrices.

Modes: ``relabs`` |s - e| <= atol + rtol |e| (the default, PrairieLearn's rtol 1e-2 and atol
1e-8), ``rel``, ``abs``, ``sigfig`` (agrees to n significant figures) and ``decimals`` (to n
places). On top of any mode, the precision rule: a student who typed k >= ``min_sigfigs``
significant figures is also right when the expected value, rounded to k figures, is what
they typed. Students round, and the notebook itself does.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

Array = Any
MODES = ("relabs", "rel", "abs", "sigfig", "decimals")


@dataclass(frozen=True)
class Tolerance:
    mode: str = "relabs"
    rtol: float = 1e-2
    atol: float = 1e-8
    digits: int = 3
    min_sigfigs: int = 2

    def in_words(self, *, with_rounding: bool = True, of: str = "the value") -> str:
        """The accepted window for a student: 'within 1% of the value'."""
        if self.mode in {"relabs", "rel"}:
            words = f"within {_percent(self.rtol)} of {of}"
        elif self.mode == "abs":
            words = f"within {self.atol:g} of {of}"
        elif self.mode == "sigfig":
            words = f"correct to {self.digits} significant figures"
        else:
            words = f"correct to {self.digits} decimal places"
        if with_rounding and self.min_sigfigs:
            words += f", or the exact value rounded to the significant figures you type (at least {self.min_sigfigs})"
        return words

    def window(self, expected: Array, *, xp: ModuleType) -> Array:
        """The largest |submitted - expected| accepted, elementwise."""
        magnitude = xp.abs(expected)
        if self.mode == "relabs":
            return self.atol + self.rtol * magnitude
        if self.mode == "rel":
            return self.rtol * magnitude
        if self.mode == "abs":
            return xp.full_like(expected, self.atol)
        if self.mode == "sigfig":
            return 0.5 * _unit_of_last_figure(magnitude, self.digits, xp=xp)
        return xp.full_like(expected, 0.5 * 10.0 ** (-self.digits))

    def rounding_window(self, figures: Array, last_place: Array, *, xp: ModuleType) -> Array:
        """Per submitted value, the half unit of its last typed digit where the precision rule applies.

        The expected value rounded to the student's k figures equals what they typed exactly when
        it lies within half a unit of the last digit they typed (0.0005 around '.016'). Where the
        rule does not apply (too few figures, a fraction, the rule off) the window is -1: never.
        """
        applies = (
            (figures >= self.min_sigfigs) & (figures > 0)
            if self.min_sigfigs > 0
            else xp.zeros_like(figures, dtype=bool)
        )
        return xp.where(applies, 0.5 * last_place * (1 + 1e-9), -1.0)

    def accepts(self, submitted: Array, expected: Array, rounding_window: Array, *, xp: ModuleType) -> Array:
        """Elementwise: is ``submitted`` right for ``expected``? NaN on either side is never right."""
        slack = 1e-12 * xp.abs(expected)  # float noise in the reference must not flip a verdict
        distance = xp.abs(submitted - expected)
        accepted = (distance <= self.window(expected, xp=xp) + slack) | (distance <= rounding_window)
        return accepted & xp.isfinite(expected)


def _percent(fraction: float) -> str:
    return f"{fraction * 100:g}%"


def _unit_of_last_figure(magnitude: Array, figures: Array | int, *, xp: ModuleType) -> Array:
    """10^(exponent of the leading digit - figures + 1): the place value of the last figure kept."""
    safe = xp.where(magnitude > 0, magnitude, 1.0)
    return 10.0 ** (xp.floor(xp.log10(safe)) - figures + 1)
