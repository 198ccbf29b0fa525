"""Each tolerance mode and the precision rule, on arrays."""

import numpy
import pytest

from service.grading import Tolerance, parse_answer


def accepts(rule: Tolerance, submitted: str | float, expected: float) -> bool:
    answer = parse_answer(submitted if isinstance(submitted, str) else repr(submitted))
    window = rule.rounding_window(numpy.array([answer.significant_figures]), numpy.array([answer.last_place]), xp=numpy)
    result = rule.accepts(numpy.array([answer.value]), numpy.array([expected]), window, xp=numpy)
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
    assert accepts(rule, ".015", 0.0152804)  # 1.8 % off, but .015 is the value to 2 figures
    assert accepts(rule, "1.5e-2", 0.0152804)
    assert not accepts(rule, ".016", 0.0152804)
    assert not accepts(rule, ".02", 0.0152804)  # one figure is below min_sigfigs
    assert not accepts(Tolerance(min_sigfigs=0), ".015", 0.0152804)
    strict = Tolerance(rtol=1e-6, atol=0.0)
    assert accepts(strict, "0.10", 0.0996)  # rounding across a power of ten
    assert not accepts(strict, "0.099", 0.0996)
    assert accepts(strict, "1.3008E-05", 1.30084e-05)
    assert not accepts(strict, "1.3008E-05", 1.30086e-05)
    assert not accepts(strict, "3/4", 0.7501)  # a fraction is exact: no rounding to credit


def test_nan_is_never_accepted():
    rule, window = Tolerance(), numpy.array([0.5, 0.5])
    verdicts = rule.accepts(numpy.array([numpy.nan, 1.0]), numpy.array([1.0, numpy.nan]), window, xp=numpy)
    assert verdicts.tolist() == [False, False]


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
