"""Check a rendered diagram from Graphviz's own layout (``dot -Tjson``): no label on a box or on another label.

A person sees a drawing as boxes and words. Graphviz reports where it put each node, each
node's label lines and each edge label (positions in points, y up); this module turns those into
rectangles and reports every overlap, and the smallest text height at a given display width.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

POINTS_PER_INCH = 72.0
# Width the report shows a diagram at in a 1280-px browser window (the browser test checks it).
REPORT_FIGURE_PX = 960
# Smallest readable text, in pixels, in the whiteboard view at that width.
MIN_TEXT_PX = 10.0
# A text line's box around its baseline, as fractions of the font size (descenders and ascenders).
_BELOW, _ABOVE = 0.25, 0.85
# Boxes touching by less than this many points are not an overlap a reader notices.
TOLERANCE = 1.0


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in layout points, with what it is."""

    left: float
    bottom: float
    right: float
    top: float
    what: str

    def overlap(self, other: Box) -> float:
        """Area shared with ``other`` beyond the tolerance (0 when they only touch)."""
        width = min(self.right, other.right) - max(self.left, other.left) - TOLERANCE
        height = min(self.top, other.top) - max(self.bottom, other.bottom) - TOLERANCE
        return width * height if width > 0 and height > 0 else 0.0


@dataclass(frozen=True)
class Edge:
    """An edge as drawn: its ends' node names and the points where its line starts and ends.

    Attributes:
        tail: name of the node the edge leaves.
        head: name of the node it enters.
        start: first point of the drawn line.
        end: the arrow's tip (or the line's last point).
        to_cluster: the edge is clipped at a cluster's border (``lhead``/``ltail``).
    """

    tail: str
    head: str
    start: tuple[float, float]
    end: tuple[float, float]
    to_cluster: bool


@dataclass(frozen=True)
class Layout:
    """What a reader sees of a diagram: node boxes, text boxes, and the drawing's width.

    Attributes:
        nodes: one box per node (icon plus its label lines).
        edge_labels: one box per line of edge-label text.
        width_pt: the drawing's width in points.
        smallest_font_pt: the smallest font size of any text, in points.
        edges: every edge's ends.
        shapes: node name -> the node's own box (without its label lines).
        invisible: names of nodes a reader cannot see (points, empty unlabelled shapes).
    """

    nodes: list[Box]
    edge_labels: list[Box]
    width_pt: float
    smallest_font_pt: float
    edges: list[Edge]
    shapes: dict[str, Box]
    invisible: set[str]

    def dangling(self) -> list[str]:
        """Every edge that does not join two visible nodes, one sentence each.

        An edge dangles when it is clipped at a cluster, starts or ends at an invisible node, or
        its drawn line stops short of (or starts away from) its node's box.
        """
        found = []
        for edge in self.edges:
            name = f"{edge.tail} -> {edge.head}"
            if edge.to_cluster:
                found.append(f"edge {name} ends at a cluster, not a component")
                continue
            for end in (edge.tail, edge.head):
                if end in self.invisible:
                    found.append(f"edge {name} joins {end!r}, which is not a visible component")
            for point, node in ((edge.start, edge.tail), (edge.end, edge.head)):
                box = self.shapes.get(node)
                if box is not None and not _near(point, box):
                    found.append(f"edge {name} ends in empty space near {node!r}")
        return found

    def problems(self) -> list[str]:
        """Every edge label sitting on a node or on another edge label, one sentence each."""
        found = []
        for i, label in enumerate(self.edge_labels):
            for node in self.nodes:
                if label.overlap(node) > 0:
                    found.append(f"edge label {label.what!r} overlaps node {node.what!r}")
            for other in self.edge_labels[i + 1 :]:
                if label.overlap(other) > 0 and label.what != other.what:
                    found.append(f"edge label {label.what!r} overlaps edge label {other.what!r}")
        for i, a in enumerate(self.nodes):
            for b in self.nodes[i + 1 :]:
                if a.overlap(b) > 0:
                    found.append(f"node {a.what!r} overlaps node {b.what!r}")
        return found

    def text_px(self, shown_width_px: float) -> float:
        """Height in pixels of the smallest text when the whole drawing is shown ``shown_width_px`` wide."""
        return self.smallest_font_pt * min(1.0, shown_width_px / self.width_pt)


def _text_boxes(ops: list[dict[str, Any]], what: str) -> tuple[list[Box], list[float]]:
    """The rectangles of the text drawn by an ``_ldraw_`` operation list, and the font sizes used."""
    boxes, sizes, size = [], [], 14.0
    for op in ops:
        if op.get("op") == "F":
            size = float(op["size"])
        elif op.get("op") == "T":
            x, y = op["pt"]
            width = float(op["width"])
            left = {"l": x, "r": x - width}.get(op.get("align", "c"), x - width / 2)
            boxes.append(Box(left, y - _BELOW * size, left + width, y + _ABOVE * size, what or op["text"]))
            sizes.append(size)
    return boxes, sizes


def _near(point: tuple[float, float], box: Box, reach: float = 12.0) -> bool:
    """Whether ``point`` lies on or within ``reach`` points of ``box`` (arrowheads stop just short)."""
    x, y = point
    return box.left - reach <= x <= box.right + reach and box.bottom - reach <= y <= box.top + reach


def _ends(pos: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """First point and arrow tip of an edge's ``pos`` (``e,x,y`` / ``s,x,y`` prefixes are the tips)."""
    start = end = None
    points = []
    for part in pos.split():
        fields = part.split(",")
        if fields[0] in ("e", "s"):
            tip = (float(fields[1]), float(fields[2]))
            if fields[0] == "e":
                end = tip
            else:
                start = tip
        else:
            points.append((float(fields[0]), float(fields[1])))
    return start or points[0], end or points[-1]


def _union(boxes: list[Box], what: str) -> Box:
    return Box(
        min(b.left for b in boxes),
        min(b.bottom for b in boxes),
        max(b.right for b in boxes),
        max(b.top for b in boxes),
        what,
    )


def read_layout(layout_json: str | bytes) -> Layout:
    """Parse Graphviz's ``-Tjson`` output (from ``graph.pipe(format="json")``) into boxes."""
    graph = json.loads(layout_json)
    left, bottom, right, top = (float(v) for v in graph["bb"].split(","))
    nodes, edge_labels, sizes = [], [], []
    shapes: dict[str, Box] = {}
    invisible: set[str] = set()
    names: dict[int, str] = {}
    for obj in graph.get("objects", []):
        if "nodes" in obj or "pos" not in obj:  # clusters and the graph's own subgraphs: only their titles count
            sizes += _text_boxes(obj.get("_ldraw_", []), obj.get("name", ""))[1]
            continue
        names[obj["_gvid"]] = obj["name"]
        x, y = (float(v) for v in obj["pos"].split(","))
        half_w = float(obj["width"]) * POINTS_PER_INCH / 2
        half_h = float(obj["height"]) * POINTS_PER_INCH / 2
        shape = Box(x - half_w, y - half_h, x + half_w, y + half_h, obj["name"])
        texts, used = _text_boxes(obj.get("_ldraw_", []), obj["name"])
        if obj.get("image") and texts:  # an icon node: the picture sits just above its label lines
            base = max(t.top for t in texts)
            shape = Box(x - half_w, base, x + half_w, min(base + 2 * half_w, y + half_h), obj["name"])
        shapes[obj["name"]] = _union([shape, *texts], obj["name"])
        if obj.get("shape") == "point" or obj.get("style") == "invis" or not (texts or obj.get("image")):
            invisible.add(obj["name"])
        sizes += used
        nodes.append(_union([shape, *texts], obj["name"]))
    edges = []
    for edge in graph.get("edges", []):
        texts, used = _text_boxes(edge.get("_ldraw_", []) + edge.get("_xldraw_", []), "")
        edge_labels += texts
        sizes += used
        start, end = _ends(edge["pos"])
        clipped = bool(edge.get("lhead") or edge.get("ltail"))
        edges.append(Edge(names[edge["tail"]], names[edge["head"]], start, end, clipped))
    _, used = _text_boxes(graph.get("_ldraw_", []), "title")
    sizes += used
    smallest = min(sizes) if sizes else 14.0
    return Layout(nodes, edge_labels, right - left, smallest, edges, shapes, invisible)
