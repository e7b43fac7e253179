"""The generated history on the run's engine: blocks built (cached as Parquet at xl), cleaned, counted, collected."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cases.eta.blocks import (
    DROP_REASONS,
    GENERATOR_VERSION,
    ProbeBlock,
    build_raw_block,
    clean_and_count,
    clean_block,
    count_block,
    empty_raw,
    summed_counts,
)
from cases.eta.data import _time_major_key
from cases.eta.reduced import ReducedTrain, pass_a, run_partitions
from framework.case import RunContext
from framework.datacache import cached_frame


@dataclass(frozen=True)
class History:
    """The clean history, split by time, with the data step's row counts.

    Attributes:
        train: training records (pandas, in the one-block generator's time-major order).
        test: test records (same order).
        counts: rows generated, clean, dropped per reason and injected per kind.
        train_frame: the training window as a Dask frame (for the Dask reductions), None on pandas.
        reduced: the training window left on the workers (``train_window="reduced"``), else None.
    """

    train: pd.DataFrame
    test: pd.DataFrame
    counts: dict[str, Any]
    train_frame: Any = None
    reduced: ReducedTrain | None = None


def _derived_segments(segments: pd.DataFrame) -> pd.DataFrame:
    """The only segment column cleaning needs (``distance_km``), small enough to send with every task."""
    return segments[["segment_id", "distance_km"]].reset_index(drop=True)


def generated_history(
    ctx: RunContext[Any],
    segments: pd.DataFrame,
    blocks: list[ProbeBlock] | Callable[[], list[ProbeBlock]],
    cut: int,
    time_split: bool,
    layout: dict[str, Any] | None = None,
) -> tuple[History, pd.DataFrame | None]:
    """Build, clean and split the history on ``ctx.engine``; the same rows on either engine.

    Args:
        ctx: the run (its engine; at xl the raw blocks are cached as Parquet).
        segments: the segment table.
        blocks: the block descriptions (:func:`cases.eta.blocks.probe_blocks`), or what makes them: then they
            (and the whole world's incident cells they slice, 1.5 GB at xl) exist only while the blocks are
            generated, never when the cache has them, and are dropped before the windows come back.
        cut: first interval of the test window.
        time_split: False for the ``split`` drill: the whole clean history is returned for a random split.
        layout: :meth:`cases.eta.features.HistoryFeatures.layout` to keep the training window on the workers
            (``train_window="reduced"``): one pass returns the test window and the training window's sums.

    Returns:
        The history (train/test filled when ``time_split``), and the whole clean history otherwise.
    """
    engine, seg = ctx.engine, _derived_segments(segments)
    made: list[int] = []  # how many blocks were made (none when the cache has them)

    def generate() -> Any:
        listed = blocks() if callable(blocks) else blocks
        made.append(len(listed))
        return engine.from_blocks(build_raw_block, listed, meta=empty_raw())

    raw = cached_frame(ctx, "probes", generate, GENERATOR_VERSION, say=ctx.say)
    if layout is not None and time_split:
        return _reduced_history(ctx, raw, seg, cut, layout), None
    if not engine.is_dask:
        clean, tally = clean_and_count(raw, seg)
        # Blocks are segment ranges: back to the one-block time-major order (cached blocks were several).
        if ctx.data_from_cache or (made and made[0] > 1):
            clean = ordered_records(clean)
        if not time_split:
            return History(clean.iloc[:0], clean.iloc[:0], tally), clean
        before = clean["interval_index"].to_numpy() < cut
        train, test = clean.loc[before].reset_index(drop=True), clean.loc[~before].reset_index(drop=True)
        return History(train, test, tally), None
    clean = raw.map_partitions(clean_block, seg, meta=clean_block(empty_raw(), seg))
    tally_frame = raw.map_partitions(count_block, len(seg), meta=_count_meta())
    if not time_split:
        whole, tally_rows = engine.compute(clean, tally_frame)
        whole = ordered_records(whole)
        ctx.collected("clean history (split drill)", whole)
        return History(whole.iloc[:0], whole.iloc[:0], summed_counts(tally_rows)), whole
    train_frame = clean[clean["interval_index"] < cut]
    test_frame = clean[clean["interval_index"] >= cut]
    # One compute: the blocks are built (or read) once for the three results.
    train, test, tally_rows = engine.compute(train_frame, test_frame, tally_frame)
    train, test = ordered_records(train), ordered_records(test)
    ctx.collected("training window", train)
    ctx.collected("test window", test)
    return History(train, test, summed_counts(tally_rows), train_frame), None


def _reduced_history(ctx: RunContext[Any], raw: Any, seg: pd.DataFrame, cut: int, layout: dict[str, Any]) -> History:
    """Pass A over the partitions: the test window collected, the training window summed where it lies."""
    n_parts = raw.npartitions if ctx.engine.is_dask else 1
    parts = run_partitions(ctx.engine, raw, pass_a, [(seg, cut, layout)] * n_parts)
    test = ordered_records(pd.concat([p.pop("test") for p in parts], ignore_index=True))
    tally = summed_counts(pd.DataFrame([p.pop("tally") for p in parts]))
    reduced = ReducedTrain(raw, seg, cut, parts, sum(int(p["rows"]) for p in parts))
    ctx.say(
        f"training window left on the workers: {reduced.rows:,} rows summed per partition ({len(parts)} partitions)"
    )
    ctx.collected("test window", test)
    return History(test.iloc[:0], test, tally, None, reduced)


def ordered_records(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in the one-block generator's order: sorted by the unique (interval, segment) key.

    One packed int64 key sorts like the two columns (and about twice as fast as sorting by both).
    """
    key = _time_major_key(frame["interval_index"].to_numpy(), frame["segment_id"].to_numpy())
    return frame.take(np.argsort(key, kind="stable")).reset_index(drop=True)


def _count_meta() -> pd.DataFrame:
    """Empty frame with :func:`cases.eta.blocks.count_block`'s columns (Dask's ``meta``)."""
    columns = ("rows_generated", "rows_clean", *DROP_REASONS)
    return pd.DataFrame({c: pd.Series(dtype=np.int64) for c in columns})


def record_table_reduced(engine: Any, train_frame: Any) -> pd.DataFrame:
    """The seed's record table as a Dask groupby reduction over the training window's partitions.

    Exact on both engines: blocks are segment ranges, so every (segment, interval of week) key
    lives in one partition; its partial sum adds its rows in the same order as pandas does, and
    combining partials adds one value per key (no float reordering).
    """
    parts = train_frame.map_partitions(_weighted, meta=_weighted(train_frame._meta))
    grouped = engine.compute(parts.groupby(["segment_id", "interval_within_week"]).sum()).sort_index()
    grouped["travel_time_s"] = grouped["wt"] / grouped["car_count"]
    grouped["car_count"] = grouped["car_count"].astype(np.int64)
    grouped["n_records"] = grouped["n_records"].astype(np.int64)
    return grouped.reset_index()[["segment_id", "interval_within_week", "travel_time_s", "car_count", "n_records"]]


def _weighted(records: pd.DataFrame) -> pd.DataFrame:
    """Per record: the key, cars x travel time, cars and one record (the record table's summands)."""
    w = records["car_count"].to_numpy(np.float64)
    return pd.DataFrame(
        {
            "segment_id": records["segment_id"].to_numpy(),
            "interval_within_week": records["interval_within_week"].to_numpy(),
            "wt": w * records["travel_time_s"].to_numpy(np.float64),
            "car_count": w,
            "n_records": np.ones(len(records), dtype=np.int64),
        }
    )
