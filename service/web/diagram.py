"""The network as an SVG picture, drawn on the server from the exercise's numbers.

Drawn like the notebook's figure: a column of inputs, one column per layer, a circle per unit,
the constant 1 (the bias input) at the top of the column that feeds a layer with a bias, and
an edge per weight. Small networks get each weight written on its edge; above
``LABELLED_MAX_WEIGHTS`` the labels would pile up, so the values move to a hover title on each
edge and to the weight table the page shows beside the picture. Every piece of text is escaped:
titles and activations come from specs that instructors post.

Server-side so the picture is there with JavaScript off and in a screenshot, and needs no
drawing library in the browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from service.engine import Exercise

LABELLED_MAX_WEIGHTS = 40
COLUMN_GAP = 280.0
MARGIN_X = 70.0
MARGIN_RIGHT = 110.0  # room for the targets beside the output units
HEADER = 58.0
FOOTER = 20.0
LABEL_BEFORE_TARGET = 60.0  # edge labels sit this far left of the unit they feed, fanned out by source
MAX_DIAGRAM_HEIGHT = 720.0


def format_number(value: float) -> str:
    """A weight or input as a person would write it: 4 significant figures, no ``-0``."""
    text = f"{value:.4g}"
    return "0" if text in ("-0", "0") else text


@dataclass(frozen=True)
class Node:
    """One circle: ``kind`` is input, bias or unit; ``label`` is drawn inside it."""

    kind: str
    x: float
    y: float
    label: str
    name: str  # for titles: "input x2", "bias of layer 1", "unit 2,3"
    layer: int  # the column: 0 for the inputs
    index: int  # i for inputs, j for units, 0 for a bias


@dataclass(frozen=True)
class Edge:
    """One weight w_ji of layer ``layer``: from ``source`` to ``target``."""

    source: Node
    target: Node
    layer: int
    unit: int
    input_index: int
    value: float

    @property
    def key(self) -> str:
        return f"{self.layer}.{self.unit}.{self.input_index}"

    @property
    def title(self) -> str:
        bias = " (bias weight)" if self.source.kind == "bias" else ""
        return f"w {self.layer},{self.unit},{self.input_index} = {format_number(self.value)}{bias}"


@dataclass(frozen=True)
class Layout:
    """Where every node and edge goes, and the picture's size."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    width: float
    height: float
    radius: float
    headers: tuple[tuple[float, str, str], ...]  # x, first line, second line


def _column_nodes(exercise: Exercise, column: int) -> list[tuple[str, str, str, int]]:
    """(kind, label, name, index) for each node of a column, top down: the bias node first."""
    network = exercise.network
    architecture = network.architecture
    nodes: list[tuple[str, str, str, int]] = []
    feeds_bias_layer = column < architecture.depth and architecture.layer(column + 1).bias
    if feeds_bias_layer:
        nodes.append(("bias", "1", f"constant 1, the bias input of layer {column + 1}", 0))
    if column == 0:
        for i, value in enumerate(network.inputs.tolist(), 1):
            nodes.append(("input", f"x{i}", f"input x{i} = {format_number(value)}", i))
    else:
        for j in range(1, architecture.layer(column).units + 1):
            nodes.append(("unit", f"{column},{j}", f"unit {column},{j}", j))
    return nodes


def layout(exercise: Exercise) -> Layout:
    """Place the columns left to right, each centred vertically, and connect them by weights."""
    architecture = exercise.network.architecture
    columns = [_column_nodes(exercise, column) for column in range(architecture.depth + 1)]
    tallest = max(len(nodes) for nodes in columns)
    row_gap = max(18.0, min(70.0, MAX_DIAGRAM_HEIGHT / tallest))
    radius = min(21.0, row_gap * 0.36)
    body = tallest * row_gap
    placed: list[list[Node]] = []
    for column, nodes in enumerate(columns):
        x = MARGIN_X + column * COLUMN_GAP
        top = HEADER + (body - len(nodes) * row_gap) / 2 + row_gap / 2
        placed.append(
            [
                Node(kind, x, top + row * row_gap, label, name, column, index)
                for row, (kind, label, name, index) in enumerate(nodes)
            ]
        )
    edges = []
    for number, (shape, weights) in enumerate(zip(architecture.layers, exercise.network.weights, strict=True), 1):
        sources = placed[number - 1]
        feeding = [node for node in sources if node.kind == "bias"] if shape.bias else []
        feeding += [node for node in sources if node.kind != "bias"]
        targets = [node for node in placed[number] if node.kind == "unit"]
        for target, row in zip(targets, weights.tolist(), strict=True):
            for column, (source, value) in enumerate(zip(feeding, row, strict=True)):
                input_index = column if shape.bias else column + 1
                edges.append(Edge(source, target, number, target.index, input_index, float(value)))
    headers = []
    for column in range(architecture.depth + 1):
        x = MARGIN_X + column * COLUMN_GAP
        if column == 0:
            headers.append((x, "inputs", ""))
        else:
            shape = architecture.layer(column)
            role = "output layer" if column == architecture.depth else f"layer {column}"
            headers.append((x, role, shape.activation))
    width = MARGIN_X + architecture.depth * COLUMN_GAP + MARGIN_RIGHT
    return Layout(
        nodes=tuple(node for column in placed for node in column),
        edges=tuple(edges),
        width=width,
        height=HEADER + body + FOOTER,
        radius=radius,
        headers=tuple(headers),
    )


def _label_position(edge: Edge) -> tuple[float, float]:
    """A point on the edge a fixed distance before its target, so labels fan out by source."""
    source, target = edge.source, edge.target
    fraction = LABEL_BEFORE_TARGET / (target.x - source.x)
    return target.x - LABEL_BEFORE_TARGET, target.y + (source.y - target.y) * fraction


def _description(exercise: Exercise) -> str:
    architecture = exercise.network.architecture
    parts = [f"{architecture.n_inputs} inputs"]
    for number, shape in enumerate(architecture.layers, 1):
        bias = " and a bias input" if shape.bias else ""
        plural = "s" if shape.units != 1 else ""
        parts.append(f"layer {number}: {shape.units} {shape.activation} unit{plural}{bias}")
    return "; ".join(parts) + f". {architecture.weight_count} weights, listed in the weight table."


def _givens(exercise: Exercise, drawn: Layout) -> list[str]:
    """The input values left of the inputs, and each target right of its output unit."""
    network = exercise.network
    depth = network.architecture.depth
    inputs = network.inputs.tolist()
    targets = [] if network.target is None else network.target.tolist()
    texts = []
    for node in drawn.nodes:
        if node.kind == "input":
            x, anchor, text = node.x - drawn.radius - 6, "end", format_number(inputs[node.index - 1])
        elif node.kind == "unit" and node.layer == depth and targets:
            x, anchor, text = (
                node.x + drawn.radius + 8,
                "start",
                f"t{node.index} = {format_number(targets[node.index - 1])}",
            )
        else:
            continue
        texts.append(
            f'<text class="given" x="{x:.1f}" y="{node.y:.1f}" text-anchor="{anchor}" '
            f'dominant-baseline="central">{escape(text)}</text>'
        )
    return texts


def network_svg(exercise: Exercise, *, element_id: str = "network-diagram") -> Markup:
    """The inline ``<svg>`` of the exercise's network, safe to put in a page as it is."""
    drawn = layout(exercise)
    labelled = len(drawn.edges) <= LABELLED_MAX_WEIGHTS
    title_id, desc_id = f"{element_id}-title", f"{element_id}-desc"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(element_id)}" class="network" '
        f'viewBox="0 0 {drawn.width:.0f} {drawn.height:.0f}" role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" data-weights="{len(drawn.edges)}" '
        f'data-labelled="{str(labelled).lower()}">',
        f'<title id="{escape(title_id)}">The network of “{escape(exercise.title)}”</title>',
        f'<desc id="{escape(desc_id)}">{escape(_description(exercise))}</desc>',
    ]
    for x, first, second in drawn.headers:
        out.append(f'<text class="layer-name" x="{x:.1f}" y="20" text-anchor="middle">{escape(first)}</text>')
        if second:
            out.append(f'<text class="activation" x="{x:.1f}" y="38" text-anchor="middle">{escape(second)}</text>')
    out.append('<g class="edges">')
    for edge in drawn.edges:
        source, target = edge.source, edge.target
        out.append(
            f'<line class="edge{" edge-bias" if source.kind == "bias" else ""}" data-weight="{edge.key}" '
            f'x1="{source.x + drawn.radius:.1f}" y1="{source.y:.1f}" '
            f'x2="{target.x - drawn.radius:.1f}" y2="{target.y:.1f}"><title>{escape(edge.title)}</title></line>'
        )
    out.append("</g>")
    if labelled:
        out.append('<g class="weight-labels" aria-hidden="true">')
        for edge in drawn.edges:
            x, y = _label_position(edge)
            out.append(
                f'<text class="weight" data-weight="{edge.key}" x="{x:.1f}" y="{y:.1f}" '
                f'text-anchor="middle" dominant-baseline="central">{escape(format_number(edge.value))}</text>'
            )
        out.append("</g>")
    out.extend(_givens(exercise, drawn))
    out.append('<g class="nodes">')
    for node in drawn.nodes:
        data = f'data-layer="{node.layer}" data-index="{node.index}"'
        out.append(
            f'<g class="node node-{node.kind}" {data}><title>{escape(node.name)}</title>'
            f'<circle class="{node.kind}" cx="{node.x:.1f}" cy="{node.y:.1f}" r="{drawn.radius:.1f}"/>'
        )
        if drawn.radius >= 12:
            out.append(
                f'<text x="{node.x:.1f}" y="{node.y:.1f}" text-anchor="middle" '
                f'dominant-baseline="central">{escape(node.label)}</text>'
            )
        out.append("</g>")
    out.append("</g></svg>")
    return Markup("".join(out))
