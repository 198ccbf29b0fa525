"""Known wrong rules, recomputed from a student's own earlier values with the engine's operations.

Each rule gives, for the blocks of steps it concerns, the value a student applying that wrong
rule would get. The rules are tried in PRIORITY order and the first that matches names the
mistake; the order puts the most specific diagnosis first (a sign or a missing factor before a
wrong sum, a wrong sum before a dropped derivative).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ..engine import ACTIVATIONS, Architecture, NetworkBatch, ops
from ..engine.propagate import BlockId, local_derivative

Array = Any
Candidates = list[dict[BlockId, Array]]


@dataclass(frozen=True)
class RecomputeContext:
    """The settled values of a recomputation pass, to rebuild steps under a wrong rule."""

    architecture: Architecture
    batch: NetworkBatch
    settled: dict[BlockId, Array]
    from_output: Array
    xp: ModuleType

    def previous_output(self, number: int) -> Array:
        return self.batch.inputs if number == 1 else self.settled[("a", number - 1)]

    def derivative(self, number: int) -> Array:
        activation = ACTIVATIONS[self.architecture.layer(number).activation]
        z, a = self.settled[("z", number)], self.settled[("a", number)]
        return local_derivative(activation, z, a, from_output=self.from_output, xp=self.xp)

    def hidden_layers(self) -> range:
        return range(1, self.architecture.depth)


@dataclass(frozen=True)
class Misconception:
    code: str
    feedback: str
    rule: Callable[[RecomputeContext], Candidates]
    needs_training: bool = True


def _forgot_bias(context: RecomputeContext) -> Candidates:
    # z_j = sum_{i >= 1} w_ji y_i: the bias weight w_j0 (times the constant 1) left out
    xp, found = context.xp, {}
    for number, layer in enumerate(context.architecture.layers, start=1):
        if layer.bias:
            weights = context.batch.weights[number - 1][:, 1:]
            found[("z", number)] = ops.weighted_sum(weights, context.previous_output(number), xp=xp)
    return [found]


def _no_activation(context: RecomputeContext) -> Candidates:
    # a = z: the activation function never applied
    return [{("a", number): context.settled[("z", number)] for number in range(1, context.architecture.depth + 1)}]


def _error_sign(context: RecomputeContext) -> Candidates:
    # e = y - t, and the output delta built on it
    xp, top = context.xp, context.architecture.depth
    flipped = ops.output_error(context.settled[("a", top)], context.batch.target, xp=xp)
    delta = ops.output_local_gradient(flipped, context.derivative(top), xp=xp)
    return [{("e", None): flipped, ("delta", top): delta}]


def _hidden_deltas(
    context: RecomputeContext,
    derivative: Callable[[int], Array],
    weights: Callable[[int], Array],
    *,
    keep_bias: bool = True,
) -> dict[BlockId, Array]:
    """Hidden deltas with a substituted derivative or upper weights (the grid every delta rule shares)."""
    found = {}
    for number in context.hidden_layers():
        upper_bias = context.architecture.layer(number + 1).bias and keep_bias
        found[("delta", number)] = ops.hidden_local_gradient(
            derivative(number),
            context.settled[("delta", number + 1)],
            weights(number + 1),
            bias=upper_bias,
            xp=context.xp,
        )
    return found


def _upper_weights(context: RecomputeContext) -> Callable[[int], Array]:
    return lambda number: context.batch.weights[number - 1]


def _missing_derivative(context: RecomputeContext) -> Candidates:
    # delta = e (output) or sum_k delta_k w_kj (hidden): f'(z) left out
    xp, top = context.xp, context.architecture.depth
    error = context.settled[("e", None)]
    found = {("delta", top): ops.output_local_gradient(error, xp.ones_like(error), xp=xp)}
    found |= _hidden_deltas(context, lambda n: xp.ones_like(context.settled[("z", n)]), _upper_weights(context))
    return [found]


def _derivative_as_activation(context: RecomputeContext) -> Candidates:
    # delta uses f(z) = a where f'(z) belongs
    xp, top = context.xp, context.architecture.depth
    found = {
        ("delta", top): ops.output_local_gradient(context.settled[("e", None)], context.settled[("a", top)], xp=xp)
    }
    found |= _hidden_deltas(context, lambda n: context.settled[("a", n)], _upper_weights(context))
    return [found]


def _summed_all_weights(context: RecomputeContext) -> Candidates:
    # delta_j = f'(z_j) sum_k delta_k (sum_i w_ki): every weight into unit k, not just w_kj
    xp, architecture = context.xp, context.architecture

    def summed(include_bias: bool) -> Callable[[int], Array]:
        def weights(number: int) -> Array:
            all_weights = context.batch.weights[number - 1]
            from_units = all_weights if include_bias or not architecture.layer(number).bias else all_weights[:, 1:]
            total = from_units.sum(axis=1, keepdims=True)
            return xp.broadcast_to(total, (total.shape[0], architecture.layer(number - 1).units, total.shape[2]))

        return weights

    variants = [_hidden_deltas(context, context.derivative, summed(False), keep_bias=False)]
    if any(layer.bias for layer in architecture.layers[1:]):
        variants.append(_hidden_deltas(context, context.derivative, summed(True), keep_bias=False))
    return variants


def _updated_weights_used(context: RecomputeContext) -> Candidates:
    # deltas propagated through w + dw instead of the weights before the update
    return [_hidden_deltas(context, context.derivative, lambda number: context.settled[("w_new", number)])]


def _missing_learning_rate(context: RecomputeContext) -> Candidates:
    # Delta w_ji = delta_j y_i: alpha left out
    xp, found = context.xp, {}
    ones = xp.ones_like(context.batch.learning_rate)
    for number, layer in enumerate(context.architecture.layers, start=1):
        inputs = ops.layer_input(context.previous_output(number), bias=layer.bias, xp=xp)
        found[("dw", number)] = ops.weight_change(ones, context.settled[("delta", number)], inputs, xp=xp)
    return [found]


def _wrong_update_input(context: RecomputeContext) -> Candidates:
    # Delta w_ji = alpha delta_j a_j: the unit's own output used in place of the weight's input y_i
    xp, found = context.xp, {}
    for number, layer in enumerate(context.architecture.layers, start=1):
        own = context.settled[("delta", number)] * context.settled[("a", number)]
        ones = xp.ones((layer.columns, *own.shape[1:]), dtype=own.dtype)
        found[("dw", number)] = ops.weight_change(context.batch.learning_rate, own, ones, xp=xp)
    return [found]


def _new_weight_sign(context: RecomputeContext) -> Candidates:
    # w' = w - Delta w: the change subtracted although delta already carries the minus of -dE/dz
    found = {}
    for number in range(1, context.architecture.depth + 1):
        change = context.settled[("dw", number)]
        found[("w_new", number)] = ops.new_weight(context.batch.weights[number - 1], -change, xp=context.xp)
    return [found]


PRIORITY: tuple[Misconception, ...] = (
    Misconception(
        "error_sign",
        "The error has the wrong sign: it is e = t - y (target minus output), not y - t.",
        _error_sign,
    ),
    Misconception(
        "forgot_bias",
        "The bias is missing from this weighted sum: z = w_0 * 1 + sum_i w_i x_i includes the bias weight "
        "times the constant 1.",
        _forgot_bias,
        needs_training=False,
    ),
    Misconception(
        "no_activation",
        "This is the weighted sum itself; the output applies the activation to it: a = f(z).",
        _no_activation,
        needs_training=False,
    ),
    Misconception(
        "missing_learning_rate",
        "The learning rate is missing: Delta w = alpha * delta * y_i.",
        _missing_learning_rate,
    ),
    Misconception(
        "new_weight_sign",
        "The change was subtracted: the new weight is w + Delta w (delta is already -dE/dz, so the step goes "
        "downhill).",
        _new_weight_sign,
    ),
    Misconception(
        "wrong_update_input",
        "The weight change used the unit's own output; it uses the weight's input y_i: Delta w_ji = alpha * "
        "delta_j * y_i (y_0 = 1 for the bias).",
        _wrong_update_input,
    ),
    Misconception(
        "summed_all_weights",
        "This sums every weight into the unit above; a hidden delta uses only the weight from this unit to "
        "each unit above: delta_j = f'(z_j) * sum_k delta_k * w_kj.",
        _summed_all_weights,
    ),
    Misconception(
        "updated_weights_used",
        "The deltas were passed back through the updated weights; use the weights before the update: delta_j "
        "= f'(z_j) * sum_k delta_k * w_kj (old w).",
        _updated_weights_used,
    ),
    Misconception(
        "missing_derivative",
        "The derivative of the activation is missing: delta = e * f'(z) at the output, f'(z_j) * sum_k "
        "delta_k w_kj below.",
        _missing_derivative,
    ),
    Misconception(
        "derivative_as_activation",
        "The activation f(z) was used where its derivative belongs: for the sigmoid f'(z) = a * (1 - a), not a.",
        _derivative_as_activation,
    ),
)

BY_CODE = {misconception.code: misconception for misconception in PRIORITY}
