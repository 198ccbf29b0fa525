"""The numerical engine: one training step of a small network, batched, on NumPy or CuPy.

It knows nothing of HTTP, JSON or databases: plain data and arrays in, plain data and arrays out.
"""

from .activations import ACTIVATIONS, Activation
from .architecture import KIND_NAMES, KINDS, Architecture, Block, LayerShape, step_indices, step_kind
from .backend import Backend, BackendUnavailable, current_backend, select_backend, to_device, to_host, use_backend
from .builtin import builtin_exercise_ids, builtin_spec
from .propagate import Given, NetworkBatch, Trace, blocks_of, propagate
from .solve import solve, solve_batch, solve_networks, stack_networks, work_size
from .spec import Exercise, Limits, Network, SpecError, parse_exercise

__all__ = [
    "ACTIVATIONS",
    "KINDS",
    "KIND_NAMES",
    "Activation",
    "Architecture",
    "Backend",
    "BackendUnavailable",
    "Block",
    "Exercise",
    "Given",
    "LayerShape",
    "Limits",
    "Network",
    "NetworkBatch",
    "SpecError",
    "Trace",
    "blocks_of",
    "builtin_exercise_ids",
    "builtin_spec",
    "current_backend",
    "parse_exercise",
    "propagate",
    "select_backend",
    "solve",
    "solve_batch",
    "solve_networks",
    "stack_networks",
    "step_indices",
    "step_kind",
    "to_device",
    "to_host",
    "use_backend",
    "work_size",
]
