"""The ETA backend as served: model times in a SQLite key-value store, routing on the in-memory graph."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import networkx as nx
import numpy as np

from cases.eta.design import DESIGN
from cases.eta.models import SegmentTimeModel
from cases.eta.traffic import INTERVAL_S, INTERVALS_PER_WEEK
from framework.results import Measured, ServingResult

# Seconds: served ETAs below the route's free-flow sum by less than this are float rounding.
FREE_FLOW_TOLERANCE_S = 1e-6


class SegmentTimeStore:
    """Embedded key-value store: (segment_id, interval_within_week) -> travel time in seconds."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.conn = sqlite3.connect(self.path)
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS segment_time ("
            " segment_id INTEGER NOT NULL, interval_within_week INTEGER NOT NULL, travel_time_s REAL NOT NULL,"
            " PRIMARY KEY (segment_id, interval_within_week)) WITHOUT ROWID"
        )

    def write(self, table: np.ndarray) -> int:
        """Replace the store's content with a model's ``(S, 5040)`` table; returns rows written."""
        n_seg, n_int = table.shape
        rows = zip(
            np.repeat(np.arange(n_seg), n_int).tolist(),
            np.tile(np.arange(n_int), n_seg).tolist(),
            table.ravel().tolist(),
        )
        # A batch job writes the table once; durability per row is not needed, one transaction is.
        self.conn.execute("PRAGMA synchronous = OFF")
        with self.conn:
            self.conn.execute("DELETE FROM segment_time")
            self.conn.executemany("INSERT INTO segment_time VALUES (?, ?, ?)", rows)
        return n_seg * n_int

    def get(self, segment_id: int, interval_within_week: int) -> float:
        """Travel time of one segment at one interval of the week."""
        row = self.conn.execute(
            "SELECT travel_time_s FROM segment_time WHERE segment_id = ? AND interval_within_week = ?",
            (segment_id, interval_within_week),
        ).fetchone()
        if row is None:
            raise KeyError(f"no travel time for segment {segment_id} at interval {interval_within_week}")
        return float(row[0])

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


class EtaBackend:
    """Answers ETA requests: route on the graph (kept in memory), then one lookup per segment."""

    def __init__(self, graph: nx.DiGraph, store: SegmentTimeStore) -> None:
        self.graph = graph
        self.store = store

    def route(self, origin: int, destination: int) -> list[int]:
        """Segment ids of the free-flow shortest path."""
        nodes = nx.shortest_path(self.graph, origin, destination, weight="free_flow_s")
        return [self.graph[u][v]["segment_id"] for u, v in zip(nodes[:-1], nodes[1:])]

    def eta(self, origin: int, destination: int, departure_interval: int) -> float:
        """ETA in seconds leaving at the start of ``departure_interval``.

        Each segment's time is looked up at the interval the car reaches it, exactly as
        the offline trip evaluation does.
        """
        start = departure_interval * INTERVAL_S
        clock = float(start)
        for segment in self.route(origin, destination):
            clock += self.store.get(segment, int(clock // INTERVAL_S) % INTERVALS_PER_WEEK)
        return clock - start


def measure_serving(
    model: SegmentTimeModel,
    graph: nx.DiGraph,
    routes: np.ndarray,
    origins: np.ndarray,
    destinations: np.ndarray,
    departure_intervals: np.ndarray,
    store_path: Path,
    free_flow_s: np.ndarray,
) -> ServingResult:
    """Publish the model to the store, time one request per query and check consistency.

    Args:
        model: the fitted model to deploy.
        graph: the road graph.
        routes: ``(n, L)`` batch-computed routes of the queries (for the consistency check).
        origins: query origins.
        destinations: query destinations.
        departure_intervals: query departure intervals.
        store_path: where the SQLite file goes.
        free_flow_s: free-flow time per segment id (the "no ETA below free flow" guardrail).

    Returns:
        Latency percentiles against the SLA, plus build time, store size, the largest difference
        between served and in-memory ETAs, and the guardrails measured on the served ETAs.
    """
    store = SegmentTimeStore(store_path)
    try:
        start = time.perf_counter()
        n_rows = store.write(model.table_)
        publish_s = time.perf_counter() - start
        backend = EtaBackend(graph, store)
        backend.eta(int(origins[0]), int(destinations[0]), int(departure_intervals[0]))  # warm caches once
        served = np.empty(len(origins))
        latency_ms = np.empty(len(origins))
        for i, (o, d, t) in enumerate(zip(origins.tolist(), destinations.tolist(), departure_intervals.tolist())):
            tick = time.perf_counter()
            served[i] = backend.eta(o, d, t)
            latency_ms[i] = (time.perf_counter() - tick) * 1000.0
    finally:
        store.close()
    offline = model.trip_eta(routes, departure_intervals * float(INTERVAL_S))
    route_free_flow = np.where(routes >= 0, free_flow_s[np.maximum(routes, 0)], 0.0).sum(axis=1)
    # A float-rounding hair below the free-flow sum is not a faster-than-free-flow promise.
    below = float(np.mean(served < route_free_flow - FREE_FLOW_TOLERANCE_S))
    p99 = float(np.percentile(latency_ms, 99))
    return ServingResult(
        p50_ms=float(np.percentile(latency_ms, 50)),
        p99_ms=p99,
        sla_ms=DESIGN.problem.constraints.latency_sla_ms,
        requests=len(origins),
        extra={
            "store": "sqlite",
            "store_rows": n_rows,
            "store_mb": round(store_path.stat().st_size / 1e6, 2),
            "publish_s": round(publish_s, 3),
            "mean_route_segments": float(np.mean((routes >= 0).sum(axis=1))),
            "max_abs_diff_vs_offline_s": float(np.max(np.abs(served - offline))),
            "below_free_flow_share": below,
        },
        guardrails=Measured(
            values={"backend_p99_ms": p99, "below_free_flow_share": below},
            details={
                "backend_p99_ms": f"p99 of {len(origins)} timed ETA requests (routing + one SQLite lookup per segment)",
                "below_free_flow_share": f"share of {len(origins)} ETAs served by {model.name} that are below "
                "the sum of their route's free-flow times",
            },
        ),
    )
