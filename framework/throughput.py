"""Measured batch throughput and the cluster it extrapolates to for the design's daily volume."""

from __future__ import annotations

import math
from typing import Any

# The daily batch (features and scores for a day's events) should finish well inside the day.
BATCH_WINDOWS_H: tuple[float, ...] = (1.0, 24.0)


def throughput(
    batch_rows: int, batch_seconds: float, cores: int, daily_events: float, engine: str, scale: str
) -> dict[str, Any]:
    """Rows per second per core of this run's batch steps (data and features), and the cores a day needs.

    The extrapolation assumes throughput grows linearly with cores: true of the partition-wise
    parts (generation, cleaning, features, scoring), optimistic for shuffles and the training fit.

    Args:
        batch_rows: rows the batch steps processed (generated or loaded records).
        batch_seconds: wall time of those steps.
        cores: cores that did the work (1 on pandas; the Dask workers' threads otherwise).
        daily_events: the design's ``logged_events_per_day``.
        engine: ``pandas`` or ``dask``.
        scale: the scale preset measured.

    Returns:
        ``rows``, ``seconds``, ``cores``, ``rows_per_s_per_core``, ``daily_events`` and, per batch
        window, ``cores_for_<h>h``: cores needed to process one day's events within that window.
    """
    rate = batch_rows / max(batch_seconds, 1e-9) / max(cores, 1)
    record: dict[str, Any] = {
        "engine": engine,
        "scale": scale,
        "rows": int(batch_rows),
        "seconds": round(batch_seconds, 3),
        "cores": int(cores),
        "rows_per_s_per_core": round(rate, 1),
        "daily_events": float(daily_events),
    }
    for hours in BATCH_WINDOWS_H:
        record[f"cores_for_{hours:g}h"] = math.ceil(daily_events / (rate * hours * 3600)) if rate > 0 else None
    return record


def throughput_rows(record: dict[str, Any]) -> list[list[str]]:
    """The report's table rows for a :func:`throughput` record."""
    if not record:
        return []
    rows = [
        ["batch rows processed (data + features steps)", f"{record['rows']:,}"],
        ["wall time of those steps", f"{record['seconds']:.1f} s on {record['cores']} core(s), {record['engine']}"],
        ["measured rows per second per core", f"{record['rows_per_s_per_core']:,.0f}"],
        ["design's daily volume (logged events per day)", f"{record['daily_events']:,.0f}"],
    ]
    for hours in BATCH_WINDOWS_H:
        need = record.get(f"cores_for_{hours:g}h")
        rows.append([f"extrapolated cores to process one day in {hours:g} h", "n/a" if need is None else f"{need:,}"])
    return rows
