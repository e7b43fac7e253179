"""Probe records in blocks of segments: built, cleaned and counted one block at a time, on pandas or Dask."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from cases.eta.data import INVALID_KINDS, RECORD_COLUMNS, add_derived, clean_records, generate_probes, inject_invalid
from cases.eta.traffic import _KEY_STRIDE, Traffic
from framework.seeding import block_rng

# Bump when the block builder changes what it draws (the xl Parquet cache is keyed by it).
GENERATOR_VERSION = "eta-probes-1"
# clean_records' drop reasons on generated data (no speed floor), in its order: the summary keeps that order.
DROP_REASONS: tuple[str, ...] = (
    "null_speed",
    "null_value",
    "non_positive_speed",
    "absurd_speed",
    "no_cars",
    "unknown_segment",
    "duplicate",
)


@dataclass(frozen=True)
class ProbeBlock:
    """One block's description: everything its builder needs, small and picklable (no client, no context).

    Attributes:
        index: the block's index (its random streams are ``probes/<index>`` and ``invalid/<index>``).
        first: first segment id of the block.
        traffic: the world restricted to segments ``[first, first + n)`` with block-local ids.
        seed: the run's seed.
        end: one past the last generated interval.
        car_speed_noise: see the config.
        invalid_fraction: see the config.
    """

    index: int
    first: int
    traffic: Traffic
    seed: int
    end: int
    car_speed_noise: float
    invalid_fraction: float


def segment_blocks(n_segments: int, block_segments: int) -> list[tuple[int, int]]:
    """``[first, last)`` segment ranges of the blocks: fixed by the data, never by the workers."""
    return [(lo, min(lo + block_segments, n_segments)) for lo in range(0, n_segments, block_segments)]


def slice_traffic(traffic: Traffic, lo: int, hi: int) -> Traffic:
    """The world of segments ``[lo, hi)`` with ids shifted to ``0..hi-lo-1`` (incidents included).

    Segment ``s``'s draws depend only on its own truth, so a block's records equal the whole
    world's records of its segments whenever the random streams are the same (block 0 of one block).
    """
    keys = traffic.incident_keys
    a, b = np.searchsorted(keys, [lo * _KEY_STRIDE, hi * _KEY_STRIDE])
    return replace(
        traffic,
        free_flow_s=traffic.free_flow_s[lo:hi],
        distance_km=traffic.distance_km[lo:hi],
        class_code=traffic.class_code[lo:hi],
        sensitivity=traffic.sensitivity[lo:hi],
        demand=traffic.demand[lo:hi],
        slowdown=traffic.slowdown[lo:hi],
        incidents=traffic.incidents.iloc[:0],  # generation reads the packed keys only
        incident_keys=keys[a:b] - lo * _KEY_STRIDE,
        incident_factors=traffic.incident_factors[a:b],
    )


def probe_blocks(
    traffic: Traffic, seed: int, end: int, block_segments: int, car_speed_noise: float, invalid_fraction: float
) -> list[ProbeBlock]:
    """The blocks of a generated history (one block when the network fits ``block_segments``)."""
    return [
        ProbeBlock(b, lo, slice_traffic(traffic, lo, hi), seed, end, car_speed_noise, invalid_fraction)
        for b, (lo, hi) in enumerate(segment_blocks(traffic.n_segments, block_segments))
    ]


def build_raw_block(block: ProbeBlock) -> pd.DataFrame:
    """One block's dirty records (``RECORD_COLUMNS``), time-major, with global segment ids.

    Draws only from the block's own streams; block 0 draws from the plain ``probes`` and
    ``invalid`` streams, so a one-block history is the unblocked generator's history.
    """
    records = generate_probes(
        block.traffic, 0, block.end, block.car_speed_noise, block_rng(block.seed, "probes", block.index)
    )
    raw, _ = inject_invalid(records, block.invalid_fraction, block_rng(block.seed, "invalid", block.index))
    if block.first:
        raw["segment_id"] += block.first
    return raw


def empty_raw() -> pd.DataFrame:
    """The raw table's columns and dtypes, without rows (Dask's ``meta``)."""
    return pd.DataFrame({c: pd.Series(dtype=np.int64) for c in RECORD_COLUMNS}).astype({"avg_speed_kmh": float})


def clean_block(raw: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """One partition's clean records with ``interval_within_week`` and ``travel_time_s`` (partition-wise)."""
    clean, _ = clean_records(raw, len(segments))
    return add_derived(clean, segments)


def count_block(raw: pd.DataFrame, n_segments: int) -> pd.DataFrame:
    """One partition's counts as one row: generated and clean rows, dropped rows per reason (summed later)."""
    clean, dropped = clean_records(raw, n_segments)
    row = {"rows_generated": len(raw), "rows_clean": len(clean), **{r: dropped.get(r, 0) for r in DROP_REASONS}}
    return pd.DataFrame({k: [np.int64(v)] for k, v in row.items()})


def clean_and_count(raw: pd.DataFrame, segments: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """:func:`clean_block` and the counts of :func:`count_block` with one cleaning pass (the pandas path)."""
    clean, dropped = clean_records(raw, len(segments))
    return add_derived(clean, segments), counts(len(raw), len(clean), dropped)


def counts(generated: int, clean: int, dropped: dict[str, int]) -> dict[str, Any]:
    """The data step's row counts; the injected rows per kind are the rows cleaning dropped for it.

    Cleaning removes exactly the injected rows (valid speeds stay under the sanity limit and the
    generator writes one row per key), and each kind of dirt has its own drop reason of the same name.
    """
    return {
        "rows_generated": generated,
        "rows_clean": clean,
        "rows_dropped": {r: int(dropped.get(r, 0)) for r in DROP_REASONS},
        "rows_injected_invalid": {k: int(dropped.get(k, 0)) for k in INVALID_KINDS},
    }


def summed_counts(rows: pd.DataFrame) -> dict[str, Any]:
    """:func:`counts` of the per-block rows of :func:`count_block`, summed (integers: any order gives the same)."""
    total = rows.sum()
    return counts(int(total["rows_generated"]), int(total["rows_clean"]), {r: int(total[r]) for r in DROP_REASONS})
