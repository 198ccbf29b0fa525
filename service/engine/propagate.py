"""Forward pass and backprop of one training step, for a batch of exercises at once.

One function serves the reference solution and the grader's recomputations: with no student
values it is the plain training step; with ``given`` values it recomputes each step from the
values a student gave for its direct inputs (error carried forward). Each quantity is settled
in turn: ``computed`` is what the local operation gives from the settled inputs, ``settled`` is
the value later steps build on (the student's where given, else the fallback or the computed).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

from . import ops
from .activations import ACTIVATIONS, Activation
from .architecture import Architecture

Array = Any
BlockId = tuple[str, int | None]  # ("z", 2), ("e", None), ...


@dataclass
class NetworkBatch:
    """B exercises of one architecture, stacked on the last axis, on one device."""

    architecture: Architecture
    inputs: Array  # (n, B)
    weights: list[Array]  # layer L at [L-1]: (units, columns, B)
    target: Array | None  # (K, B)
    learning_rate: Array | None  # (B,)

    @property
    def size(self) -> int:
        return int(self.inputs.shape[-1])

    def broadcast(self, times: int, *, xp: ModuleType) -> NetworkBatch:
        """A batch of one exercise seen ``times`` over, without copies (stride-0 views)."""
        if self.size != 1:
            raise ValueError("only a batch of one exercise can be broadcast")

        def spread(array: Array | None) -> Array | None:
            return None if array is None else xp.broadcast_to(array, (*array.shape[:-1], times))

        return NetworkBatch(
            self.architecture,
            spread(self.inputs),
            [spread(w) for w in self.weights],
            spread(self.target),
            spread(self.learning_rate),
        )


@dataclass
class Given:
    """Values given in place of computed ones (a student's answers), per block, with a mask.

    Where a student gave no value, a batch column uses ``fallback`` (e.g. the reference) when
    its ``fallback_columns`` entry is true, else the value computed from the settled inputs
    (the student's own chain). ``from_output`` (B,) bool chooses, per column, whether f'(z) is
    read from the settled output a (true) or from the settled weighted sum z (false).
    """

    values: dict[BlockId, Array]
    mask: dict[BlockId, Array]
    fallback: dict[BlockId, Array] | None = None
    fallback_columns: Array | None = None
    from_output: Array | None = None


@dataclass
class Trace:
    """Every quantity of a training step, per block: the block's shape + (B,)."""

    computed: dict[BlockId, Array]
    settled: dict[BlockId, Array]


class _Settler:
    def __init__(self, given: Given | None, xp: ModuleType):
        self.given, self.xp = given, xp
        self.computed: dict[BlockId, Array] = {}
        self.settled: dict[BlockId, Array] = {}
        self.forward_derivatives: dict[int, Array] = {}  # f'(z) of each layer's computed z

    def __call__(self, block: BlockId, value: Array) -> Array:
        self.computed[block] = value
        given = self.given
        if given is not None and block in given.mask:
            otherwise = value
            if given.fallback is not None:
                otherwise = self.xp.where(given.fallback_columns, given.fallback[block], value)
            value = self.xp.where(given.mask[block], given.values[block], otherwise)
        self.settled[block] = value
        return value

    def derivative(self, number: int, activation_name: str) -> Array:
        """f'(z) of layer ``number``, from the settled z or, on columns that ask for it, from a.

        Without given values the settled z is the computed one, whose f'(z) the forward pass
        already produced beside a = f(z).
        """
        if self.given is None:
            return self.forward_derivatives[number]
        return local_derivative(
            ACTIVATIONS[activation_name],
            self.settled[("z", number)],
            self.settled[("a", number)],
            from_output=self.given.from_output,
            xp=self.xp,
        )


def local_derivative(
    activation: Activation, weighted_sum: Array, output: Array, *, from_output: Any, xp: ModuleType
) -> Array:
    """f'(z) read from a (``from_output`` true), from z (false or None), or per batch column."""
    if from_output is True:
        return activation.derivative_from_output(output, xp=xp)
    from_z = activation.derivative(weighted_sum, xp=xp)
    if from_output is None or from_output is False:
        return from_z
    return xp.where(from_output, activation.derivative_from_output(output, xp=xp), from_z)


def propagate(batch: NetworkBatch, *, xp: ModuleType, given: Given | None = None) -> Trace:
    """Run the forward pass and, when the batch has targets, backprop and the weight update."""
    architecture, settle = batch.architecture, _Settler(given, xp)
    layer_inputs = []
    output = batch.inputs
    for number, (layer, weights) in enumerate(zip(architecture.layers, batch.weights), start=1):
        inputs = ops.layer_input(output, bias=layer.bias, xp=xp)
        layer_inputs.append(inputs)
        weighted_sum = settle(("z", number), ops.weighted_sum(weights, inputs, xp=xp))
        activation, derivative = ACTIVATIONS[layer.activation].value_and_derivative(weighted_sum, xp=xp)
        settle.forward_derivatives[number] = derivative
        output = settle(("a", number), activation)
    if not architecture.trained:
        return Trace(settle.computed, settle.settled)

    error = settle(("e", None), ops.output_error(batch.target, output, xp=xp))
    settle(("loss", None), ops.squared_error(error, xp=xp))
    top = architecture.depth
    local_gradient = settle(
        ("delta", top),
        ops.output_local_gradient(error, settle.derivative(top, architecture.layers[-1].activation), xp=xp),
    )
    for number in range(top - 1, 0, -1):
        upper = architecture.layer(number + 1)
        local_gradient = settle(
            ("delta", number),
            ops.hidden_local_gradient(
                settle.derivative(number, architecture.layer(number).activation),
                local_gradient,
                batch.weights[number],
                bias=upper.bias,
                xp=xp,
            ),
        )
    for number in range(top, 0, -1):
        change = settle(
            ("dw", number),
            ops.weight_change(batch.learning_rate, settle.settled[("delta", number)], layer_inputs[number - 1], xp=xp),
        )
        settle(("w_new", number), ops.new_weight(batch.weights[number - 1], change, xp=xp))
    return Trace(settle.computed, settle.settled)
