"""Draw an ArchitectureSpec with `diagrams`: deterministic .dot source, PNG and self-contained SVG."""

from __future__ import annotations

import base64
import contextlib
import html
import importlib
import mimetypes
import os
import re
import shutil
import tempfile
import textwrap
from pathlib import Path, PurePosixPath

import graphviz

import diagrams
from diagrams import Cluster, Diagram, Edge, Node
from framework.architecture import ArchitectureSpec, drawn_ends, to_graph

DOT_MISSING_MESSAGE = "Graphviz 'dot' not found on PATH; install the OS package graphviz (apt-get install graphviz)"

# kind -> (diagrams module, class). Every kind of framework.architecture.COMPONENT_KINDS
# must be here; tests check that and that each icon file ships with `diagrams`.
KIND_ICONS: dict[str, tuple[str, str]] = {
    "source": ("diagrams.onprem.compute", "Server"),
    "database": ("diagrams.onprem.database", "Postgresql"),
    "stream": ("diagrams.onprem.queue", "Kafka"),
    "storage": ("diagrams.generic.storage", "Storage"),
    "compute": ("diagrams.onprem.analytics", "Spark"),
    "training": ("diagrams.onprem.workflow", "Kubeflow"),
    "registry": ("diagrams.aws.ml", "SagemakerModel"),
    "kv_store": ("diagrams.onprem.inmemory", "Redis"),
    "service": ("diagrams.programming.framework", "Fastapi"),
    "load_balancer": ("diagrams.onprem.network", "Nginx"),
    "client": ("diagrams.onprem.client", "Users"),
    "monitoring": ("diagrams.onprem.monitoring", "Prometheus"),
    "alerting": ("diagrams.onprem.monitoring", "Grafana"),
    "experiment": ("diagrams.programming.flowchart", "Decision"),
}

_GRAPH_ATTR = {
    "pad": "0.4",
    "fontsize": "18",
    "labelloc": "t",
    # Curved edges with real labels: dot reserves room for each label, so none lands on a box
    # (diagrams' default ortho splines place labels after layout, on top of icons).
    "splines": "spline",
    "nodesep": "0.6",
    "ranksep": "0.9",
}
_SERVING_EDGE = {"color": "#D9480F", "fontcolor": "#D9480F", "style": "bold", "penwidth": "2.0", "fontsize": "12"}
_OFFLINE_EDGE = {"color": "#7B8894", "fontcolor": "#4A5560", "style": "solid", "fontsize": "12"}
_LABEL_WIDTH = 18  # characters per line of a node label
_ICON_PX = 56  # icon cell size in points
_NODE_FONT = 13

# href="..." / xlink:href="..." attributes in Graphviz SVG output.
_HREF = re.compile(r'(?P<attr>(?:xlink:)?href)="(?P<value>[^"]*)"')


def dot_available() -> bool:
    """Whether the Graphviz ``dot`` executable is on PATH.

    Returns:
        True when ``dot`` can be run to render PNG/SVG.
    """
    return shutil.which("dot") is not None


def icon_class(kind: str) -> type[Node]:
    """The `diagrams` node class drawn for a component kind.

    Args:
        kind: one of ``framework.architecture.COMPONENT_KINDS``.

    Returns:
        The `diagrams` Node subclass whose icon stands for that kind.

    Raises:
        KeyError: when the kind has no icon in ``KIND_ICONS``.
    """
    module, name = KIND_ICONS[kind]
    return getattr(importlib.import_module(module), name)


def icon_file(kind: str, *, portable: bool = False) -> Path | PurePosixPath:
    """The PNG icon drawn for a component kind.

    Args:
        kind: one of ``framework.architecture.COMPONENT_KINDS``.
        portable: return the path relative to the `diagrams` distribution root
            (``resources/<provider>/...png``), the same on every machine, instead of
            the absolute path Graphviz needs to render.

    Returns:
        The icon path (absolute ``Path``, or relative ``PurePosixPath`` when portable).
    """
    cls = icon_class(kind)
    relative = PurePosixPath(cls._icon_dir, cls._icon)
    if portable:
        return relative
    # `diagrams` resolves icons the same way: resources/ sits next to the diagrams package.
    return Path(diagrams.__file__).resolve().parent.parent.joinpath(*relative.parts)


def node_label(label: str, latency_ms: float, icon: str, font: int = _NODE_FONT, wrap: int = _LABEL_WIDTH) -> str:
    """A node's HTML-like Graphviz label: the icon above the wrapped text and, when it adds any, its latency."""
    lines = textwrap.wrap(label, wrap) or [""]
    if latency_ms:
        lines.append(f"({latency_ms:g} ms)")
    rows = "".join(f"<TR><TD>{html.escape(line)}</TD></TR>" for line in lines)
    cell = f'FIXEDSIZE="TRUE" WIDTH="{_ICON_PX}" HEIGHT="{_ICON_PX}"'
    image = f'<TR><TD {cell}><IMG SRC="{html.escape(icon)}" SCALE="TRUE"/></TD></TR>'
    table = f'<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="1">{image}{rows}</TABLE>'
    return f'<<FONT POINT-SIZE="{font}">{table}</FONT>>'


class _Canvas(Diagram):
    """A `diagrams.Diagram` whose context exit does not render.

    ``Diagram.__exit__`` runs ``dot`` and deletes the source file; here the graph is
    only built, and rendering is an explicit step done by ``render``.
    """

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        diagrams.setdiagram(None)


VIEWS = ("full", "whiteboard")
_WHITEBOARD_FONT = 16  # node and tag text of the whiteboard view, in points
# Tighter than the full view: the whiteboard must be read at the report's width, text >= 10 px.
_WHITEBOARD_ATTR = {"labelloc": "b", "ranksep": "0.45", "nodesep": "0.35", "pad": "0.2"}
_TAG_EDGE = {"fontsize": str(_WHITEBOARD_FONT), "fontname": "Sans-Serif Bold"}


def _build(
    spec: ArchitectureSpec, title: str, filename: Path, *, portable: bool, view: str = "full"
) -> graphviz.Digraph:
    """Build the Graphviz graph of one view of the spec with `diagrams` without running ``dot``.

    Args:
        spec: the architecture to draw.
        title: diagram title.
        filename: absolute output path without extension (used only when rendering).
        portable: use icon paths relative to the diagrams distribution (for the .dot
            text) instead of absolute ones (for rendering).
        view: ``full`` (every component and flow, labelled) or ``whiteboard`` (the serving
            path and the training loop, flows numbered, a legend under the drawing).

    Returns:
        The ``graphviz.Digraph`` that `diagrams` built.
    """
    to_graph(spec)  # a flow to an unknown component would silently become a bare node
    if view == "whiteboard":
        from framework.whiteboard import whiteboard

        board = whiteboard(spec)
        components = board.components
        edges = [(f.source, f.target, _whiteboard_edge(f.tag, f.serving)) for f in board.flows]
        label, font, wrap = _legend(title, board.flows, {c.id: c.label for c in spec.components}), _WHITEBOARD_FONT, 14
    else:
        components = list(spec.components)
        # Serving flows point from caller to callee (the request's direction, as on the whiteboard);
        # the spec lists them in data direction, which the latency budget walks.
        edges = [(*drawn_ends(f.source, f.target, f.serving), _full_edge(f.label, f.serving)) for f in spec.flows]
        label, font, wrap = (
            f"{title}\n(bold orange = online request path, drawn from caller to callee; the answer comes back)",
            _NODE_FONT,
            _LABEL_WIDTH,
        )
    groups: list[str | None] = []
    for c in components:
        if c.group not in groups:
            groups.append(c.group)
    canvas = _Canvas(
        name=title,
        filename=str(filename),
        direction="LR",
        outformat=["png", "svg"],
        show=False,
        graph_attr={**_GRAPH_ATTR, "label": label, **(_WHITEBOARD_ATTR if view == "whiteboard" else {})},
    )
    nodes: dict[str, Node] = {}
    with canvas:
        for group in groups:
            cluster_font = {"fontsize": str(font)} if view == "whiteboard" else {}
            with Cluster(group, graph_attr=cluster_font) if group is not None else contextlib.nullcontext():
                for c in (c for c in components if c.group == group):
                    # nodeid: diagrams otherwise names nodes with random uuid4 hex. A plain node whose
                    # HTML label holds the icon and the text: its box is exactly what a reader sees,
                    # so edges end on the icon or its words, never in the empty part of a tall box.
                    nodes[c.id] = icon_class(c.kind)(
                        node_label(c.label, c.latency_ms, str(icon_file(c.kind, portable=portable)), font, wrap),
                        nodeid=c.id,
                        shape="plain",
                        image="",
                        height="0",
                        width="0",
                        fixedsize="false",
                    )
        for source, target, attrs in edges:
            src = nodes[source]
            src.connect(nodes[target], Edge(src, forward=True, **attrs))
    return canvas.dot


def _full_edge(label: str, serving: bool) -> dict[str, str]:
    attrs = dict(_SERVING_EDGE if serving else _OFFLINE_EDGE)
    if label:
        attrs["label"] = " ".join(label.split())
    return attrs


def _whiteboard_edge(tag: str, serving: bool) -> dict[str, str]:
    """A numbered arrow: the tag only (the legend says what flows, and that a request's answer comes back)."""
    return {**(_SERVING_EDGE if serving else _OFFLINE_EDGE), **_TAG_EDGE, "label": tag}


def _legend(title: str, flows: list, labels: dict[str, str]) -> str:
    """The whiteboard's title and numbered-flow legend, as an HTML-like label under the drawing."""
    rows = [
        f'<TR><TD ALIGN="LEFT"><B>{html.escape(f.tag)}</B></TD><TD ALIGN="LEFT">'
        f"{html.escape(' '.join(labels[f.source].split()))} &#8594; {html.escape(' '.join(labels[f.target].split()))}: "
        f"{html.escape(' '.join(f.label.split()) or 'request')}{' (and back)' if f.serving else ''}</TD></TR>"
        for f in flows
    ]
    head = (
        f'<TR><TD COLSPAN="2"><FONT POINT-SIZE="{_WHITEBOARD_FONT + 4}">{html.escape(title)}: whiteboard view'
        "</FONT></TD></TR>"
        '<TR><TD COLSPAN="2" ALIGN="LEFT">1, 2, 3: the request path (orange, answer on the same arrow); '
        "A, B, C: offline data and training</TD></TR>"
    )
    table = f'<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="2">{head}{"".join(rows)}</TABLE>'
    return f'<<FONT POINT-SIZE="{_WHITEBOARD_FONT}">{table}</FONT>>'


def dot_source(spec: ArchitectureSpec, title: str, view: str = "full") -> str:
    """The Graphviz DOT text of the architecture diagram, without running ``dot``.

    Deterministic and machine-independent: node ids are the component ids, clusters
    are named after their group, and icon paths are relative to the `diagrams`
    distribution root (``resources/...png``).

    Args:
        spec: the architecture to draw.
        title: diagram title.

    Returns:
        The DOT source; the same spec and title give byte-identical text.

    Raises:
        ArchitectureError: when a flow names an unknown component.
    """
    # The filename is never written to here; diagrams only stores it.
    graph = _build(spec, title, Path(tempfile.gettempdir()) / "architecture", portable=True, view=view)
    return graph.source


def _require_dot() -> None:
    if not dot_available():
        raise RuntimeError(DOT_MISSING_MESSAGE)


def _inline_images(svg: str) -> str:
    """Replace every file href in a Graphviz SVG by a base64 data URI.

    Raises:
        RuntimeError: when an href names a file that cannot be read.
    """

    def embed(match: re.Match[str]) -> str:
        value = html.unescape(match["value"])
        if value.startswith(("data:", "#", "http://", "https://")):
            return match[0]
        path = Path(value)
        if not path.is_file():
            raise RuntimeError(f"SVG references image {value!r} that does not exist; cannot inline it")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'{match["attr"]}="data:{mime};base64,{data}"'

    return _HREF.sub(embed, svg)


def view_stem(stem: str, view: str) -> str:
    """File stem of a view: ``eta`` for the full view, ``eta-whiteboard`` for the whiteboard."""
    return stem if view == "full" else f"{stem}-{view}"


def render(spec: ArchitectureSpec, title: str, out_dir: Path, stem: str, view: str = "full") -> dict[str, Path]:
    """Write ``<stem>.dot``, ``<stem>.png`` and ``<stem>.svg`` into ``out_dir``.

    The .dot file is ``dot_source``; the SVG has its icons inlined as data URIs so it
    holds no machine path. Files are rendered in a temporary folder and moved into
    place, so a failure leaves no half-written output.

    Args:
        spec: the architecture to draw.
        title: diagram title.
        out_dir: destination folder (created when missing).
        stem: file name without extension (see :func:`view_stem`).
        view: ``full`` or ``whiteboard``.

    Returns:
        ``{"dot": path, "png": path, "svg": path}``.

    Raises:
        RuntimeError: when Graphviz ``dot`` is not installed.
        ArchitectureError: when a flow names an unknown component.
    """
    _require_dot()
    source = dot_source(spec, title, view)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # The temp folder lives in out_dir so the final moves are same-filesystem renames.
    with tempfile.TemporaryDirectory(prefix=f".{stem}-", dir=out_dir) as tmp:
        work = Path(tmp)
        graph = _build(spec, title, work / stem, portable=False, view=view)
        for fmt in ("png", "svg"):
            graph.render(format=fmt, view=False, quiet=True)
        svg_path = work / f"{stem}.svg"
        svg_path.write_text(_inline_images(svg_path.read_text(encoding="utf-8")), encoding="utf-8")
        (work / f"{stem}.dot").write_text(source, encoding="utf-8")
        written: dict[str, Path] = {}
        for fmt in ("dot", "png", "svg"):
            target = out_dir / f"{stem}.{fmt}"
            os.replace(work / f"{stem}.{fmt}", target)
            written[fmt] = target
    return written
