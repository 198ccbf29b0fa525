"""Reading answers as students type them."""

import pytest

from service.grading import parse_answer


@pytest.mark.parametrize(
    ("typed", "value", "figures"),
    [
        ("0.7595", 0.7595, 4),
        (".735", 0.735, 3),
        ("-1.3e-5", -1.3e-5, 2),
        ("1.3008E-05", 1.3008e-05, 5),
        ("\u22120.6", -0.6, 1),
        ("  1.150 ", 1.15, 4),
        ("3/4", 0.75, 0),
        ("-3 / 4", -0.75, 0),
        ("0", 0.0, 1),
        ("12", 12.0, 2),
        (0.016, 0.016, 2),
        (2, 2.0, 1),
    ],
)
def test_accepted_forms(typed, value, figures):
    answer = parse_answer(typed)
    assert answer.valid and answer.problem is None
    assert answer.value == pytest.approx(value, rel=1e-15)
    assert answer.significant_figures == figures
    assert answer.typed == (typed if isinstance(typed, str) else repr(typed))


@pytest.mark.parametrize(
    "typed",
    [
        "abc",
        "NaN",
        "inf",
        "-Infinity",
        "1+2",
        "sigma(1.15)",
        "1/0",
        "1e999",
        "0x10",
        "1,5",
        ".",
        "e5",
        "9" * 400 + "/1",
    ],
)
def test_rejected_forms_say_what_is_accepted(typed):
    answer = parse_answer(typed)
    assert not answer.valid and not answer.missing
    assert "3/4" in answer.problem and "0.7595" in answer.problem


@pytest.mark.parametrize("typed", [None, "", "   "])
def test_blank_is_missing(typed):
    assert parse_answer(typed).missing


@pytest.mark.parametrize("typed", [True, [1], {"a": 1}, float("nan")])
def test_non_numbers_are_invalid(typed):
    assert not parse_answer(typed).valid
