"""Activation functions, each forward step written beside its derivative.

The derivative is offered two ways because students compute it two ways: from the weighted
sum z (``derivative``, computed without cancellation so the reference stays exact where a unit
saturates) or from the unit's output a (``derivative_from_output``, e.g. the sigmoid's
a(1 - a)). The grader accepts either reading of a student's own numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

Array = Any


@dataclass(frozen=True)
class Activation:
    """One activation f: a = f(z) together with f'(z), and f' read from the output a."""

    name: str
    formula: str
    derivative_formula: str
    _value_and_derivative: Callable[..., tuple[Array, Array]]
    _derivative_from_output: Callable[..., Array]

    def value_and_derivative(self, weighted_sum: Array, *, xp: ModuleType) -> tuple[Array, Array]:
        """(f(z), f'(z)) in one pass: the forward step and the local derivative backprop needs."""
        return self._value_and_derivative(weighted_sum, xp)

    def value(self, weighted_sum: Array, *, xp: ModuleType) -> Array:
        return self._value_and_derivative(weighted_sum, xp)[0]

    def derivative(self, weighted_sum: Array, *, xp: ModuleType) -> Array:
        """f'(z), computed from the weighted sum."""
        return self._value_and_derivative(weighted_sum, xp)[1]

    def derivative_from_output(self, output: Array, *, xp: ModuleType) -> Array:
        """f'(z) written in terms of a = f(z), as students write it."""
        return self._derivative_from_output(output, xp)


# Below z = -708, e^-z would overflow; there a < 3.3e-308 and the clipped value differs from
# the true one by less than the smallest normal float.
_SIGMOID_FLOOR = -708.0


def _sigmoid(z: Array, xp: ModuleType) -> tuple[Array, Array]:
    # a = 1 / (1 + e^-z);  da/dz = e^-z / (1 + e^-z)^2 = a^2 e^-z  (= a (1 - a) without the
    # cancellation of 1 - a when a is within a rounding error of 1)
    exp_neg = xp.exp(-xp.maximum(z, _SIGMOID_FLOOR))
    a = 1.0 / (1.0 + exp_neg)
    return a, a * a * exp_neg


def _sigmoid_derivative_from_output(a: Array, xp: ModuleType) -> Array:
    # da/dz = a (1 - a)
    return a * (1.0 - a)


def _tanh(z: Array, xp: ModuleType) -> tuple[Array, Array]:
    # a = tanh(z);  da/dz = 1 - tanh(z)^2 = sech(z)^2 = 4 t / (1 + t)^2 with t = e^(-2|z|),
    # exact where 1 - a^2 would cancel
    t = xp.exp(-2.0 * xp.abs(z))
    return xp.tanh(z), 4.0 * t / ((1.0 + t) * (1.0 + t))


def _tanh_derivative_from_output(a: Array, xp: ModuleType) -> Array:
    # da/dz = 1 - a^2
    return 1.0 - a * a


def _relu(z: Array, xp: ModuleType) -> tuple[Array, Array]:
    # a = max(0, z);  da/dz = 1 for z > 0, else 0 (the convention at z = 0 is 0)
    return xp.maximum(z, 0.0), _relu_derivative_from_output(z, xp)


def _relu_derivative_from_output(a: Array, xp: ModuleType) -> Array:
    # a > 0 exactly when z > 0
    return (a > 0).astype(a.dtype)


def _linear(z: Array, xp: ModuleType) -> tuple[Array, Array]:
    # a = z;  da/dz = 1
    return z, xp.ones_like(z)


def _linear_derivative_from_output(a: Array, xp: ModuleType) -> Array:
    return xp.ones_like(a)


SIGMOID = Activation("sigmoid", "a = 1 / (1 + e^(-z))", "f'(z) = a (1 - a)", _sigmoid, _sigmoid_derivative_from_output)
TANH = Activation("tanh", "a = tanh(z)", "f'(z) = 1 - a^2", _tanh, _tanh_derivative_from_output)
RELU = Activation("relu", "a = max(0, z)", "f'(z) = 1 if z > 0 else 0", _relu, _relu_derivative_from_output)
LINEAR = Activation("linear", "a = z", "f'(z) = 1", _linear, _linear_derivative_from_output)

ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (SIGMOID, TANH, RELU, LINEAR)}
