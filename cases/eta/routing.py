"""City-scale route queries: shortest path on the departure interval's weights (csgraph), timed along the path."""

from __future__ import annotations

import time
from collections.abc import Callable

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from cases.eta.traffic import INTERVAL_S, INTERVALS_PER_WEEK
from cases.eta.trips import walk_routes

SegmentTable = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``(segment_ids, interval_index) -> seconds`` (a fitted model's ``predict_segment_time``)."""


class CityRouter:
    """A compressed sparse graph built once from the networkx road graph; per query only its weights change.

    The dense next-hop table of :class:`cases.eta.network.RoadNetwork` is nodes x nodes (5 GB at
    25,600 nodes); this router keeps one entry per segment and runs one compiled Dijkstra per query.

    Attributes:
        n_nodes: intersections.
        segment_of_entry: segment id of each stored entry of the sparse matrix (CSR order).
        edge_keys: sorted ``from * n_nodes + to`` of every segment; edge_segments: their segment ids.
    """

    def __init__(self, graph: nx.DiGraph) -> None:
        edges = np.array([(u, v, d["segment_id"]) for u, v, d in graph.edges(data=True)], dtype=np.int64)
        self.n_nodes = graph.number_of_nodes()
        src, dst, seg = edges[:, 0], edges[:, 1], edges[:, 2]
        # Segment id + 1 as the stored value: CSR conversion reorders entries, this records where each went.
        order = csr_matrix((seg + 1.0, (src, dst)), shape=(self.n_nodes, self.n_nodes))
        self._indices, self._indptr = order.indices, order.indptr
        self.segment_of_entry = order.data.astype(np.int64) - 1
        keys = src * self.n_nodes + dst
        sort = np.argsort(keys)
        self.edge_keys, self.edge_segments = keys[sort], seg[sort]

    def weights_at(self, segment_time: SegmentTable, interval: int) -> csr_matrix:
        """The graph weighted by every segment's time at one interval (the departure's)."""
        seconds = segment_time(self.segment_of_entry, np.full(self.segment_of_entry.size, interval, dtype=np.int64))
        return csr_matrix((seconds, self._indices, self._indptr), shape=(self.n_nodes, self.n_nodes))

    def route(self, weighted: csr_matrix, origin: int, destination: int) -> np.ndarray:
        """Segment ids of the shortest route on ``weighted`` (empty when unreachable or the same node)."""
        _, pred = dijkstra(weighted, directed=True, indices=origin, return_predecessors=True)
        nodes = [destination]
        # Following predecessors walks the graph's structure (one step per intersection of the route).
        while nodes[-1] != origin and pred[nodes[-1]] >= 0:
            nodes.append(int(pred[nodes[-1]]))
        if nodes[-1] != origin or len(nodes) < 2:
            return np.empty(0, dtype=np.int64)
        path = np.array(nodes[::-1], dtype=np.int64)
        return self.edge_segments[np.searchsorted(self.edge_keys, path[:-1] * self.n_nodes + path[1:])]

    def eta(self, segment_time: SegmentTable, origin: int, destination: int, departure_s: float) -> tuple[float, int]:
        """ETA of one query: route on the departure interval's weights, then time each segment when reached.

        Returns:
            Seconds, and the route's segments (0 when there is no route).
        """
        interval = int(departure_s // INTERVAL_S) % INTERVALS_PER_WEEK
        path = self.route(self.weights_at(segment_time, interval), origin, destination)
        if path.size == 0:
            return float("nan"), 0
        return float(walk_routes(path[None, :], np.array([departure_s]), segment_time)[0]), int(path.size)


def route_latency(
    router: CityRouter,
    segment_time: SegmentTable,
    origins: np.ndarray,
    destinations: np.ndarray,
    departures_s: np.ndarray,
    segments: tuple[int, int] = (100, 500),
) -> dict[str, float]:
    """p50/p99 milliseconds of route queries whose route has ``segments`` segments (bounds included).

    Args:
        router: the city router.
        segment_time: the deployed model's segment times.
        origins: origin nodes; destinations: destination nodes; departures_s: departure seconds.
        segments: the route lengths that count (queries with other lengths are timed but not reported).
    """
    ms, lengths = [], []
    for o, d, t in zip(origins, destinations, departures_s, strict=True):  # one query at a time: latency
        start = time.perf_counter()
        _, n = router.eta(segment_time, int(o), int(d), float(t))
        ms.append((time.perf_counter() - start) * 1e3)
        lengths.append(n)
    ms_a, n_a = np.array(ms), np.array(lengths)
    kept = (n_a >= segments[0]) & (n_a <= segments[1])
    if not kept.any():
        return {"route_queries": 0}
    return {
        "route_queries": int(kept.sum()),
        "route_p50_ms": round(float(np.percentile(ms_a[kept], 50)), 3),
        "route_p99_ms": round(float(np.percentile(ms_a[kept], 99)), 3),
        "route_segments_min": int(n_a[kept].min()),
        "route_segments_max": int(n_a[kept].max()),
    }


# Route lengths of the city-scale latency measurement (a realistic city trip, in segments).
CITY_ROUTE_SEGMENTS = (100, 500)


def city_routes(
    graph: nx.DiGraph,
    segment_time: SegmentTable,
    queries: int,
    first_s: float,
    last_s: float,
    rng: np.random.Generator,
    segments: tuple[int, int] = CITY_ROUTE_SEGMENTS,
) -> dict[str, object]:
    """Route-query latency on the whole network when it has routes of ``segments`` length, else why not.

    Returns:
        ``serving`` extras: ``route_*`` figures and ``city_routes`` (the sentence the report shows).
    """
    hops = max(nx.single_source_shortest_path_length(graph, 0).values(), default=0)
    lo, hi = segments
    if 2 * hops < lo:  # no two nodes are that far apart: the measurement needs the xl city network
        return {
            "city_routes": f"Route queries of {lo}-{hi} segments are timed on the city-sized network of --scale "
            f"xl; this network's routes stay under {2 * hops} segments, so none is timed here."
        }
    router = CityRouter(graph)
    n_nodes = router.n_nodes
    origins, dests = rng.integers(0, n_nodes, queries), rng.integers(0, n_nodes, queries)
    stats: dict[str, object] = dict(
        route_latency(router, segment_time, origins, dests, rng.uniform(first_s, last_s, queries), segments)
    )
    if not stats.get("route_queries"):
        stats["city_routes"] = f"No sampled route query had {lo}-{hi} segments on this network."
        return stats
    longest = int(str(stats["route_segments_max"]))
    stats["city_routes"] = (
        f"City routes: {stats['route_queries']:,} queries of {stats['route_segments_min']}-"
        f"{longest} segments on the {graph.number_of_edges():,}-segment network, each a "
        f"compiled Dijkstra (scipy.sparse.csgraph) on the departure interval's weights and a time-dependent sum "
        f"along the path: p50 {stats['route_p50_ms']:.1f} ms, p99 {stats['route_p99_ms']:.1f} ms."
        + (
            f" No sampled route reached {hi} segments: shortest routes on this grid are shorter."
            if longest < hi
            else ""
        )
    )
    return stats
