"""What-if figures of the ETA case: the segment-time table, its reads and the A/B share, from the constraints."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from framework.whatif import Figure

if TYPE_CHECKING:
    from framework.runmetrics import RunMetrics
    from framework.specs import CaseDesign

# Kept in step with cases.eta.sizing and cases.eta.traffic (not imported: spec stays free of numpy).
REGION_SEGMENTS = 2_000_000
INTERVALS_PER_WEEK = 5040
COMPACT_VALUE_BYTES = 2
ROUTER_TABLE_BUDGET_GB = 32.0
TYPICAL_TRIP_KM = 12.0
REAL_SEGMENT_KM = 0.2
# A 2-minute probe aggregate per segment and interval: segment id, interval, cars, mean seconds.
AGGREGATE_BYTES = 16


def figures(design: CaseDesign, metrics: RunMetrics | None) -> list[Figure]:
    """The table, its memory during a refresh, the reads at peak and (with a run) the A/B share of users.

    Args:
        design: the design with the what-if constraints.
        metrics: this run's metrics (the A/B plan's users per arm), or None.
    """
    cap = design.problem.capacity
    keys = REGION_SEGMENTS * INTERVALS_PER_WEEK
    table_gb = keys * COMPACT_VALUE_BYTES / 1e9
    route_segments = math.ceil(TYPICAL_TRIP_KM / REAL_SEGMENT_KM)
    out = [
        Figure(
            "segment-time table",
            "keys",
            keys,
            "keys",
            "region segments x 2-minute intervals per week",
        ),
        Figure("segment-time table", "table size", table_gb, "GB", "keys x bytes per compact value"),
        Figure(
            "segment-time table",
            "memory while a refresh double-buffers",
            2 * table_gb,
            "GB",
            "old table + new table (compare with the router's table budget)",
        ),
        Figure(
            "segment-time table",
            "router budget headroom with a rolling (drain and reload) refresh",
            ROUTER_TABLE_BUDGET_GB - table_gb,
            "GB",
            "router table budget - table size (one table at a time)",
        ),
        Figure(
            "segment-time table",
            "yearly 2-minute aggregates",
            REGION_SEGMENTS * INTERVALS_PER_WEEK * 52 * AGGREGATE_BYTES / 1e12,
            "TB",
            "region segments x intervals per week x 52 weeks x bytes per aggregate (an upper bound: every key seen)",
        ),
        Figure(
            "reads",
            "segments per typical route",
            route_segments,
            "segments",
            "typical trip km / mean segment km",
        ),
        Figure(
            "reads",
            "table reads per second at peak",
            cap.qps_peak * route_segments,
            "reads/s",
            "peak QPS x segments per typical route",
        ),
    ]
    if metrics is not None:
        per_arm = float(metrics.model_dump()["testing"]["ab_plan"]["per_arm"])
        users = design.problem.constraints.daily_active_users
        out.append(
            Figure(
                "A/B test",
                "share of daily users enrolled",
                2 * per_arm / users,
                "share",
                "2 arms x users per arm (this run's plan) / daily active users",
            )
        )
    return out
