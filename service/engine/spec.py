"""Exercise specs: validate plain data (parsed JSON) into a network the engine can compute.

Every problem is reported with the path of the field and what is wrong, all of them at once,
so an instructor can fix a spec in one go. Sizes are checked before anything is allocated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy

from .activations import ACTIVATIONS
from .architecture import Architecture, LayerShape

# Top-level fields the grader interprets; the engine accepts and keeps them as given.
GRADING_FIELDS = ("tolerance", "reveal", "carried_forward_credit", "step_weights")
SPEC_FIELDS = ("id", "title", "description", "inputs", "layers", "target", "learning_rate", "steps")
LAYER_FIELDS = ("units", "activation", "bias", "weights")
MAX_TITLE_LENGTH = 200
MAX_ID_LENGTH = 64


class SpecError(ValueError):
    """A spec is invalid; ``errors`` holds one ``'field.path: what is wrong'`` line per problem."""

    def __init__(self, errors: Sequence[str]):
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


@dataclass(frozen=True)
class Limits:
    """Size limits, enforced before any computation (configurable per deployment)."""

    max_layers: int = 10
    max_weights: int = 10_000


@dataclass(frozen=True)
class Network:
    """One exercise's numbers as host float64 arrays; weights[L-1] is layer L's (units, columns)."""

    architecture: Architecture
    inputs: numpy.ndarray
    weights: tuple[numpy.ndarray, ...]
    target: numpy.ndarray | None
    learning_rate: float | None

    def __post_init__(self) -> None:
        # frozen through and through: a batch of one exercise holds views of these arrays
        for array in (self.inputs, *self.weights, self.target):
            if array is not None:
                array.flags.writeable = False


@dataclass(frozen=True)
class Exercise:
    """A validated exercise: the network, the steps asked and the grading options as given."""

    title: str
    network: Network
    steps: tuple[str, ...]
    description: str = ""
    id: str | None = None
    grading: dict[str, Any] = field(default_factory=dict)
    spec: dict[str, Any] = field(default_factory=dict)  # the spec as given, to store and show
    # every step's exact value in step order, solved once when the spec is read
    reference: numpy.ndarray | None = field(default=None, repr=False, compare=False)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Checker:
    """Collects errors with their field paths while reading a spec."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def number(self, value: Any, path: str) -> float | None:
        if not _is_number(value):
            self.fail(path, f"expected a number, got {_describe(value)}")
            return None
        try:
            number = float(value)
        except OverflowError:
            self.fail(path, "is too large for a 64-bit float")
            return None
        if not math.isfinite(number):
            self.fail(path, "must be a finite number (NaN and infinities are not allowed)")
            return None
        return number

    def numbers(self, value: Any, path: str, *, expected: int | None = None, what: str = "") -> list[float] | None:
        if not isinstance(value, list):
            self.fail(path, f"expected a list of numbers, got {_describe(value)}")
            return None
        if expected is not None and len(value) != expected:
            self.fail(path, f"expected {expected} values{what}, got {len(value)}")
            return None
        if not value:
            self.fail(path, "must not be empty")
            return None
        numbers = [self.number(item, f"{path}[{index}]") for index, item in enumerate(value)]
        return None if any(n is None for n in numbers) else numbers  # type: ignore[return-value]


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _columns_phrase(bias: bool, fan_in: int) -> str:
    return f" (bias + {fan_in} inputs)" if bias else f" ({fan_in} inputs, no bias)"


def _read_layer(check: _Checker, raw: Any, path: str, fan_in: int) -> tuple[LayerShape, Any] | None:
    """Read one layer's shape; its weights are read once all sizes are known to be within limits."""
    if not isinstance(raw, Mapping):
        check.fail(path, f"expected an object with units, activation, bias and weights, got {_describe(raw)}")
        return None
    for name in raw:
        if name not in LAYER_FIELDS:
            check.fail(f"{path}.{name}", f"unknown field; a layer has {', '.join(LAYER_FIELDS)}")
    activation = raw.get("activation", "sigmoid")
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        shown = repr(activation) if isinstance(activation, str) else _describe(activation)
        check.fail(f"{path}.activation", f"unknown activation {shown}; use one of {', '.join(ACTIVATIONS)}")
        activation = "sigmoid"
    bias = raw.get("bias", True)
    if not isinstance(bias, bool):
        check.fail(f"{path}.bias", f"expected true or false, got {_describe(bias)}")
        bias = True
    weights = raw.get("weights")
    units = raw.get("units")
    if units is not None and (not isinstance(units, int) or isinstance(units, bool) or units < 1):
        check.fail(
            f"{path}.units",
            f"expected a whole number of at least 1, got {_describe(units) if not isinstance(units, int) else units}",
        )
        return None
    if weights is None:
        check.fail(f"{path}.weights", "required: a number (every weight of the layer) or a list of rows, one per unit")
        return None
    if isinstance(weights, list):
        if not weights:
            check.fail(f"{path}.weights", "must not be empty: give one row per unit")
            return None
        if units is not None and units != len(weights):
            check.fail(f"{path}.units", f"says {units} units but weights has {len(weights)} rows")
            return None
        units = len(weights)
    elif units is None:
        check.fail(f"{path}.units", "required when weights is a single number")
        return None
    return LayerShape(units, fan_in, bias, activation), weights


def _read_weights(check: _Checker, raw: Any, path: str, layer: LayerShape) -> numpy.ndarray | None:
    if not isinstance(raw, list):
        value = check.number(raw, path)
        return None if value is None else numpy.full((layer.units, layer.columns), value)
    rows = []
    for j, row in enumerate(raw):
        rows.append(
            check.numbers(row, f"{path}[{j}]", expected=layer.columns, what=_columns_phrase(layer.bias, layer.fan_in))
        )
    if any(row is None for row in rows):
        return None
    return numpy.array(rows, dtype=numpy.float64)


def parse_exercise(spec: Any, *, limits: Limits | None = None) -> Exercise:
    """Validate a spec (plain data, as parsed from JSON) and build the exercise, or raise SpecError."""
    limits = limits or Limits()
    check = _Checker()
    if not isinstance(spec, Mapping):
        raise SpecError([f"spec: expected an object, got {_describe(spec)}"])
    for name in spec:
        if name not in SPEC_FIELDS + GRADING_FIELDS:
            check.fail(name, f"unknown field; a spec has {', '.join(SPEC_FIELDS + GRADING_FIELDS)}")
    title = spec.get("title", "Exercise")
    if not isinstance(title, str) or not title.strip():
        check.fail("title", "expected a non-empty string")
    elif len(title.strip()) > MAX_TITLE_LENGTH:
        check.fail("title", f"at most {MAX_TITLE_LENGTH} characters, got {len(title.strip())}")
    description = spec.get("description", "")
    if not isinstance(description, str):
        check.fail("description", "expected a string (Markdown)")
    exercise_id = spec.get("id")
    if exercise_id is not None and not isinstance(exercise_id, str):
        check.fail("id", "expected a string")
    elif exercise_id is not None and len(exercise_id) > MAX_ID_LENGTH:
        check.fail("id", f"at most {MAX_ID_LENGTH} characters, got {len(exercise_id)}")

    inputs = None
    if "inputs" not in spec:
        check.fail("inputs", "required: a list of numbers x_1..x_n")
    else:
        inputs = check.numbers(spec["inputs"], "inputs")
    raw_layers = spec.get("layers")
    shapes: list[tuple[LayerShape, Any]] = []
    if not isinstance(raw_layers, list) or not raw_layers:
        check.fail("layers", "required: a non-empty list of layers")
    elif len(raw_layers) > limits.max_layers:
        check.fail("layers", f"at most {limits.max_layers} layers are allowed, got {len(raw_layers)}")
    elif inputs is not None:
        fan_in = len(inputs)
        for index, raw in enumerate(raw_layers):
            read = _read_layer(check, raw, f"layers[{index}]", fan_in)
            if read is None:
                break
            shapes.append(read)
            fan_in = read[0].units
    if not shapes or len(shapes) != len(raw_layers):
        raise SpecError(check.errors)

    weight_count = sum(shape.units * shape.columns for shape, _ in shapes)
    if weight_count > limits.max_weights:
        raise SpecError([f"layers: at most {limits.max_weights} weights are allowed in all, got {weight_count}"])
    weights = [
        _read_weights(check, raw, f"layers[{index}].weights", shape) for index, (shape, raw) in enumerate(shapes)
    ]

    outputs = shapes[-1][0].units
    target = spec.get("target")
    learning_rate = spec.get("learning_rate")
    if target is not None:
        target = check.numbers(target, "target", expected=outputs, what=" (one per output unit)")
        if learning_rate is None:
            check.fail("learning_rate", "required when a target is given")
    if learning_rate is not None:
        learning_rate = check.number(learning_rate, "learning_rate")
        if learning_rate is not None and learning_rate <= 0:
            check.fail("learning_rate", f"must be greater than 0, got {learning_rate:g}")
        if spec.get("target") is None:
            check.fail("target", "required when a learning rate is given")
    if check.errors:
        raise SpecError(check.errors)

    architecture = Architecture(len(inputs), tuple(shape for shape, _ in shapes), trained=target is not None)
    network = Network(
        architecture,
        numpy.array(inputs, dtype=numpy.float64),
        tuple(weights),  # type: ignore[arg-type]
        None if target is None else numpy.array(target, dtype=numpy.float64),
        learning_rate,
    )
    steps = _read_steps(check, spec.get("steps"), architecture)
    if check.errors:
        raise SpecError(check.errors)
    reference = _reference_values(network)
    return Exercise(
        title=title.strip(),
        network=network,
        steps=steps,
        description=description,
        id=exercise_id,
        grading={name: spec[name] for name in GRADING_FIELDS if name in spec},
        spec=dict(spec),
        reference=reference,
    )


def _reference_values(network: Network) -> numpy.ndarray:
    """The exact value of every step, which must be finite: finite numbers can still overflow on
    the way (1e200 * 1e200), and such a spec has no answer."""
    from .solve import solve_networks  # noqa: PLC0415 - solve builds on this module

    values = solve_networks([network])[:, 0]
    keys = network.architecture.step_keys
    overflowing = [key for key, value in zip(keys, values.tolist()) if not math.isfinite(value)]
    if overflowing:
        shown = ", ".join(overflowing[:3]) + (", ..." if len(overflowing) > 3 else "")
        raise SpecError([f"layers: the values overflow 64-bit floats ({shown}); use smaller inputs or weights"])
    return values


def _read_steps(check: _Checker, raw: Any, architecture: Architecture) -> tuple[str, ...]:
    """The step keys asked, in computation order; every step when none are named."""
    if raw is None:
        return architecture.step_keys
    if not isinstance(raw, list) or not raw:
        check.fail("steps", "expected a non-empty list of step keys such as 'a.1.1'")
        return ()
    known = architecture.column_of
    for index, key in enumerate(raw):
        if not isinstance(key, str) or key not in known:
            hint = " (backprop steps need a target and a learning_rate)" if not architecture.trained else ""
            check.fail(f"steps[{index}]", f"unknown step key {key!r} for this network{hint}")
    if len(set(map(str, raw))) != len(raw):
        check.fail("steps", "lists a step key more than once")
    asked = set(raw) if all(isinstance(key, str) for key in raw) else set()
    return tuple(key for key in architecture.step_keys if key in asked)
