"""Mermaid export: the same nodes and edges as the spec, thick arrows on the serving path, valid ids and labels."""

from __future__ import annotations

import pytest

from framework.architecture import ArchitectureSpec, Component, Flow
from framework.mermaid import parse_mermaid, to_mermaid
from framework.registry import all_cases


@pytest.mark.parametrize("case", all_cases(), ids=lambda c: c.name)
def test_mermaid_has_the_specs_nodes_and_edges(case):
    spec = case.design.architecture
    text = to_mermaid(spec, case.design.title)
    nodes, edges = parse_mermaid(text)
    assert nodes == {c.id for c in spec.components}
    # Serving flows are drawn from caller to callee, as on the whiteboard.
    assert edges == {(f.target, f.source) if f.serving else (f.source, f.target) for f in spec.flows}
    thick = {line.split()[0] for line in text.splitlines() if "==>" in line}
    assert thick == {f.target for f in spec.flows if f.serving}
    assert text.splitlines()[3] == "flowchart LR"


def test_labels_cannot_break_the_syntax():
    spec = ArchitectureSpec(
        components=[
            Component(id="a", label='say "hi"\nthere', kind="source"),
            Component(id="b", label="app", kind="client"),
        ],
        flows=[Flow(source="a", target="b", label='the "answer"', serving=True)],
    )
    text = to_mermaid(spec, "t")
    assert "\"say 'hi' there\"" in text and "|\"the 'answer'\"|" in text
    assert parse_mermaid(text) == ({"a", "b"}, {("b", "a")})


def test_a_dropped_edge_is_seen_by_the_parser():
    case = all_cases()[0]
    text = to_mermaid(case.design.architecture, case.design.title)
    edge_lines = [line for line in text.splitlines() if "-->" in line or "==>" in line]
    broken = text.replace(edge_lines[0] + "\n", "")
    assert len(parse_mermaid(broken)[1]) == len(parse_mermaid(text)[1]) - 1
