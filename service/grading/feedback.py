"""Sentences for a student: the rule of each kind of step, and what a verdict means."""

from __future__ import annotations

from ..engine import ACTIVATIONS, Architecture
from .parse import ACCEPTED_FORMS


def formula(architecture: Architecture, key: str) -> str:
    """The rule that computes a step, in the notebook's notation."""
    kind, *numbers = key.split(".")
    if kind == "z":
        number = int(numbers[0])
        bias = " (with y_0 = 1 for the bias)" if architecture.layer(number).bias else ""
        source = "the inputs x_i" if number == 1 else f"the outputs of layer {number - 1}"
        return f"z = sum_i w_i * y_i over {source}{bias}."
    if kind == "a":
        activation = ACTIVATIONS[architecture.layer(int(numbers[0])).activation]
        return f"a = f(z) with the {activation.name}: {activation.formula}."
    if kind == "e":
        return "e = t - y: the target minus the network's output."
    if kind == "loss":
        return "E = 1/2 * sum_k e_k^2."
    if kind == "delta":
        number = int(numbers[0])
        derivative = ACTIVATIONS[architecture.layer(number).activation].derivative_formula
        if number == architecture.depth:
            return f"delta = e * f'(z), with {derivative}."
        return (
            f"delta_j = f'(z_j) * sum_k delta_k * w_kj, summing over the units k of layer {number + 1} "
            f"with the weights before the update, and {derivative}."
        )
    if kind == "dw":
        return "Delta w_ji = alpha * delta_j * y_i, where y_i is the weight's input (y_0 = 1 for the bias)."
    return "w_new = w + Delta w."


def correct(window: str) -> str:
    return f"Correct ({window})."


def carried_forward(upstream: list[str]) -> str:
    if not upstream:
        return "Not the exact value, but right from your own rounded earlier values: credit is carried forward."
    named = ", ".join(upstream)
    return (
        f"Not the exact value, but right from your own earlier answer{'s' if len(upstream) > 1 else ''} "
        f"({named}): credit is carried forward."
    )


def degenerate(upstream: list[str]) -> str:
    named = ", ".join(upstream)
    return (
        f"This follows from your earlier answer {named}, but that answer is 0, next to nothing or exactly 0 or 1 "
        "where the true value is not (or is itself built on such an answer), which makes this step trivial, so "
        "no credit is carried forward. Work the earlier step out first."
    )


def incorrect(window: str, rule: str) -> str:
    return f"Not {window}. The rule: {rule}"


def misconception(text: str, rule: str) -> str:
    return f"{text} The rule: {rule}"


def missing() -> str:
    return "No answer given."


def invalid(problem: str | None) -> str:
    return f"Could not be graded: {problem or 'not a number'}." if problem else f"Type {ACCEPTED_FORMS}."
