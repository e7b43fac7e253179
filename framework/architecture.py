"""Architecture spec -> networkx graph: validation and the serving-path latency budget."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from framework.notes import StepNotes

if TYPE_CHECKING:  # networkx is imported when a graph is built, not when a design is loaded
    import networkx as nx

ComponentKind = Literal[
    "source",  # raw data origin (logs, probes, operational DB)
    "database",  # relational / document store
    "stream",  # message queue or event stream
    "storage",  # object store / data lake / feature tables
    "compute",  # batch or stream processing job
    "training",  # model training job
    "registry",  # model registry / artifact store
    "kv_store",  # online key-value store or cache
    "service",  # online service / API
    "load_balancer",
    "client",  # the user-facing app
    "monitoring",
    "alerting",
    "experiment",  # A/B testing service
]

COMPONENT_KINDS: tuple[str, ...] = ComponentKind.__args__  # type: ignore[attr-defined]


class ArchitectureError(ValueError):
    """The architecture spec is inconsistent; the message says what to change."""


class Component(BaseModel):
    """A box in the diagram.

    Attributes:
        id: stable identifier (also the node id in the .dot source).
        label: text shown under the icon.
        kind: what the component is; decides the icon.
        group: optional cluster name (e.g. "Offline training").
        latency_ms: time this component adds to a request on the serving path.
        standby: a hot standby or replica that takes over on failure; the primary serving path avoids it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    kind: ComponentKind
    group: str | None = None
    latency_ms: float = Field(default=0.0, ge=0)
    standby: bool = False


class Flow(BaseModel):
    """A directed data flow between two components.

    Attributes:
        source: id of the upstream component.
        target: id of the downstream component.
        label: what flows (shown on the edge).
        serving: True when the flow is on the online request path.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    target: str
    label: str = ""
    serving: bool = False


class ArchitectureSpec(StepNotes):
    """Step 3: the MVP architecture as components and flows."""

    components: list[Component]
    flows: list[Flow]

    @model_validator(mode="after")
    def _ids_unique(self) -> ArchitectureSpec:
        ids = [c.id for c in self.components]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"component ids must be unique; repeated: {dupes}")
        return self

    def component(self, component_id: str) -> Component:
        """Return the component with this id."""
        return next(c for c in self.components if c.id == component_id)


def to_graph(spec: ArchitectureSpec) -> nx.DiGraph:
    """Build the directed graph of components (nodes) and flows (edges).

    Raises:
        ArchitectureError: when a flow names a component that does not exist.
    """
    import networkx as nx

    graph = nx.DiGraph()
    for c in spec.components:
        graph.add_node(c.id, label=c.label, kind=c.kind, group=c.group, latency_ms=c.latency_ms)
    for f in spec.flows:
        for end in (f.source, f.target):
            if end not in graph:
                raise ArchitectureError(
                    f"flow {f.source} -> {f.target} names unknown component {end!r}; "
                    f"add a Component(id={end!r}, ...) or fix the flow"
                )
        graph.add_edge(f.source, f.target, label=f.label, serving=f.serving)
    return graph


def drawn_ends(source: str, target: str, serving: bool) -> tuple[str, str]:
    """Where a flow's arrow starts and ends: a serving flow is drawn from the caller (its target) to the callee."""
    return (target, source) if serving else (source, target)


def validate(spec: ArchitectureSpec) -> nx.DiGraph:
    """Check the architecture makes sense as a system and return its graph.

    Rules: no dangling flow; at least one data source and one client; every
    component reachable from a data source; the serving flows form an acyclic path
    that ends at a client.

    Raises:
        ArchitectureError: naming the first rule broken and how to fix it.
    """
    import networkx as nx

    graph = to_graph(spec)
    sources = [n for n, k in graph.nodes(data="kind") if k == "source"]
    clients = [n for n, k in graph.nodes(data="kind") if k == "client"]
    if not sources:
        raise ArchitectureError("no component of kind 'source'; add the raw data origin")
    if not clients:
        raise ArchitectureError("no component of kind 'client'; add the app that consumes predictions")
    reachable = set(sources)
    for s in sources:
        reachable |= nx.descendants(graph, s)
    unreachable = sorted(set(graph) - reachable)
    if unreachable:
        raise ArchitectureError(f"components not reachable from any data source: {unreachable}; add a flow into each")
    serving = serving_subgraph(graph)
    if serving.number_of_edges() == 0:
        raise ArchitectureError("no flow is marked serving=True; mark the online request path")
    if not nx.is_directed_acyclic_graph(serving):
        cycle = nx.find_cycle(serving)
        raise ArchitectureError(f"serving flows form a cycle {cycle}; draw data direction only")
    if not any(c in serving for c in clients):
        raise ArchitectureError("the serving path does not reach a client; end it at the app")
    return graph


def serving_subgraph(graph: nx.DiGraph) -> nx.DiGraph:
    """The subgraph of flows marked as serving."""
    edges = [(u, v) for u, v, s in graph.edges(data="serving") if s]
    return graph.edge_subgraph(edges).copy()


def latency_budget(spec: ArchitectureSpec) -> tuple[list[str], float]:
    """The primary serving path into a client (standby components left out) and its summed latency.

    Where the primary components still branch, the slowest branch is the budget.

    Returns:
        (component ids along that path, total milliseconds).
    """
    import networkx as nx

    graph = validate(spec)
    serving = serving_subgraph(graph)
    standby = [c.id for c in spec.components if c.standby]
    primary = serving.subgraph([n for n in serving if n not in standby])
    if any(graph.nodes[n]["kind"] == "client" for n in primary):
        serving = primary.copy()
    weight = {n: graph.nodes[n]["latency_ms"] for n in serving}
    best: dict[str, tuple[float, list[str]]] = {}
    for node in nx.topological_sort(serving):
        preds = [best[p] for p in serving.predecessors(node)]
        total, path = max(preds, key=lambda t: t[0]) if preds else (0.0, [])
        best[node] = (total + weight[node], [*path, node])
    clients = [n for n in serving if graph.nodes[n]["kind"] == "client"]
    total, path = max((best[c] for c in clients), key=lambda t: t[0])
    return path, total
