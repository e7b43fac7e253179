"""The whiteboard view: the serving path and the training loop, flows numbered as drawn in an interview.

From the full spec it keeps, in this order, the primary serving path (standbys left out), the
offline chain that feeds it (a data source -> ... -> training -> ... -> the serving path) and the
feedback loop from the serving side back to training; then a monitoring box when room is left.
The request path is numbered 1, 2, 3 in request order (drawn from the caller to the callee); the
offline flows A, B, C from the sources downstream.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import TYPE_CHECKING

from framework.architecture import ArchitectureSpec, Component, latency_budget, to_graph

if TYPE_CHECKING:
    import networkx as nx

MAX_BOXES = 12
STORE_KINDS = ("kv_store", "database", "storage")


@dataclass(frozen=True)
class NumberedFlow:
    """One arrow of the whiteboard view, in the direction it is drawn.

    Attributes:
        tag: ``"1"``, ``"2"``... on the request path, ``"A"``, ``"B"``... offline.
        source: where the arrow starts (the caller, for a request).
        target: where it points.
        label: what travels (for a request: what comes back).
        serving: on the online request path.
    """

    tag: str
    source: str
    target: str
    label: str
    serving: bool


@dataclass(frozen=True)
class Whiteboard:
    """The components and numbered flows of the whiteboard view."""

    components: list[Component]
    flows: list[NumberedFlow]


def _offline(graph: nx.DiGraph) -> nx.DiGraph:
    return graph.edge_subgraph([(u, v) for u, v, s in graph.edges(data="serving") if not s]).copy()


def _shortest(graph: nx.DiGraph, starts: list[str], ends: set[str]) -> list[str]:
    """The shortest path from any of ``starts`` to any of ``ends`` (empty when there is none)."""
    import networkx as nx

    best: list[str] = []
    for start in starts:
        if start not in graph:
            continue
        lengths, paths = (
            nx.single_source_shortest_path_length(graph, start),
            nx.single_source_shortest_path(graph, start),
        )
        reachable = [e for e in ends if e in lengths and e != start]
        for end in sorted(reachable, key=lambda e: (lengths[e], e)):
            if not best or len(paths[end]) < len(best):
                best = paths[end]
            break
    return best


def _plan(spec: ArchitectureSpec) -> tuple[list[str], list[NumberedFlow]]:
    """The chosen component ids and the offline flows between them (some contracted), before numbering."""
    graph = to_graph(spec)
    offline = _offline(graph)
    path, _ = latency_budget(spec)
    chosen: list[str] = list(reversed(path))  # client first: the request's order
    kinds = dict(graph.nodes(data="kind"))
    training = {n for n, k in kinds.items() if k == "training"}
    sources = sorted(n for n, k in kinds.items() if k == "source")
    on_path = set(path)
    # In priority order: the data that trains the model (from the source with the longest
    # processing chain), how the model reaches serving, and the feedback loop from the served
    # side back to training; then the other sources.
    by_source = sorted((_shortest(offline, [s], training) for s in sources), key=lambda c: (-len(c), c))
    by_source = [c for c in by_source if c]
    model_path = _shortest(offline, sorted(training), on_path)
    # Stores on the serving path are filled offline (a cache of precomputed lists, an online feature
    # store): draw what fills each one, from what is already on the board.
    stores = [n for n in path if kinds[n] in STORE_KINDS and offline.has_node(n) and offline.in_degree(n)]
    upstream = [*(by_source[0] if by_source else []), *model_path]
    feeds = [_shortest(offline, sorted(set(upstream)), {store}) for store in stores]
    chains = [
        *by_source[:1],
        model_path,
        *[feed for feed in feeds if feed and not set(feed[1:-1]) <= set(upstream)],
        _shortest(offline, sorted(on_path), training),
        *by_source[1:],
    ]
    shortcuts: list[NumberedFlow] = []
    for chain in chains:
        new = [n for n in chain if n not in chosen]
        room = MAX_BOXES - len(chosen)
        if not new or room <= 0:
            continue
        if len(new) > room:  # keep the chain's far end; say what was skipped on the arrow that jumps it
            new = new[: room - 1] + new[-1:]
        kept = [n for n in chain if n in chosen or n in new]
        for before, after in zip(kept, kept[1:], strict=False):
            skipped = chain[chain.index(before) + 1 : chain.index(after)]
            if skipped:
                via = ", ".join(" ".join(graph.nodes[n]["label"].split()) for n in skipped)
                what = " ".join(graph.edges[before, skipped[0]]["label"].split())
                shortcuts.append(NumberedFlow("", before, after, f"{what} (via {via})".strip(), False))
        chosen += new
    monitors = sorted(n for n, k in kinds.items() if k == "monitoring")
    monitors.sort(key=lambda m: not graph.has_edge(path[0], m))
    if monitors and len(chosen) < MAX_BOXES and any(graph.has_edge(c, monitors[0]) for c in chosen):
        chosen.append(monitors[0])
    return chosen, shortcuts


def whiteboard(spec: ArchitectureSpec) -> Whiteboard:
    """The whiteboard view of ``spec``: its chosen components and every flow between them, numbered."""
    import networkx as nx

    graph = to_graph(spec)
    chosen, shortcuts = _plan(spec)
    keep = set(chosen)
    components = [c for c in spec.components if c.id in keep]
    path, _ = latency_budget(spec)
    request = list(reversed(path))
    serving = []
    for number, (caller, callee) in enumerate(zip(request, request[1:], strict=False), start=1):
        label = graph.edges[callee, caller]["label"]
        serving.append(NumberedFlow(str(number), caller, callee, " ".join(label.split()), True))
    offline = [
        NumberedFlow("", f.source, f.target, " ".join(f.label.split()), False)
        for f in spec.flows
        if not f.serving and f.source in keep and f.target in keep
    ] + shortcuts
    # Letters follow the data: from the sources downstream, so A starts where the data starts.
    sources = [n for n, k in graph.nodes(data="kind") if k == "source"]
    depth: dict[str, int] = {}
    for source in sources:
        for node, d in nx.single_source_shortest_path_length(graph, source).items():
            depth[node] = min(depth.get(node, d), d)
    order = {c.id: i for i, c in enumerate(spec.components)}
    offline.sort(key=lambda f: (depth.get(f.source, len(order)), order[f.source], order[f.target]))
    lettered = [
        NumberedFlow(t, f.source, f.target, f.label, False)
        for t, f in zip(_letters(len(offline)), offline, strict=True)
    ]
    return Whiteboard(components, serving + lettered)


def _letters(count: int) -> list[str]:
    """``A``..``Z``, then ``AA``, ``AB``... for more flows."""
    letters = list(string.ascii_uppercase)
    while len(letters) < count:
        letters += [a + b for a in string.ascii_uppercase for b in string.ascii_uppercase]
    return letters[:count]
