"""The asked steps as the form shows them: phases, layers, and the notebook's names for each.

The form follows the order a student computes in (forward pass, error, local gradients, weight
changes, new weights; each by layer), so the keyboard's tab order is the computation order.
Each field is labelled the way the notebook writes it (``ws 1,1``, ``output 1,1``, ``delta 2,1``,
``Delta w 1,1,0``, ``new w 1,1,0``) and shows the API's step key for those who also use curl.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.engine import KIND_NAMES, Architecture, Exercise, step_indices, step_kind
from service.grading.feedback import formula

# kind -> (phase id, phase title); the phases in computation order.
PHASES = {
    "z": ("forward", "Forward pass"),
    "a": ("forward", "Forward pass"),
    "e": ("error", "Error"),
    "loss": ("error", "Error"),
    "delta": ("gradients", "Local gradients"),
    "dw": ("changes", "Weight changes"),
    "w_new": ("weights", "New weights"),
}
NOTATION = {
    "z": "ws",
    "a": "output",
    "e": "error",
    "loss": "loss E",
    "delta": "delta",
    "dw": "Delta w",
    "w_new": "new w",
}
# Kinds whose rule does not depend on the layer share one entry in the list of rules.
_LAYER_FREE_RULES = ("e", "loss", "dw", "w_new")


def notation(key: str) -> str:
    """The notebook's name of a step: ``ws 1,1`` for ``z.1.1``, ``Delta w 1,1,0`` for ``dw.1.1.0``."""
    numbers = ",".join(str(number) for number in step_indices(key))
    return f"{NOTATION[step_kind(key)]} {numbers}".strip()


def describe(key: str) -> str:
    """The step in words, for screen readers and hover: ``weighted sum of unit 1 in layer 1``."""
    kind, numbers = step_kind(key), step_indices(key)
    name = KIND_NAMES[kind]
    if kind == "e":
        return f"{name} of output {numbers[0]}"
    if kind == "loss":
        return name
    if kind in ("dw", "w_new"):
        layer, unit, source = numbers
        weight = "the bias weight" if source == 0 else f"the weight from input {source}"
        return f"{name}: {weight} of unit {unit} in layer {layer}"
    return f"{name} of unit {numbers[1]} in layer {numbers[0]}"


def rule_id(key: str) -> str:
    """The HTML id of the rule a step follows, for the link from a wrong answer to its formula."""
    kind = step_kind(key)
    if kind in _LAYER_FREE_RULES:
        return f"rule-{kind.replace('_', '-')}"
    return f"rule-{kind}-{step_indices(key)[0]}"


def input_id(key: str) -> str:
    """An HTML id for the field of a step (dots would need escaping in CSS selectors)."""
    return "step-" + key.replace(".", "-").replace("_", "-")


@dataclass(frozen=True)
class StepField:
    key: str
    label: str
    description: str
    input_id: str
    rule_id: str


@dataclass
class FieldGroup:
    """The fields of one phase and one layer (or the error's, which has no layer)."""

    title: str
    fields: list[StepField] = field(default_factory=list)


@dataclass
class Phase:
    id: str
    title: str
    groups: list[FieldGroup] = field(default_factory=list)


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    text: str


def _layer_title(architecture: Architecture, number: int) -> str:
    shape = architecture.layer(number)
    role = "output layer" if number == architecture.depth else "hidden layer"
    plural = "s" if shape.units != 1 else ""
    return f"Layer {number} ({role}, {shape.units} {shape.activation} unit{plural})"


def ordered_steps(exercise: Exercise) -> list[str]:
    """The asked steps in computation order (the order of the architecture's step matrix)."""
    column_of = exercise.network.architecture.column_of
    return sorted(exercise.steps, key=column_of.__getitem__)


def form_phases(exercise: Exercise) -> list[Phase]:
    """The asked steps grouped by phase, then by layer, in computation order."""
    architecture = exercise.network.architecture
    phases: list[Phase] = []
    for key in ordered_steps(exercise):
        kind = step_kind(key)
        phase_id, phase_title = PHASES[kind]
        if not phases or phases[-1].id != phase_id:
            phases.append(Phase(phase_id, phase_title))
        phase = phases[-1]
        group_title = "Error and loss" if kind in ("e", "loss") else _layer_title(architecture, step_indices(key)[0])
        if not phase.groups or phase.groups[-1].title != group_title:
            phase.groups.append(FieldGroup(group_title))
        phase.groups[-1].fields.append(StepField(key, notation(key), describe(key), input_id(key), rule_id(key)))
    return phases


def rules(exercise: Exercise) -> list[Rule]:
    """The rule of every kind of step asked, once per layer where the rule depends on it."""
    architecture = exercise.network.architecture
    found: dict[str, Rule] = {}
    for key in ordered_steps(exercise):
        identifier = rule_id(key)
        if identifier in found:
            continue
        kind = step_kind(key)
        if kind in _LAYER_FREE_RULES:
            name = KIND_NAMES[kind].capitalize()
        else:
            name = f"{KIND_NAMES[kind].capitalize()}, layer {step_indices(key)[0]}"
        found[identifier] = Rule(identifier, name, formula(architecture, key))
    return list(found.values())
