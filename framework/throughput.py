"""Measured batch throughput and the cluster it extrapolates to for the design's daily volume."""

from __future__ import annotations

import math
from typing import Any

# The daily batch (features for a day's events) should finish well inside the day.
BATCH_WINDOWS_H: tuple[float, ...] = (1.0, 24.0)
# Below this many rows the fixed costs (worker start-up, task graphs) swamp the rate: no extrapolation.
MIN_ROWS_TO_EXTRAPOLATE = 1_000_000


def throughput(
    batch_rows: int,
    batch_seconds: float,
    threads: int,
    partitions: int,
    daily_events: float,
    engine: str,
    scale: str,
    from_cache: bool = False,
    daily_label: str = "logged events per day",
) -> dict[str, Any]:
    """Rows per second per busy worker thread of this run's data and features steps, and what a day needs.

    What is timed: generating (or reading from the cache) and cleaning the rows, then computing the
    features and aggregations (steps 4 and 5). Not timed: the training fit, scoring, publishing.
    The threads that count are those that had a partition to work on: ``min(threads, partitions)``.

    Args:
        batch_rows: rows the data and features steps processed (generated or loaded records).
        batch_seconds: wall time of those steps.
        threads: worker threads of the engine (1 on pandas).
        partitions: partitions the rows came in (1 on pandas or for a one-block data set).
        daily_events: a day's rows in the unit the batch processes: the design's ``logged_events_per_day``,
            or the case's ``batch_rows_per_day`` when its rows are not those events (ETA's 2-minute records).
        daily_label: what ``daily_events`` counts, for the report.
        engine: ``pandas`` or ``dask``.
        scale: the scale preset measured.
        from_cache: the rows were read from the data cache instead of generated.

    Returns:
        The measured figures and, per batch window, ``threads_for_<h>h`` (the unrounded need) when
        the run was large enough to extrapolate from; ``extrapolation`` says why not otherwise.
    """
    busy = max(1, min(threads, partitions))
    rate = batch_rows / max(batch_seconds, 1e-9) / busy
    record: dict[str, Any] = {
        "engine": engine,
        "scale": scale,
        "rows": int(batch_rows),
        "seconds": round(batch_seconds, 3),
        "threads": int(threads),
        "busy_threads": int(busy),
        "partitions": int(partitions),
        "data_from_cache": bool(from_cache),
        "rows_per_s_per_thread": round(rate, 1),
        "daily_events": float(daily_events),
        "daily_label": daily_label,
    }
    if batch_rows < MIN_ROWS_TO_EXTRAPOLATE:
        record["extrapolation"] = (
            f"not extrapolated: {batch_rows:,} rows are too few (fixed costs dominate); "
            f"measure at {MIN_ROWS_TO_EXTRAPOLATE:,}+ rows (--scale large or xl)"
        )
        return record
    record["extrapolation"] = "linear in threads"
    for hours in BATCH_WINDOWS_H:
        record[f"threads_for_{hours:g}h"] = round(daily_events / (rate * hours * 3600), 2) if rate > 0 else None
    return record


def throughput_rows(record: dict[str, Any]) -> list[list[str]]:
    """The report's table rows for a :func:`throughput` record."""
    if not record:
        return []
    source = "read from the data cache" if record.get("data_from_cache") else "generated or loaded"
    rows = [
        ["rows through the data and features steps", f"{record['rows']:,} ({source})"],
        [
            "wall time of those steps",
            f"{record['seconds']:.1f} s, {record['engine']}, {record['busy_threads']} of {record['threads']} "
            f"worker thread{'s' if record['threads'] != 1 else ''} busy ({record['partitions']} partition"
            f"{'s' if record['partitions'] != 1 else ''})",
        ],
        ["measured rows per second per busy thread", f"{record['rows_per_s_per_thread']:,.0f}"],
        [
            f"design's daily volume ({record.get('daily_label', 'logged events per day')})",
            f"{record['daily_events']:,.0f}",
        ],
    ]
    for hours in BATCH_WINDOWS_H:
        need = record.get(f"threads_for_{hours:g}h")
        shown = record.get("extrapolation", "n/a") if need is None else f"{need:,.2f} (so {math.ceil(need):,})"
        rows.append([f"extrapolated threads to clean and featurise one day in {hours:g} h", shown])
    return rows
