"""The training window left on the workers (``train_window="reduced"``, xl): partition passes, small results back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cases.eta.blocks import DROP_REASONS
from cases.eta.congestion import recent_slowdown
from cases.eta.data import add_derived, clean_records
from cases.eta.features import history_sums
from cases.eta.traffic import INTERVALS_PER_WEEK
from framework.seeding import block_rng


@dataclass
class ReducedTrain:
    """What the client keeps of a training window it never collects.

    Attributes:
        raw: the raw records (a Dask frame; one partition per block of segments), read again by pass B.
        segments: ``segment_id``/``distance_km`` (what cleaning needs).
        cut: first test interval.
        parts: pass A's per-partition results (history sums, key counts, car totals, segment ranges).
        rows: training rows (all partitions).
    """

    raw: Any
    segments: pd.DataFrame
    cut: int
    parts: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0

    def key_stats(self) -> tuple[int, float, float]:
        """Keys (segment, 2-minute interval of the week) seen, and the median cars and records per key.

        Exact: each partition's integer histograms are added (a key lives in one partition: blocks are
        segment ranges), then the medians are read off the combined histograms.
        """
        seen = sum(int(p["keys_seen"]) for p in self.parts)
        return (
            seen,
            _hist_median([p["cars_hist"] for p in self.parts]),
            _hist_median([p["records_hist"] for p in self.parts]),
        )


def reduced_layout(segments: pd.DataFrame, n_weeks: int, bucket: int, table_bucket: int) -> dict[str, Any]:
    """:meth:`cases.eta.features.HistoryFeatures.layout` of a time-of-week history starting at week 0."""
    ordered = segments.sort_values("segment_id")
    return {
        "free_flow_s": ordered["free_flow_s"].to_numpy(np.float64),
        "class_code": ordered["road_class_code"].to_numpy(np.int64),
        "n_weeks": n_weeks,
        "week_offset": 0,
        "bucket": bucket,
        "period": INTERVALS_PER_WEEK,
        "table_bucket": table_bucket,
    }


def _hist_median(hists: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Median of the values described by ``(values, counts)`` histograms (the mean of the middle two)."""
    values = np.concatenate([h[0] for h in hists]) if hists else np.empty(0)
    counts = np.concatenate([h[1] for h in hists]) if hists else np.empty(0, np.int64)
    if values.size == 0:
        return 0.0
    uniq, inverse = np.unique(values, return_inverse=True)
    total = np.bincount(inverse, counts).astype(np.int64)
    cum = np.cumsum(total)
    n = int(cum[-1])
    lo, hi = uniq[np.searchsorted(cum, (n - 1) // 2, side="right")], uniq[np.searchsorted(cum, n // 2, side="right")]
    return float((lo + hi) / 2.0)


def _split(raw: pd.DataFrame, segments: pd.DataFrame, cut: int) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """One partition cleaned and derived, split at ``cut``, with its row counts."""
    clean, dropped = clean_records(raw, len(segments))
    clean = add_derived(clean, segments)
    before = clean["interval_index"].to_numpy() < cut
    tally = {"rows_generated": len(raw), "rows_clean": len(clean), **{r: int(dropped.get(r, 0)) for r in DROP_REASONS}}
    return clean.loc[before].reset_index(drop=True), clean.loc[~before].reset_index(drop=True), tally


def pass_a(raw: pd.DataFrame, segments: pd.DataFrame, cut: int, layout: dict[str, Any]) -> dict[str, Any]:
    """One partition's test rows, counts, history sums, key histograms and car total (module level: pickled).

    Args:
        raw: the partition's raw records (one block of segments).
        segments: ``segment_id``/``distance_km``.
        cut: first test interval.
        layout: :meth:`cases.eta.features.HistoryFeatures.layout`.
    """
    train, test, tally = _split(raw, segments, cut)
    seg = train["segment_id"].to_numpy(np.int64)
    lo, hi = (int(seg.min()), int(seg.max()) + 1) if seg.size else (0, 0)
    key = (seg - lo) * INTERVALS_PER_WEEK + train["interval_within_week"].to_numpy(np.int64)
    keys, inverse, records = np.unique(key, return_inverse=True, return_counts=True)
    cars = np.bincount(inverse, train["car_count"].to_numpy(np.float64), keys.size).astype(np.int64)
    interval = train["interval_index"].to_numpy(np.int64)
    return {
        "test": test,
        "tally": tally,
        "sums": history_sums(train, layout, lo, hi),
        "keys_seen": int(keys.size),
        "cars_hist": np.unique(cars, return_counts=True),
        "records_hist": np.unique(records, return_counts=True),
        "car_total": float(train["car_count"].to_numpy(np.float64).sum()),
        "rows": len(train),
        "first": int(interval.min()) if interval.size else cut,
        "lo": lo,
        "hi": hi,
    }


def pass_b(
    raw: pd.DataFrame,
    segments: pd.DataFrame,
    cut: int,
    key_ratio: np.ndarray,
    free_flow_s: np.ndarray,
    slowdown: tuple[int, int, int, int],
    sample: tuple[int, int, int],
    live_from: int,
) -> dict[str, Any]:
    """One partition's recent slowdown rows, its share of the booster's sample and the live feed's tail.

    Args:
        raw: the partition's raw records.
        segments: ``segment_id``/``distance_km``.
        cut: first test interval.
        key_ratio: the historical ratio table's rows ``[lo, hi)`` of this partition.
        free_flow_s: free-flow seconds of segments ``[lo, hi)``.
        slowdown: ``(window, first interval, blocks, lo)`` of the slowdown matrix.
        sample: ``(seed, partition index, rows)``: rows drawn (car-weighted, with replacement) from the
            partition's own stream ``gbm_rows/<index>``.
        live_from: first interval of the live feed's training tail.
    """
    train, _, _ = _split(raw, segments, cut)
    window, first, n_blocks, lo = slowdown
    rows = recent_slowdown(train, key_ratio, free_flow_s, window, first=first, n_blocks=n_blocks, lo=lo)
    seed, index, n = sample
    weight = train["car_count"].to_numpy(np.float64)
    drawn = train.iloc[:0]
    if n and weight.sum() > 0:
        rng = block_rng(seed, "gbm_rows", index)
        drawn = train.iloc[np.sort(rng.choice(len(train), size=n, replace=True, p=weight / weight.sum()))]
    tail = train.loc[train["interval_index"].to_numpy() >= live_from]
    return {"slowdown": rows, "lo": lo, "sample": drawn.reset_index(drop=True), "tail": tail.reset_index(drop=True)}


def run_partitions(engine: Any, raw: Any, fn: Any, args: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """``fn(partition, *args[i])`` on every partition ``i`` of ``raw`` (workers on Dask), results in order."""
    if not engine.is_dask:
        return [fn(raw, *args[0])]
    from dask import delayed

    parts = raw.to_delayed()
    if len(parts) != len(args):
        raise ValueError(f"{len(parts)} partitions for {len(args)} argument sets")
    # The arguments go to the workers as data, not inside the graph (pass B's are ~260 MB at xl).
    sent = engine.client.scatter(args) if engine.client is not None else args
    tasks = [delayed(_apply)(fn, p, a) for p, a in zip(parts, sent, strict=True)]
    return engine.gather_each(tasks)


def _apply(fn: Any, partition: pd.DataFrame, args: tuple[Any, ...]) -> dict[str, Any]:
    """``fn(partition, *args)``: one partition's task."""
    return fn(partition, *args)
