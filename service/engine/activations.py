"""Activation functions, each written beside its derivative.

The derivative is offered two ways because students compute it two ways: from the weighted
sum z (``derivative``) or from the unit's output a (``derivative_from_output``, e.g. the
sigmoid's a(1 - a)). The grader accepts either reading of a student's own numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

Array = Any


@dataclass(frozen=True)
class Activation:
    """One activation f with f'(z) and f' read from the output a = f(z)."""

    name: str
    formula: str
    derivative_formula: str
    _value: Callable[..., Array]
    _derivative_from_output: Callable[..., Array]
    _derivative: Callable[..., Array]

    def value(self, weighted_sum: Array, *, xp: ModuleType) -> Array:
        return self._value(weighted_sum, xp)

    def derivative(self, weighted_sum: Array, *, xp: ModuleType) -> Array:
        """f'(z), computed from the weighted sum."""
        return self._derivative(weighted_sum, xp)

    def derivative_from_output(self, output: Array, *, xp: ModuleType) -> Array:
        """f'(z) written in terms of a = f(z)."""
        return self._derivative_from_output(output, xp)


_SIGMOID_FLOOR = -708.0


def _sigmoid(z: Array, xp: ModuleType) -> Array:
    # a = 1 / (1 + e^-z). Below z = -708, e^-z would overflow; there a < 3.3e-308 and the
    # clipped value differs from the true one by less than the smallest normal float.
    return 1.0 / (1.0 + xp.exp(-xp.maximum(z, _SIGMOID_FLOOR)))


def _sigmoid_derivative_from_output(a: Array, xp: ModuleType) -> Array:
    # da/dz = a (1 - a)
    return a * (1.0 - a)


def _tanh_derivative_from_output(a: Array, xp: ModuleType) -> Array:
    # d tanh(z)/dz = 1 - tanh(z)^2 = 1 - a^2
    return 1.0 - a * a


def _relu(z: Array, xp: ModuleType) -> Array:
    # a = max(0, z)
    return xp.maximum(z, 0.0)


def _relu_derivative(z: Array, xp: ModuleType) -> Array:
    # da/dz = 1 for z > 0, else 0 (the convention at z = 0 is 0)
    return (z > 0).astype(z.dtype)


def _linear_derivative(x: Array, xp: ModuleType) -> Array:
    # a = z, da/dz = 1
    return xp.ones_like(x)


SIGMOID = Activation(
    "sigmoid",
    "a = 1 / (1 + e^(-z))",
    "f'(z) = a (1 - a)",
    _sigmoid,
    _sigmoid_derivative_from_output,
    lambda z, xp: _sigmoid_derivative_from_output(_sigmoid(z, xp), xp),
)
TANH = Activation(
    "tanh",
    "a = tanh(z)",
    "f'(z) = 1 - a^2",
    lambda z, xp: xp.tanh(z),
    _tanh_derivative_from_output,
    lambda z, xp: _tanh_derivative_from_output(xp.tanh(z), xp),
)
RELU = Activation(
    "relu",
    "a = max(0, z)",
    "f'(z) = 1 if z > 0 else 0",
    _relu,
    _relu_derivative,
    _relu_derivative,
)
LINEAR = Activation(
    "linear",
    "a = z",
    "f'(z) = 1",
    lambda z, xp: z,
    _linear_derivative,
    _linear_derivative,
)

ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (SIGMOID, TANH, RELU, LINEAR)}
