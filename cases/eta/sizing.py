"""The serving design sized from this run: keys, bytes, reads per second, memory versus a KV store.

The run measures the per-lookup cost of both places a value can live (the SQLite store and
the router's own memory) on its timed requests; the design constants below scale the table
to a production road network and routes of realistic length.
"""

from __future__ import annotations

import math
from typing import Any

from cases.eta.traffic import INTERVALS_PER_WEEK

# Directed segments of a large metro region's road graph (junction to junction).
REGION_SEGMENTS = 2_000_000
# A typical car trip, and the mean length of a junction-to-junction segment in a real city graph.
TYPICAL_TRIP_KM = 12.0
REAL_SEGMENT_KM = 0.2
# A travel time stored compactly: unsigned 16-bit tenths of a second (up to 109 minutes a segment).
COMPACT_VALUE_BYTES = 2
# RAM one routing replica may give the table (the graph and routing state need the rest).
ROUTER_TABLE_BUDGET_GB = 32.0


def serving_sizing(
    n_segments: int,
    value_bytes: int,
    qps_peak: float,
    store_lookup_us: float,
    memory_lookup_us: float,
    route_p50_ms: float,
    columns: int = INTERVALS_PER_WEEK,
) -> dict[str, Any]:
    """Keys, bytes and reads per second of the table, here and for a region, and where it should live.

    Args:
        n_segments: segments of this run's network.
        value_bytes: bytes per stored value in this run's store.
        qps_peak: the design's peak ETA requests per second.
        store_lookup_us: measured mean time of one store lookup (SQLite here).
        memory_lookup_us: measured mean time of one lookup from the router's memory.
        route_p50_ms: measured median routing time per request.
        columns: columns a week of this run's table (5,040 two-minute intervals; fewer, longer buckets at xl).

    Returns:
        Plain numbers (and the chosen placement) for ``ServingResult.extra["sizing"]``.
    """
    route_segments = math.ceil(TYPICAL_TRIP_KM / REAL_SEGMENT_KM)
    region_keys = REGION_SEGMENTS * INTERVALS_PER_WEEK
    region_gb = region_keys * COMPACT_VALUE_BYTES / 1e9
    in_memory = region_gb <= ROUTER_TABLE_BUDGET_GB
    return {
        "columns_per_week": columns,
        "column_minutes": 7 * 24 * 60 // columns,
        "run_keys": n_segments * columns,
        "run_table_mb": n_segments * columns * value_bytes / 1e6,
        "value_bytes": value_bytes,
        "region_segments": REGION_SEGMENTS,
        "region_keys": region_keys,
        "compact_value_bytes": COMPACT_VALUE_BYTES,
        "region_table_gb": region_gb,
        "region_table_gb_as_stored": region_keys * value_bytes / 1e9,
        "typical_trip_km": TYPICAL_TRIP_KM,
        "real_segment_km": REAL_SEGMENT_KM,
        "route_segments": route_segments,
        "qps_peak": qps_peak,
        "reads_per_second_peak": qps_peak * route_segments,
        "store_lookup_us": store_lookup_us,
        "memory_lookup_us": memory_lookup_us,
        "route_lookups_ms_store": route_segments * store_lookup_us / 1000.0,
        "route_lookups_ms_memory": route_segments * memory_lookup_us / 1000.0,
        "route_p50_ms": route_p50_ms,
        "router_table_budget_gb": ROUTER_TABLE_BUDGET_GB,
        "placement": "router memory (the KV store only distributes each refresh)"
        if in_memory
        else "KV store, one batched multi-get per request",
        "kv_hop_role": "a conservative allowance: requests read memory and the store is only read at each refresh"
        if in_memory
        else "real: every request makes one batched multi-get",
        "failure_points": "the store is off the request path, so its outage only delays the next refresh (routers "
        "keep serving the last table). The failure points are the routing replicas (run several behind the load "
        "balancer, each with the whole table) and the refresh pipeline (a bad or missing batch: validate each "
        "table before the swap and keep the previous one to roll back to)."
        if in_memory
        else "the KV store is on every request: replicate it across zones with read replicas, and keep the "
        "routing replicas redundant behind the load balancer.",
    }
