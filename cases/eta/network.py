"""Road network: a perturbed grid as a networkx DiGraph, its segment table and vectorised routing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd

from cases.eta.origin_routes import OriginRouter
from framework.timeunits import SECONDS_PER_HOUR

Routing = Literal["all_pairs", "per_origin"]
"""How free-flow routes are found: dense all-pairs tables, or a Dijkstra per queried origin."""

ROAD_CLASSES: tuple[str, ...] = ("highway", "arterial", "local")
"""Road classes, in the order of their integer code."""

SPEED_LIMIT_KMH: dict[str, float] = {"highway": 100.0, "arterial": 60.0, "local": 40.0}

SEGMENT_COLUMNS: tuple[str, ...] = (
    "segment_id",
    "from_node",
    "to_node",
    "distance_km",
    "speed_limit_kmh",
    "free_flow_kmh",
    "road_class",
)
"""Columns of the segment table (also the columns of a real-data ``segments.csv``)."""


@dataclass
class RoadNetwork:
    """The road graph plus the arrays routing needs.

    Attributes:
        graph: directed graph; nodes are ``0..N-1``; each edge carries the segment's attributes.
        segments: one row per directed segment, indexed implicitly by ``segment_id`` (``0..S-1``).
        nodes: one row per intersection with ``x_km``/``y_km`` (NaN for real data without coordinates).
        next_hop: ``(N, N)`` next node on the free-flow shortest path from row to column (-1: none);
            None with per-origin routing.
        edge_index: ``(N, N)`` segment id of the edge row->column (-1: no edge); None with per-origin routing.
        router: the per-origin router (compiled Dijkstra from each queried origin) when the dense tables
            are not built (``routing="per_origin"``, the city-sized preset), else None.
    """

    graph: nx.DiGraph
    segments: pd.DataFrame
    nodes: pd.DataFrame
    next_hop: np.ndarray | None
    edge_index: np.ndarray | None
    router: OriginRouter | None = None

    @property
    def n_nodes(self) -> int:
        """Number of intersections."""
        return len(self.nodes)

    @property
    def n_segments(self) -> int:
        """Number of directed segments."""
        return len(self.segments)

    def routes(self, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
        """Segment ids of the free-flow shortest route of every (origin, destination) pair.

        Walks all routes at once, one hop per iteration, so the loop runs over path
        positions, never over trips.

        Args:
            origins: origin node ids.
            destinations: destination node ids.

        Returns:
            ``(n, L)`` int array of segment ids, right-padded with -1; ``L`` is the longest route.
        """
        if self.router is not None:
            return self.router.routes(origins, destinations)
        assert self.next_hop is not None and self.edge_index is not None
        cur = np.asarray(origins, dtype=np.int64).copy()
        dest = np.asarray(destinations, dtype=np.int64)
        paths = np.full((len(cur), max(self.n_nodes - 1, 1)), -1, dtype=np.int64)
        longest = 0
        for pos in range(self.n_nodes - 1):
            active = (cur != dest) & (self.next_hop[cur, dest] >= 0)
            if not active.any():
                break
            nxt = self.next_hop[cur[active], dest[active]]
            paths[active, pos] = self.edge_index[cur[active], nxt]
            cur[active] = nxt
            longest = pos + 1
        return paths[:, :longest] if longest else paths[:, :0]

    def route(self, origin: int, destination: int) -> list[int]:
        """One request's free-flow route (segment ids), as the ETA backend computes it per request.

        networkx's Dijkstra on the graph; on the city network (``routing="per_origin"``) the compiled
        per-origin Dijkstra instead, which gives the batch routes' paths (networkx takes ~140 ms a query there).
        """
        if self.router is not None:
            path = self.router.routes(np.array([origin]), np.array([destination]))[0]
            return path[path >= 0].tolist()
        nodes = nx.shortest_path(self.graph, origin, destination, weight="free_flow_s")
        return [self.graph[u][v]["segment_id"] for u, v in zip(nodes[:-1], nodes[1:])]

    def reachable(self, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
        """True where a route exists from origin to a different destination."""
        if self.router is not None:
            return self.router.reachable(origins, destinations)
        assert self.next_hop is not None
        o = np.asarray(origins, dtype=np.int64)
        d = np.asarray(destinations, dtype=np.int64)
        return (o != d) & (self.next_hop[o, d] >= 0)


def _road_class(index: np.ndarray, highway_every: int, arterial_every: int) -> np.ndarray:
    """Class of a grid row/column: a few highways, arterials every few lines, locals elsewhere."""
    highway = index % highway_every == highway_every // 2
    arterial = ~highway & (index % arterial_every == 0)
    return np.where(highway, "highway", np.where(arterial, "arterial", "local"))


def grid_network(
    rows: int,
    cols: int,
    block_km: float,
    highway_every: int,
    arterial_every: int,
    rng: np.random.Generator,
    routing: Routing = "all_pairs",
) -> RoadNetwork:
    """Build a perturbed grid of intersections with two-way segments.

    Args:
        rows: intersections per column.
        cols: intersections per row.
        block_km: spacing of the grid before perturbation.
        highway_every: every n-th row/column is a highway.
        arterial_every: every n-th remaining row/column is an arterial.
        rng: random stream for positions and free-flow speeds.
        routing: ``all_pairs`` (dense next-hop tables) or ``per_origin`` (see :func:`build_network`).

    Returns:
        The network with routing tables.
    """
    r, c = np.divmod(np.arange(rows * cols), cols)
    # Jitter keeps every shortest path unique (no ties), so batch routing and networkx agree.
    x = c * block_km + rng.uniform(-0.2, 0.2, rows * cols) * block_km
    y = r * block_km + rng.uniform(-0.2, 0.2, rows * cols) * block_km
    nodes = pd.DataFrame({"node": np.arange(rows * cols), "x_km": x, "y_km": y})

    # Horizontal streets follow their row's class, vertical ones their column's class.
    hr, hc = np.divmod(np.arange(rows * (cols - 1)), cols - 1)
    vr, vc = np.divmod(np.arange((rows - 1) * cols), cols)
    a = np.concatenate([hr * cols + hc, vr * cols + vc])
    b = np.concatenate([hr * cols + hc + 1, (vr + 1) * cols + vc])
    klass = np.concatenate(
        [_road_class(hr, highway_every, arterial_every), _road_class(vc, highway_every, arterial_every)]
    )
    src = np.concatenate([a, b])
    dst = np.concatenate([b, a])
    klass = np.concatenate([klass, klass])
    # Roads are not straight lines: a small detour factor on top of the Euclidean length.
    straight = np.hypot(x[dst] - x[src], y[dst] - y[src])
    distance = straight * (1.0 + rng.uniform(0.0, 0.15, len(src)))
    limit = pd.Series(klass).map(SPEED_LIMIT_KMH).to_numpy()
    free_flow = limit * rng.uniform(0.85, 1.0, len(src))
    segments = pd.DataFrame(
        {
            "segment_id": np.arange(len(src)),
            "from_node": src,
            "to_node": dst,
            "distance_km": distance,
            "speed_limit_kmh": limit,
            "free_flow_kmh": free_flow,
            "road_class": klass,
        }
    )
    return build_network(segments, nodes, routing)


def build_network(
    segments: pd.DataFrame, nodes: pd.DataFrame | None = None, routing: Routing = "all_pairs"
) -> RoadNetwork:
    """Turn a segment table (``SEGMENT_COLUMNS``, ids ``0..S-1``, nodes ``0..N-1``) into a network.

    Args:
        segments: the segment table.
        nodes: optional node table with coordinates.
        routing: ``all_pairs``: dense nodes x nodes next-hop and edge tables (one networkx Dijkstra per
            node; fast batch lookups, the presets up to large); ``per_origin``: no dense table, one compiled
            Dijkstra per distinct queried origin (the city-sized preset, where the tables would take 10 GB).

    Returns:
        The network with its graph and routing tables.
    """
    segments = segments.sort_values("segment_id", ignore_index=True).copy()
    segments["road_class_code"] = pd.Categorical(segments["road_class"], categories=ROAD_CLASSES).codes.astype(np.int64)
    segments["free_flow_s"] = segments["distance_km"] / segments["free_flow_kmh"] * SECONDS_PER_HOUR
    n_nodes = int(max(segments["from_node"].max(), segments["to_node"].max())) + 1
    if nodes is None:
        nodes = pd.DataFrame({"node": np.arange(n_nodes), "x_km": np.nan, "y_km": np.nan})
    graph = nx.from_pandas_edgelist(
        segments,
        source="from_node",
        target="to_node",
        edge_attr=["segment_id", "distance_km", "speed_limit_kmh", "free_flow_kmh", "road_class", "free_flow_s"],
        create_using=nx.DiGraph,
    )
    graph.add_nodes_from(range(n_nodes))
    if routing == "per_origin":
        return RoadNetwork(graph, segments, nodes, None, None, OriginRouter(segments, n_nodes))
    edge_index = np.full((n_nodes, n_nodes), -1, dtype=np.int64)
    edge_index[segments["from_node"].to_numpy(), segments["to_node"].to_numpy()] = segments["segment_id"].to_numpy()
    return RoadNetwork(graph, segments, nodes, next_hop_matrix(graph, n_nodes), edge_index)


def next_hop_matrix(graph: nx.DiGraph, n_nodes: int, weight: str = "free_flow_s") -> np.ndarray:
    """Next node on the shortest path from every node to every target (routing table).

    One Dijkstra per target on the reversed graph: its predecessor of ``v`` is the node
    after ``v`` on the way to the target. The loop runs over nodes (graph structure).

    Args:
        graph: the road graph.
        n_nodes: number of nodes (ids ``0..N-1``).
        weight: edge attribute minimised.

    Returns:
        ``(N, N)`` int array; -1 where the target is the node itself or unreachable.
    """
    table = np.full((n_nodes, n_nodes), -1, dtype=np.int64)
    reverse = graph.reverse(copy=False)
    for target in range(n_nodes):
        pred, _ = nx.dijkstra_predecessor_and_distance(reverse, target, weight=weight)
        froms = [v for v, p in pred.items() if p]
        table[froms, target] = [pred[v][0] for v in froms]
    return table
