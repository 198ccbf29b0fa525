"""The engine's entry points: stack exercises into a batch, solve it, read values by step key.

Host arrays go in and come out; the device (if any) is used between, chosen by the size of the
work. A single exercise is a batch of one.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy

from .architecture import Architecture
from .backend import Backend, current_backend, to_device, to_host
from .propagate import NetworkBatch, Trace, propagate
from .spec import Exercise, Network

Array = Any


def stack_networks(networks: Sequence[Network], *, xp: ModuleType) -> NetworkBatch:
    """Stack exercises of one architecture on the last (batch) axis and move them to ``xp``."""
    architecture = networks[0].architecture
    if any(network.architecture != architecture for network in networks):
        raise ValueError("a batch holds exercises of one architecture only")

    def stacked(arrays: Sequence[numpy.ndarray]) -> Array:
        # one exercise: a view with a batch axis of one (numpy.stack would copy, at some µs a call)
        return to_device(arrays[0][..., None] if len(arrays) == 1 else numpy.stack(arrays, axis=-1), xp=xp)

    trained = architecture.trained
    return NetworkBatch(
        architecture,
        stacked([network.inputs for network in networks]),
        [stacked([network.weights[index] for network in networks]) for index in range(architecture.depth)],
        stacked([network.target for network in networks]) if trained else None,
        to_device(numpy.array([network.learning_rate for network in networks], dtype=numpy.float64), xp=xp)
        if trained
        else None,
    )


def work_size(architecture: Architecture, batch_size: int) -> int:
    """Multiply-adds of one training step on ``batch_size`` exercises: what dispatch weighs."""
    return batch_size * architecture.weight_count * 4


def solve_batch(batch: NetworkBatch, *, xp: ModuleType) -> Trace:
    """Every value of one training step for a batch already on ``xp``'s device."""
    return propagate(batch, xp=xp)


def solve_networks(networks: Sequence[Network], *, backend: Backend | None = None) -> numpy.ndarray:
    """Reference values of exercises of one architecture, as a host (steps, B) matrix."""
    backend = backend or current_backend()
    architecture = networks[0].architecture
    xp = backend.module_for(work_size(architecture, len(networks)))
    trace = solve_batch(stack_networks(networks, xp=xp), xp=xp)
    return to_host(trace.settled_matrix)


def solve(exercise: Exercise | Network, *, backend: Backend | None = None) -> dict[str, float]:
    """Every step key of one exercise mapped to its exact (float64) value."""
    network = exercise.network if isinstance(exercise, Exercise) else exercise
    values = solve_networks([network], backend=backend)[:, 0]
    return dict(zip(network.architecture.step_keys, values.tolist()))
