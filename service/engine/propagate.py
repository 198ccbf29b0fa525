"""Forward pass and backprop of one training step, for a batch of exercises at once.

One function serves the reference solution and the grader's recomputations: with no student
values it is the plain training step; with ``given`` values it recomputes each step from the
values a student gave for its direct inputs (error carried forward). Each quantity is settled
in turn: ``computed`` is what the local operation gives from the settled inputs, ``settled`` is
the value later steps build on (the student's where given, else the fallback or the computed).

The result is a (steps, B) matrix, rows in step-key order, built one of two ways with the same
values (see WRITE_AS_COMPUTED_FROM_BYTES): a large batch writes each value into its rows of a
matrix allocated up front as soon as it is computed, and later steps read it from there, so the
operations' fresh arrays are freed at once and their memory reused by the next, instead of a
heap grown block by block (the page faults cost more than the arithmetic); a small batch keeps
the values as the operations return them and joins them once at the end.
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


def blocks_of(matrix: Array, architecture: Architecture) -> dict[BlockId, Array]:
    """Split a (steps, B) matrix into per-block arrays of the block's shape + (B,): views, no copies."""
    return {block: _rows_as_block(matrix, rows, shape) for block, (rows, shape) in architecture.block_spans.items()}


def _joined(blocks: dict[BlockId, Array], architecture: Architecture, *, xp: ModuleType) -> Array:
    """Per-block arrays joined into one (steps, B) matrix, rows in step-key order."""
    # each block is C-ordered (its shape..., B): raveled, its values are its rows one after another
    joined = xp.concatenate([blocks[block].ravel() for block in architecture.block_spans])
    return joined.reshape(len(architecture.step_keys), -1)


def _rows_as_block(matrix: Array, rows: slice, shape: tuple[int, ...]) -> Array:
    """The rows of one block as an array of the block's shape + (B,) (a view)."""
    view = matrix[rows]
    return view if len(shape) == 1 else view.reshape(*shape, -1)


@dataclass
class Trace:
    """Every quantity of a training step as a (steps, B) matrix, rows in step-key order, and
    per block (``computed``, ``settled``: the same values, each of the block's shape + (B,))."""

    computed_matrix: Array
    settled_matrix: Array
    computed: dict[BlockId, Array]
    settled: dict[BlockId, Array]


# A step matrix of at least this many bytes is allocated first and each value written into it as
# soon as it is computed; a smaller one is joined from the values at the end. glibc serves every
# allocation from 128 KiB up with fresh pages from the kernel (until its threshold adapts), and a
# page fault costs more than the arithmetic on the page: above this size, one big allocation
# beats one per block. Below it, joining is faster: writing as computed made a single exercise
# about 20% slower (a view and a copy per block). Timed both ways on the worked example (93
# steps), the crossover is at B = 176, this size (docs/performance.md).
WRITE_AS_COMPUTED_FROM_BYTES = 128 * 1024


class _Settler:
    """Records each block's computed and settled values as propagate produces them: written into
    the step matrix, or kept as arrays to join at the end (see WRITE_AS_COMPUTED_FROM_BYTES)."""

    def __init__(self, architecture: Architecture, batch_size: int, given: Given | None, xp: ModuleType):
        self.architecture, self.given, self.xp = architecture, given, xp
        self.computed: dict[BlockId, Array] = {}
        self.settled = self.computed if given is None else {}
        self.forward_derivatives: dict[int, Array] = {}  # f'(z) of each layer's computed z
        self.computed_matrix = self.settled_matrix = None
        # backprop reuses the forward pass's f'(z), unless given values change z or a
        self.keeps_forward_derivatives = given is None and architecture.trained
        steps = len(architecture.step_keys)
        if steps * batch_size * 8 >= WRITE_AS_COMPUTED_FROM_BYTES:  # float64
            # f'(z) of each layer, kept for backprop when no values are given, follows the steps
            # in the same block of memory
            derivative_rows = architecture.unit_count if self.keeps_forward_derivatives else 0
            self.workspace = xp.empty((steps + derivative_rows, batch_size), dtype=xp.float64)
            self._next_derivative_row = steps
            self.computed_matrix = self.workspace[:steps]
            self.settled_matrix = self.computed_matrix if given is None else xp.empty_like(self.computed_matrix)

    def __call__(self, block: BlockId, value: Array) -> Array:
        """Record ``value`` as the computed one and return the settled value later steps use."""
        value = self._record(self.computed, self.computed_matrix, block, value)
        given = self.given
        if given is None:
            return value
        if block in given.mask:
            if given.fallback is not None:
                value = self.xp.where(given.fallback_columns, given.fallback[block], value)
            value = self.xp.where(given.mask[block], given.values[block], value)
        return self._record(self.settled, self.settled_matrix, block, value)

    def _record(self, blocks: dict[BlockId, Array], matrix: Array | None, block: BlockId, value: Array) -> Array:
        """Keep ``value`` for ``block``: as it is, or written into its rows of ``matrix``."""
        if matrix is not None:
            rows = _rows_as_block(matrix, *self.architecture.block_spans[block])
            rows[...] = value
            value = rows
        blocks[block] = value
        return value

    def keep_forward_derivative(self, number: int, derivative: Array) -> None:
        """Keep f'(z) of layer ``number`` (computed beside a) for the backward pass."""
        if self.computed_matrix is not None:
            first = self._next_derivative_row
            self._next_derivative_row += derivative.shape[0]
            rows = self.workspace[first : self._next_derivative_row]
            rows[...] = derivative
            derivative = rows
        self.forward_derivatives[number] = derivative

    def trace(self) -> Trace:
        computed, settled = self.computed_matrix, self.settled_matrix
        if computed is None:
            computed = _joined(self.computed, self.architecture, xp=self.xp)
            settled = computed if self.given is None else _joined(self.settled, self.architecture, xp=self.xp)
        return Trace(computed, settled, self.computed, self.settled)

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
    architecture = batch.architecture
    settle = _Settler(architecture, batch.size, given, xp)
    layer_inputs = []
    output = batch.inputs
    for number, (layer, weights) in enumerate(zip(architecture.layers, batch.weights), start=1):
        inputs = ops.layer_input(output, bias=layer.bias, xp=xp)
        layer_inputs.append(inputs)
        weighted_sum = settle(("z", number), ops.weighted_sum(weights, inputs, xp=xp))
        activation, derivative = ACTIVATIONS[layer.activation].value_and_derivative(weighted_sum, xp=xp)
        if settle.keeps_forward_derivatives:
            settle.keep_forward_derivative(number, derivative)
        output = settle(("a", number), activation)
    if not architecture.trained:
        return settle.trace()

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
    return settle.trace()
