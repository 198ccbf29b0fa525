"""The local operations of one training step, batched, each beside its backward rule.

Every function is pure and takes whole arrays whose LAST axis is the batch of B exercises:
``inputs`` (n, B), ``weights`` (units, columns, B) where ``columns`` = n + 1 with a bias (the
bias weight w_j0 is column 0) and n without. The batch is last so that every operation runs
along contiguous runs of length B: these layers are a few units wide, and numpy's inner loops
over 3 or 4 elements cost 2-3 times more (docs/performance.md).

The reference solution, the error carried forward and the misconceptions are all these
functions, called with different arguments: there is no second implementation of the maths.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

Array = Any


def layer_input(previous_output: Array, *, bias: bool, xp: ModuleType) -> Array:
    """y = (1, y_1..y_n) with a bias, (y_1..y_n) without: the values the weights multiply."""
    if not bias:
        return previous_output
    # written in place rather than concatenated: a few NumPy calls fewer on a single exercise
    inputs = xp.empty((previous_output.shape[0] + 1, *previous_output.shape[1:]), dtype=previous_output.dtype)
    inputs[0] = 1.0
    inputs[1:] = previous_output
    return inputs


def weighted_sum(weights: Array, inputs: Array, *, xp: ModuleType) -> Array:
    """z_j = sum_i w_ji y_i   (backward: dz_j/dw_ji = y_i, dz_j/dy_i = w_ji)."""
    return xp.einsum("jib,ib->jb", weights, inputs)


def output_error(target: Array, output: Array, *, xp: ModuleType) -> Array:
    """e_k = t_k - y_k   (backward: de_k/dy_k = -1)."""
    return target - output


def squared_error(error: Array, *, xp: ModuleType) -> Array:
    """E = 1/2 sum_k e_k^2   (backward: dE/de_k = e_k)."""
    return 0.5 * (error * error).sum(axis=0)


def output_local_gradient(error: Array, derivative: Array, *, xp: ModuleType) -> Array:
    """delta_k = -dE/dz_k = e_k f'(z_k)   (chain: dE/de_k = e_k, de_k/dy_k = -1, dy_k/dz_k = f')."""
    return error * derivative


def hidden_local_gradient(
    derivative: Array, upper_local_gradient: Array, upper_weights: Array, *, bias: bool, xp: ModuleType
) -> Array:
    """delta_j = f'(z_j) sum_k delta_k w_kj, with w_kj the weight from unit j to unit k above.

    ``upper_weights`` are the layer above's (K, columns, B); its bias column (if ``bias``) does
    not connect to a unit of this layer and is skipped.
    """
    from_units = upper_weights[:, 1:] if bias else upper_weights
    return derivative * xp.einsum("kb,kjb->jb", upper_local_gradient, from_units)


def weight_change(learning_rate: Array, local_gradient: Array, inputs: Array, *, xp: ModuleType) -> Array:
    """Delta w_ji = alpha delta_j y_i   (gradient descent: -alpha dE/dw_ji, dE/dw_ji = -delta_j y_i)."""
    return (learning_rate * local_gradient)[:, None] * inputs[None]


def new_weight(weights: Array, change: Array, *, xp: ModuleType) -> Array:
    """w' = w + Delta w."""
    return weights + change
