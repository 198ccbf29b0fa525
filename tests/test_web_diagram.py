"""The network picture, the form's layout and the Markdown, checked without a browser."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from service.engine import builtin_spec, parse_exercise
from service.web.diagram import LABELLED_MAX_WEIGHTS, format_number, network_svg
from service.web.markdown import render_markdown
from service.web.steps import describe, form_phases, notation, rule_id, rules

SVG = "{http://www.w3.org/2000/svg}"


def parse_svg(exercise) -> ET.Element:
    return ET.fromstring(str(network_svg(exercise)))


def elements(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}{tag}") if cls in e.get("class", "").split()]


def spec(**overrides):
    base = {
        "title": "Two layers",
        "inputs": [1, -2, 0.5],
        "layers": [
            {"units": 2, "activation": "tanh", "bias": True, "weights": [[0.1, 0.2, 0.3, 0.4], [-0.5, 0.6, 0.7, 0.8]]},
            {"units": 1, "activation": "sigmoid", "bias": False, "weights": [[1.5, -2.5]]},
        ],
        "target": [1],
        "learning_rate": 0.1,
    }
    return parse_exercise({**base, **overrides})


def test_the_worked_example_has_a_circle_per_unit_and_an_edge_per_weight():
    root = parse_svg(parse_exercise(builtin_spec("worked-example")))
    units = elements(root, "circle", "unit")
    assert len(units) == 9
    columns = [unit.get("cx") for unit in units]
    assert [columns.count(x) for x in dict.fromkeys(columns)] == [4, 4, 1]
    assert len(elements(root, "circle", "input")) == 2
    assert len(elements(root, "circle", "bias")) == 1  # only layer 1 has a bias
    edges = elements(root, "line", "edge")
    assert len(edges) == 32
    assert len({edge.get("data-weight") for edge in edges}) == 32
    assert len(elements(root, "line", "edge-bias")) == 4
    labels = elements(root, "text", "weight")
    assert [label.text for label in labels] == ["0.5"] * 32
    assert [text.text for text in elements(root, "text", "activation")] == ["sigmoid"] * 3
    assert root.get("role") == "img"
    assert "layer 1: 4 sigmoid units and a bias input" in root.find(f"{SVG}desc").text


def test_bias_nodes_only_feed_layers_with_a_bias_and_edges_carry_their_weights():
    exercise = spec()
    root = parse_svg(exercise)
    biases = elements(root, "circle", "bias")
    inputs = elements(root, "circle", "input")
    assert len(biases) == 1
    assert biases[0].get("cx") == inputs[0].get("cx")  # the constant 1 sits with the inputs it joins
    edges = {edge.get("data-weight"): edge for edge in elements(root, "line", "edge")}
    assert sorted(edges) == ["1.1.0", "1.1.1", "1.1.2", "1.1.3", "1.2.0", "1.2.1", "1.2.2", "1.2.3", "2.1.1", "2.1.2"]
    assert edges["1.2.0"].find(f"{SVG}title").text == "w 1,2,0 = -0.5 (bias weight)"
    assert edges["2.1.2"].find(f"{SVG}title").text == "w 2,1,2 = -2.5"
    assert "edge-bias" in edges["1.1.0"].get("class")
    assert "edge-bias" not in edges["1.1.1"].get("class")
    labels = {text.get("data-weight"): text.text for text in elements(root, "text", "weight")}
    assert labels["1.2.0"] == "-0.5" and labels["2.1.1"] == "1.5"
    givens = [text.text for text in elements(root, "text", "given")]
    assert givens == ["1", "-2", "0.5", "t1 = 1"]


def test_a_network_without_any_bias_draws_no_constant():
    exercise = spec(layers=[{"units": 2, "activation": "relu", "bias": False, "weights": 0.5}], target=[1, 0])
    root = parse_svg(exercise)
    assert elements(root, "circle", "bias") == []
    assert len(elements(root, "line", "edge")) == 6


def test_large_layers_move_the_weights_to_hover_titles():
    exercise = spec(layers=[{"units": 12, "activation": "sigmoid", "weights": 0.25}], target=None, learning_rate=None)
    root = parse_svg(exercise)
    edges = elements(root, "line", "edge")
    assert len(edges) == 12 * 4 > LABELLED_MAX_WEIGHTS
    assert root.get("data-labelled") == "false"
    assert elements(root, "text", "weight") == []
    titles = [edge.find(f"{SVG}title").text for edge in edges]
    assert titles[:2] == ["w 1,1,0 = 0.25 (bias weight)", "w 1,1,1 = 0.25"]
    assert all("= 0.25" in title for title in titles)


def test_text_from_the_spec_is_escaped():
    svg = str(network_svg(spec(title='<script>alert("x")</script> & co')))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg and "&amp; co" in svg
    ET.fromstring(svg)  # still well-formed


def test_numbers_are_written_as_people_write_them():
    assert [format_number(v) for v in (0.5, -0.0, 1.0, 1.3008e-05, 123456.0, -0.60000001)] == [
        "0.5", "0", "1", "1.301e-05", "1.235e+05", "-0.6",
    ]  # fmt: skip


def test_the_form_follows_the_computation_in_phases_and_layers():
    exercise = parse_exercise(builtin_spec("worked-example"))
    phases = form_phases(exercise)
    assert [phase.title for phase in phases] == [
        "Forward pass", "Error", "Local gradients", "Weight changes", "New weights",
    ]  # fmt: skip
    assert [group.title for group in phases[2].groups] == [
        "Layer 3 (output layer, 1 sigmoid unit)",
        "Layer 2 (hidden layer, 4 sigmoid units)",
        "Layer 1 (hidden layer, 4 sigmoid units)",
    ]
    keys = [field.key for phase in phases for group in phase.groups for field in group.fields]
    assert keys == list(exercise.network.architecture.step_keys)
    assert len({field.input_id for phase in phases for group in phase.groups for field in group.fields}) == 93


def test_steps_are_named_in_the_notebooks_notation():
    assert [notation(key) for key in ("z.1.1", "a.2.3", "e.1", "loss", "delta.2.1", "dw.1.1.0", "w_new.3.1.4")] == [
        "ws 1,1", "output 2,3", "error 1", "loss E", "delta 2,1", "Delta w 1,1,0", "new w 3,1,4",
    ]  # fmt: skip
    assert describe("dw.1.2.0") == "weight change: the bias weight of unit 2 in layer 1"
    assert describe("z.2.1") == "weighted sum of unit 1 in layer 2"
    assert rule_id("delta.2.1") == "rule-delta-2"
    assert rule_id("w_new.1.1.0") == "rule-w-new"


def test_every_asked_kind_has_its_rule_once():
    exercise = parse_exercise(builtin_spec("perceptron-backprop"))
    found = rules(exercise)
    assert [rule.id for rule in found] == ["rule-z-1", "rule-a-1", "rule-e", "rule-delta-1", "rule-dw", "rule-w-new"]
    assert found[3].text.startswith("delta = e * f'(z)")


def test_markdown_is_rendered_and_cleaned():
    html = str(
        render_markdown(
            "**Bold** $x_1 = 0.8$, $\\alpha = 0.1$ <script>alert(1)</script> [bad](javascript:alert(1)) "
            '[good](https://example.org "t") <img src=x onerror=alert(1)>'
        )
    )
    assert "<strong>Bold</strong>" in html
    assert '<span class="math">x<sub>1</sub> = 0.8</span>' in html
    assert '<span class="math">\N{GREEK SMALL LETTER ALPHA} = 0.1</span>' in html
    assert "<script" not in html and "<img" not in html
    assert "javascript:" not in re.sub(r"\[bad\]\(javascript:alert\(1\)\)", "", html)
    assert '<a href="https://example.org" title="t" rel="noopener noreferrer nofollow">good</a>' in html
