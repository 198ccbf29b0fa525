"""Each tolerance mode and the precision rule, on arrays."""

import numpy
import pytest

from service.grading import Tolerance
from service.grading.tolerance import round_to_figures


def accepts(rule: Tolerance, submitted: float, expected: float, figures: int = 6) -> bool:
    result = rule.accepts(numpy.array([submitted]), numpy.array([expected]), numpy.array([figures]), xp=numpy)
    return bool(result[0])


@pytest.mark.parametrize(
    ("rule", "submitted", "expected", "verdict"),
    [
        (Tolerance(), 0.7595, 0.7595109, True),
        (Tolerance(), 0.813, 0.8204, True),  # 0.9 % off: within 1 %
        (Tolerance(), 0.735, 0.7595, False),
        (Tolerance(mode="rel", rtol=0.001), 1.001, 1.0, True),
        (Tolerance(mode="rel", rtol=0.001), 1.0011, 1.0, False),
        (Tolerance(mode="abs", atol=0.01), 0.109, 0.1, True),
        (Tolerance(mode="abs", atol=0.01), 0.111, 0.1, False),
        (Tolerance(mode="sigfig", digits=3), 0.0153, 0.01528, True),
        (Tolerance(mode="sigfig", digits=3), 0.0154, 0.01528, False),
        (Tolerance(mode="decimals", digits=2), 1.52, 1.519, True),
        (Tolerance(mode="decimals", digits=2), 1.53, 1.519, False),
        (Tolerance(atol=1e-8), 5e-9, 0.0, True),
        (Tolerance(atol=1e-8), 2e-8, 0.0, False),
    ],
)
def test_modes(rule, submitted, expected, verdict):
    assert accepts(Tolerance(**{**rule.__dict__, "min_sigfigs": 0}), submitted, expected) is verdict


def test_precision_rule_accepts_the_value_rounded_to_the_figures_typed():
    rule = Tolerance()
    assert accepts(rule, 0.015, 0.0152804, figures=2)  # 1.8 % off, but .015 is the value to 2 figures
    assert not accepts(rule, 0.016, 0.0152804, figures=2)
    assert not accepts(rule, 0.02, 0.0152804, figures=1)  # one figure is below min_sigfigs
    assert not accepts(Tolerance(min_sigfigs=0), 0.015, 0.0152804, figures=2)


def test_round_to_figures_rounds_half_away_from_zero():
    values = numpy.array([0.0152804, -2.345, 1.25, 0.0])
    rounded = round_to_figures(values, numpy.array([2, 3, 2, 2]), xp=numpy)
    numpy.testing.assert_allclose(rounded, [0.015, -2.35, 1.3, 0.0])


def test_nan_is_never_accepted():
    assert not accepts(Tolerance(), float("nan"), 1.0)
    assert not accepts(Tolerance(), 1.0, float("nan"))


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        (Tolerance(min_sigfigs=0), "within 1% of the value"),
        (Tolerance(mode="abs", atol=0.005, min_sigfigs=0), "within 0.005 of the value"),
        (Tolerance(mode="sigfig", digits=3, min_sigfigs=0), "correct to 3 significant figures"),
        (Tolerance(mode="decimals", digits=4, min_sigfigs=0), "correct to 4 decimal places"),
    ],
)
def test_window_in_words(rule, words):
    assert rule.in_words() == words
