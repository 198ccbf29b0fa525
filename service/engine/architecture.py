"""The shape of a network and the step vocabulary that names every value of one training step.

Step keys (1-based; i = 0 is the bias input):
``z.L.j`` weighted sum, ``a.L.j`` activation output, ``e.k`` output error, ``loss``,
``delta.L.j`` local gradient, ``dw.L.j.i`` weight change, ``w_new.L.j.i`` updated weight.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

FORWARD_KINDS = ("z", "a")
KINDS = ("z", "a", "e", "loss", "delta", "dw", "w_new")

# What each kind of step is, in words, for documentation, feedback and form labels.
KIND_NAMES = {
    "z": "weighted sum",
    "a": "activation output",
    "e": "output error",
    "loss": "loss",
    "delta": "local gradient",
    "dw": "weight change",
    "w_new": "new weight",
}


@dataclass(frozen=True)
class LayerShape:
    """One layer: ``units`` units fed by ``fan_in`` values, with or without a bias input."""

    units: int
    fan_in: int
    bias: bool
    activation: str

    @property
    def columns(self) -> int:
        """Weights per unit: one per input, plus the bias weight w_j0."""
        return self.fan_in + int(self.bias)

    @property
    def first_input_index(self) -> int:
        """The index i of weight column 0: 0 (the bias) with a bias, 1 without."""
        return 0 if self.bias else 1


@dataclass(frozen=True)
class Block:
    """A run of step keys of one kind and layer, stored as one array of ``shape`` per exercise."""

    kind: str
    layer: int | None
    shape: tuple[int, ...]
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Architecture:
    """Everything about a network but its numbers: exercises of one architecture batch together."""

    n_inputs: int
    layers: tuple[LayerShape, ...]
    trained: bool  # a target and a learning rate are given: backprop steps exist

    @property
    def depth(self) -> int:
        return len(self.layers)

    @property
    def n_outputs(self) -> int:
        return self.layers[-1].units

    @property
    def weight_count(self) -> int:
        return sum(layer.units * layer.columns for layer in self.layers)

    @cached_property
    def unit_count(self) -> int:
        """Units in all layers: rows of per-unit quantities such as f'(z)."""
        return sum(layer.units for layer in self.layers)

    def layer(self, number: int) -> LayerShape:
        """Layer ``number``, 1-based as in the step keys."""
        return self.layers[number - 1]

    @cached_property
    def blocks(self) -> tuple[Block, ...]:
        """Every step in computation order: forward, error, loss, then backprop from the top."""
        blocks: list[Block] = []
        for number, layer in enumerate(self.layers, start=1):
            for kind in FORWARD_KINDS:
                keys = tuple(f"{kind}.{number}.{j}" for j in range(1, layer.units + 1))
                blocks.append(Block(kind, number, (layer.units,), keys))
        if not self.trained:
            return tuple(blocks)
        outputs = self.n_outputs
        blocks.append(Block("e", None, (outputs,), tuple(f"e.{k}" for k in range(1, outputs + 1))))
        blocks.append(Block("loss", None, (), ("loss",)))
        top_down = list(enumerate(self.layers, start=1))[::-1]
        for number, layer in top_down:
            keys = tuple(f"delta.{number}.{j}" for j in range(1, layer.units + 1))
            blocks.append(Block("delta", number, (layer.units,), keys))
        for kind in ("dw", "w_new"):
            for number, layer in top_down:
                keys = tuple(
                    f"{kind}.{number}.{j}.{i}"
                    for j in range(1, layer.units + 1)
                    for i in range(layer.first_input_index, layer.fan_in + 1)
                )
                blocks.append(Block(kind, number, (layer.units, layer.columns), keys))
        return tuple(blocks)

    @cached_property
    def step_keys(self) -> tuple[str, ...]:
        """All step keys in computation order: the column order of a step matrix."""
        return tuple(key for block in self.blocks for key in block.keys)

    @cached_property
    def column_of(self) -> dict[str, int]:
        """Step key -> its column in a step matrix."""
        return {key: column for column, key in enumerate(self.step_keys)}

    @cached_property
    def block_spans(self) -> dict[tuple[str, int | None], tuple[slice, tuple[int, ...]]]:
        """(kind, layer) -> the step-matrix rows of that block and the block's shape."""
        return {(block.kind, block.layer): (rows, block.shape) for block, rows in self.block_rows}

    @cached_property
    def block_rows(self) -> tuple[tuple[Block, slice], ...]:
        """Each block with the slice of step-matrix rows it occupies."""
        spans, start = [], 0
        for block in self.blocks:
            spans.append((block, slice(start, start + len(block.keys))))
            start += len(block.keys)
        return tuple(spans)


def step_kind(key: str) -> str:
    """The kind of a step key: ``'z'`` for ``'z.2.1'``, ``'loss'`` for ``'loss'``."""
    return key.split(".", 1)[0]


def step_indices(key: str) -> tuple[int, ...]:
    """The numbers in a step key: ``(2, 1)`` for ``'z.2.1'``."""
    return tuple(int(part) for part in key.split(".")[1:])
