"""Probe data: the seeded generator, invalid-row injection, cleaning and the time split.

Records (one row per segment and 2-minute interval with at least one probe car):

- ``segment_id`` (int): the road segment.
- ``interval_index`` (int): absolute 2-minute interval since the start of the data
  (interval 0 starts on a Monday at 00:00).
- ``car_count`` (int): probe cars that traversed the segment in the interval.
- ``avg_speed_kmh`` (float): their average speed.

Cleaning adds ``interval_within_week`` (0..5039) and ``travel_time_s``. Intervals
without cars are absent rows, not zeros. The real-data loader lives in
:mod:`cases.eta.loader` and is re-exported here as :func:`load_records`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cases.eta.loader import load_records
from cases.eta.traffic import INTERVALS_PER_WEEK, Traffic, car_time_noise
from framework.timeunits import SECONDS_PER_HOUR

__all__ = [
    "MAX_SPEED_KMH",
    "RECORD_COLUMNS",
    "add_derived",
    "clean_records",
    "generate_probes",
    "inject_invalid",
    "load_records",
    "split_by_time",
]

RECORD_COLUMNS: tuple[str, ...] = ("segment_id", "interval_index", "car_count", "avg_speed_kmh")
MAX_SPEED_KMH = 200.0
"""Speeds above this are sensor glitches, not driving."""

INVALID_KINDS: tuple[str, ...] = ("null_speed", "non_positive_speed", "absurd_speed", "duplicate")


def generate_probes(
    traffic: Traffic,
    start: int,
    end: int,
    car_speed_noise: float,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Probe records for intervals ``[start, end)``, one week at a time to bound memory.

    The car count is Poisson around the segment's demand times the time-of-week
    activity; the average speed is the expected speed, slowed by any incident, times
    a mean-one log-normal noise whose spread shrinks with the number of cars.

    Args:
        traffic: the world's truth.
        start: first absolute interval.
        end: one past the last interval.
        car_speed_noise: log-scale spread of one car's travel time.
        rng: random stream.

    Returns:
        Records (``RECORD_COLUMNS``) ordered by interval then segment.
    """
    parts = []
    for lo in range(start, end, INTERVALS_PER_WEEK):
        hi = min(lo + INTERVALS_PER_WEEK, end)
        counts = rng.poisson(traffic.expected_cars(np.arange(lo, hi)))
        t_idx, seg = np.nonzero(counts)  # row-major: ordered by interval, then segment
        cars = counts[t_idx, seg]
        interval = lo + t_idx
        # Mean-one noise: the average of n cars' times has spread sigma / sqrt(n).
        noise = car_time_noise(rng.standard_normal(len(cars)), car_speed_noise / np.sqrt(cars))
        time_s = traffic.expected_travel_time_s(seg, interval) * traffic.incident_factor(seg, interval) * noise
        parts.append(
            pd.DataFrame(
                {
                    "segment_id": seg.astype(np.int64),
                    "interval_index": interval.astype(np.int64),
                    "car_count": cars.astype(np.int64),
                    "avg_speed_kmh": traffic.distance_km[seg] / time_s * SECONDS_PER_HOUR,
                }
            )
        )
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=np.int64) for c in RECORD_COLUMNS}).astype({"avg_speed_kmh": float})
    return pd.concat(parts, ignore_index=True)


def inject_invalid(
    records: pd.DataFrame, fraction: float, rng: np.random.Generator
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Add the dirt real probe feeds have: null, negative and absurd speeds, duplicate rows.

    Each bad row is a copy of a random valid row (a re-sent or corrupted message);
    the result is re-sorted by time so the bad rows hide among the good ones.

    Args:
        records: valid records.
        fraction: bad rows to add, as a share of ``len(records)``, split evenly over the kinds.
        rng: random stream.

    Returns:
        The dirty records and the number of injected rows per kind.
    """
    per_kind = int(round(fraction * len(records) / len(INVALID_KINDS)))
    if per_kind == 0 or records.empty:
        return records.copy(), dict.fromkeys(INVALID_KINDS, 0)
    bad = records.iloc[rng.integers(0, len(records), per_kind * len(INVALID_KINDS))].copy()
    kind = np.repeat(np.arange(len(INVALID_KINDS)), per_kind)
    speed = bad["avg_speed_kmh"].to_numpy().copy()
    speed[kind == 0] = np.nan
    speed[kind == 1] = -rng.uniform(1.0, 80.0, per_kind)
    speed[kind == 2] = rng.uniform(MAX_SPEED_KMH + 1.0, 999.0, per_kind)
    bad["avg_speed_kmh"] = speed
    dirty = pd.concat([records, bad], ignore_index=True)
    # Stable sort by (interval, segment) keeps the valid original ahead of its copies, so dedup keeps
    # the original. One int64 key sorts like the two columns; timsort is fast on the nearly sorted rows.
    order = np.argsort(
        _time_major_key(dirty["interval_index"].to_numpy(), dirty["segment_id"].to_numpy()), kind="stable"
    )
    dirty = dirty.take(order).reset_index(drop=True)
    return dirty, {k: per_kind for k in INVALID_KINDS}


def _time_major_key(interval: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """One int64 per (interval, segment) that sorts like the pair, interval first."""
    interval, segment = np.asarray(interval, dtype=np.int64), np.asarray(segment, dtype=np.int64)
    if segment.size == 0:
        return interval
    lo, stride = int(segment.min()), int(segment.max()) - int(segment.min()) + 1
    return (interval - int(interval.min())) * stride + (segment - lo)


def clean_records(
    df: pd.DataFrame, n_segments: int | None = None, min_speed_kmh: float = 0.0
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Drop invalid rows, counting each reason (rules apply in order; a row counts once).

    Rules, in order: null speed; null in another column; speed <= 0; speed below
    ``min_speed_kmh`` (only when it is > 0: stopped vehicles and "no reading" zeros, whose
    distance / speed times would explode the averaged travel times); speed >
    ``MAX_SPEED_KMH``; car count < 1 (no cars means no measurement); segment id unknown
    (only when ``n_segments`` is given); a second row for the same (segment, interval).

    Args:
        df: raw records with ``RECORD_COLUMNS``.
        n_segments: number of known segments (ids ``0..n-1``), to reject unknown ids.
        min_speed_kmh: the speed floor (real data: the ``min_speed_kmh`` setting; 0: no floor, the
            generator's runs, whose slow incident records are real congestion).

    Returns:
        The clean records (same columns, original order, fresh index) and
        ``{reason: rows_dropped}``.
    """
    report: dict[str, int] = {}
    keep = np.ones(len(df), dtype=bool)

    def drop(reason: str, bad: np.ndarray) -> None:
        report[reason] = int(np.count_nonzero(keep & bad))
        keep[bad] = False

    speed = df["avg_speed_kmh"].to_numpy(dtype=np.float64, na_value=np.nan)
    drop("null_speed", np.isnan(speed))
    others = [c for c in RECORD_COLUMNS if c != "avg_speed_kmh"]
    drop("null_value", df[others].isna().to_numpy().any(axis=1))
    with np.errstate(invalid="ignore"):
        drop("non_positive_speed", speed <= 0)
        if min_speed_kmh > 0:
            drop("below_min_speed", speed < min_speed_kmh)
        drop("absurd_speed", speed > MAX_SPEED_KMH)
    cars = df["car_count"].to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        drop("no_cars", ~(cars >= 1))
    seg = df["segment_id"].to_numpy(dtype=np.float64, na_value=np.nan)
    if n_segments is not None:
        with np.errstate(invalid="ignore"):
            drop("unknown_segment", ~((seg >= 0) & (seg < n_segments)))
    # Duplicates are judged among the surviving rows only, so a corrupt copy never hides its original.
    kept_idx = np.flatnonzero(keep)
    interval = df["interval_index"].to_numpy(dtype=np.float64, na_value=np.nan)
    key = _time_major_key(interval[kept_idx].astype(np.int64), seg[kept_idx].astype(np.int64))
    # Every occurrence of a key after its first: equal keys are neighbours once stably sorted.
    order = np.argsort(key, kind="stable")
    bad = np.zeros(len(df), dtype=bool)
    bad[kept_idx[order[1:][key[order[1:]] == key[order[:-1]]]]] = True
    drop("duplicate", bad)

    clean = df.loc[keep, list(RECORD_COLUMNS)].reset_index(drop=True)
    clean = clean.astype({"segment_id": np.int64, "interval_index": np.int64, "car_count": np.int64})
    return clean, report


def add_derived(records: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Add ``interval_within_week`` and ``travel_time_s`` (segment length / average speed).

    Args:
        records: clean records.
        segments: the segment table (``distance_km`` indexed by ``segment_id``).

    Returns:
        A new frame with the two extra columns.
    """
    out = records.copy()
    out["interval_within_week"] = (out["interval_index"].to_numpy() % INTERVALS_PER_WEEK).astype(np.int64)
    distance = segments["distance_km"].to_numpy(dtype=np.float64)
    out["travel_time_s"] = distance[out["segment_id"].to_numpy()] / out["avg_speed_kmh"].to_numpy() * SECONDS_PER_HOUR
    return out


def split_by_time(records: pd.DataFrame, cut_interval: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train = intervals before ``cut_interval``, test = from it on (no shuffling across time)."""
    before = records["interval_index"].to_numpy() < cut_interval
    return records.loc[before].reset_index(drop=True), records.loc[~before].reset_index(drop=True)
