"""Random networks for the engine and grader tests."""

from __future__ import annotations

import importlib

import numpy
import pytest

from service.engine import ACTIVATIONS

# the package exports the function propagate under the module's name: look the module up
_PROPAGATE = importlib.import_module("service.engine.propagate")


def build_step_matrix_as_computed_from(monkeypatch: pytest.MonkeyPatch, size_in_bytes: int) -> None:
    """Move the size from which propagate writes the step matrix as it computes (1: always;
    a huge size: never, the values are joined at the end). See WRITE_AS_COMPUTED_FROM_BYTES."""
    monkeypatch.setattr(_PROPAGATE, "WRITE_AS_COMPUTED_FROM_BYTES", size_in_bytes)


def random_spec(rng: numpy.random.Generator, *, activations: tuple[str, ...] = tuple(ACTIVATIONS)) -> dict:
    """A random trained network: 1-4 inputs, 1-3 layers of 1-4 units, any activation and bias."""
    n_inputs = int(rng.integers(1, 5))
    layers, fan_in = [], n_inputs
    for _ in range(int(rng.integers(1, 4))):
        units, bias = int(rng.integers(1, 5)), bool(rng.integers(0, 2))
        weights = rng.uniform(-1.5, 1.5, size=(units, fan_in + bias)).round(3).tolist()
        layers.append({"activation": str(rng.choice(activations)), "bias": bias, "weights": weights})
        fan_in = units
    return {
        "title": "random",
        "inputs": rng.uniform(-2, 2, size=n_inputs).round(3).tolist(),
        "layers": layers,
        "target": rng.uniform(-1, 1, size=fan_in).round(3).tolist(),
        "learning_rate": float(rng.choice([0.5, 0.1, 0.01])),
    }
