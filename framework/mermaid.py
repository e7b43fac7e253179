"""The architecture as a Mermaid flowchart, to paste into GitHub, Notion or a whiteboard tool."""

from __future__ import annotations

import re

from framework.architecture import ArchitectureSpec, drawn_ends, to_graph

# Mermaid shapes per component kind: stores are cylinders, people and apps rounded, jobs boxes.
_SHAPES: dict[str, tuple[str, str]] = {
    "database": ("[(", ")]"),
    "storage": ("[(", ")]"),
    "kv_store": ("[(", ")]"),
    "registry": ("[(", ")]"),
    "stream": ("[/", "/]"),
    "client": ("([", "])"),
    "experiment": ("{", "}"),
}
_BOX = ("[", "]")
_NODE = re.compile(r'^\s*(?P<id>[a-z][a-z0-9_]*)(?:\(\[|\[\(|\[/|\{|\[)"')
_EDGE = re.compile(
    r"^\s*(?P<source>[a-z][a-z0-9_]*)\s*(?:==>|-->)(?:\|\"[^\"]*\"\|)?\s*(?P<target>[a-z][a-z0-9_]*)\s*$"
)


def _text(label: str) -> str:
    """A label inside Mermaid's double quotes: no quotes or line breaks of its own."""
    return " ".join(label.replace('"', "'").split())


def to_mermaid(spec: ArchitectureSpec, title: str, view: str = "full") -> str:
    """A ``flowchart LR`` with one node per component (grouped in subgraphs) and one edge per flow.

    Serving flows are thick arrows (``==>``), offline flows thin ones; each edge carries its label.

    Args:
        spec: the architecture.
        title: written as a Mermaid comment and front-matter title.
        view: ``full``, or ``whiteboard`` (its components, arrows tagged 1, 2... and A, B...).

    Returns:
        The Mermaid text, ending with a newline; the same spec gives the same text.
    """
    to_graph(spec)  # a flow naming an unknown component is an error here too
    components = list(spec.components)
    flows = [(*drawn_ends(f.source, f.target, f.serving), f.label, f.serving) for f in spec.flows]
    if view == "whiteboard":
        from framework.whiteboard import whiteboard

        board = whiteboard(spec)
        components = board.components
        flows = [(f.source, f.target, f"{f.tag}. {f.label}", f.serving) for f in board.flows]
        title = f"{title}: whiteboard view"
    lines = ["---", f"title: {_text(title)}", "---", "flowchart LR"]
    groups: list[str | None] = []
    for c in components:
        if c.group not in groups:
            groups.append(c.group)
    for n, group in enumerate(groups):
        members = [c for c in components if c.group == group]
        indent = "    "
        if group is not None:
            lines.append(f'    subgraph group{n}["{_text(group)}"]')
            indent = "        "
        for c in members:
            left, right = _SHAPES.get(c.kind, _BOX)
            latency = f" ({c.latency_ms:g} ms)" if c.latency_ms else ""
            lines.append(f'{indent}{c.id}{left}"{_text(c.label)}{latency}"{right}')
        if group is not None:
            lines.append("    end")
    for source, target, text, serving in flows:
        arrow = "==>" if serving else "-->"
        label = f'|"{_text(text)}"|' if text else ""
        lines.append(f"    {source} {arrow}{label} {target}")
    return "\n".join(lines) + "\n"


def parse_mermaid(text: str) -> tuple[set[str], set[tuple[str, str]]]:
    """The node ids and edges of a flowchart written by :func:`to_mermaid` (for checking it round-trips)."""
    nodes: set[str] = set()
    edges: set[tuple[str, str]] = set()
    for line in text.splitlines():
        edge = _EDGE.match(line)
        if edge:
            edges.add((edge["source"], edge["target"]))
            continue
        node = _NODE.match(line)
        if node:
            nodes.add(node["id"])
    return nodes, edges
