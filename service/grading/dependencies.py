"""Which steps each step is computed from: the graph behind error carried forward."""

from __future__ import annotations

from functools import cache

import numpy

from ..engine import Architecture


def _direct_inputs(architecture: Architecture, key: str) -> list[str]:
    kind, *numbers = key.split(".")
    top = architecture.depth
    if kind == "z":
        number = numbers and int(numbers[0])
        return [] if number == 1 else _units("a", number - 1, architecture)
    if kind == "a":
        return [f"z.{numbers[0]}.{numbers[1]}"]
    if kind == "e":
        return [f"a.{top}.{numbers[0]}"]
    if kind == "loss":
        return [f"e.{k}" for k in range(1, architecture.n_outputs + 1)]
    if kind == "delta":
        number, unit = int(numbers[0]), numbers[1]
        own = [f"z.{number}.{unit}", f"a.{number}.{unit}"]
        if number == top:
            return [f"e.{unit}", *own]
        return _units("delta", number + 1, architecture) + own
    if kind == "dw":
        number, unit, index = (int(n) for n in numbers)
        feeds = [f"a.{number - 1}.{index}"] if number > 1 and index > 0 else []
        return [f"delta.{number}.{unit}", *feeds]
    return [f"dw.{'.'.join(numbers)}"]  # w_new


def _units(kind: str, number: int, architecture: Architecture) -> list[str]:
    return [f"{kind}.{number}.{j}" for j in range(1, architecture.layer(number).units + 1)]


@cache
def direct_inputs(architecture: Architecture) -> dict[str, tuple[str, ...]]:
    """Step key -> the step keys its value is computed from (one step back, not further)."""
    return {key: tuple(_direct_inputs(architecture, key)) for key in architecture.step_keys}


@cache
def input_matrix(architecture: Architecture) -> numpy.ndarray:
    """(steps, steps) 0/1: row s has a 1 in the column of each direct input of step s."""
    column_of, keys = architecture.column_of, architecture.step_keys
    matrix = numpy.zeros((len(keys), len(keys)))
    for row, key in enumerate(keys):
        for upstream in direct_inputs(architecture)[key]:
            matrix[row, column_of[upstream]] = 1.0
    return matrix
