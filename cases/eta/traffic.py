"""The generator's ground truth: congestion by time of week, probe demand and incidents per segment."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from framework.timeunits import SECONDS_PER_DAY, SECONDS_PER_HOUR, SECONDS_PER_WEEK

INTERVAL_S = 120
"""Length of one probe interval in seconds (2 minutes)."""
INTERVALS_PER_HOUR = SECONDS_PER_HOUR // INTERVAL_S
INTERVALS_PER_DAY = SECONDS_PER_DAY // INTERVAL_S
INTERVALS_PER_WEEK = SECONDS_PER_WEEK // INTERVAL_S

# How strongly each class reacts to the rush-hour profile (order of ROAD_CLASSES):
# highways and arterials carry commuters and jam, local streets barely do.
CLASS_CONGESTION = np.array([1.0, 0.8, 0.3])
# Probe cars per 2-minute interval at peak activity: busy highways, quiet side streets.
CLASS_DEMAND = np.array([3.0, 1.5, 0.6])


# No car averages more than this multiple of the free-flow speed (keeps valid speeds below
# the 200 km/h sanity limit, so cleaning only ever removes injected rows).
MAX_SPEEDUP = 1.8


def car_time_noise(z: np.ndarray, sigma: np.ndarray | float) -> np.ndarray:
    """Mean-one log-normal travel-time multiplier from standard normals ``z``, floored at 1/MAX_SPEEDUP."""
    return np.maximum(np.exp(z * sigma - 0.5 * np.square(sigma)), 1.0 / MAX_SPEEDUP)


def _bump(hour: np.ndarray, centre: float, width: float) -> np.ndarray:
    """A smooth Gaussian bump over the hour of day."""
    return np.exp(-0.5 * ((hour - centre) / width) ** 2)


def week_clock(interval_within_week: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Day of week (0 = Monday) and fractional hour of day of each interval of the week."""
    iww = np.asarray(interval_within_week)
    day, slot = np.divmod(iww, INTERVALS_PER_DAY)
    return day, slot * (INTERVAL_S / SECONDS_PER_HOUR)


def congestion_profile(evening_extra: float = 0.0) -> np.ndarray:
    """Rush-hour intensity for every interval of the week (0 at night).

    Weekdays get a morning and a (stronger) evening peak plus a midday plateau;
    weekends only a mild afternoon bump. ``evening_extra`` adds the drift scenario's
    new late-evening weekday congestion.

    Returns:
        ``(5040,)`` array.
    """
    day, hour = week_clock(np.arange(INTERVALS_PER_WEEK))
    weekday = 0.9 * _bump(hour, 8.0, 0.9) + 1.1 * _bump(hour, 17.5, 1.2) + 0.25 * _bump(hour, 13.0, 2.5)
    weekday = weekday + evening_extra * _bump(hour, 20.5, 1.0)
    weekend = 0.35 * _bump(hour, 14.0, 3.0)
    return np.where(day < 5, weekday, weekend)


def activity_profile(evening_extra: float = 0.0) -> np.ndarray:
    """Relative number of cars on the road for every interval of the week (peak about 1).

    Returns:
        ``(5040,)`` array, never zero (a few cars drive at night).
    """
    day, hour = week_clock(np.arange(INTERVALS_PER_WEEK))
    weekday = (
        0.8 * _bump(hour, 8.0, 1.3) + 0.9 * _bump(hour, 17.5, 1.6) + 0.3 * _bump(hour, 13.0, 3.5)
    ) + 0.5 * evening_extra * _bump(hour, 20.5, 1.0)
    weekend = 0.45 * _bump(hour, 14.0, 4.0)
    return 0.05 + np.where(day < 5, weekday, weekend)


@dataclass(frozen=True)
class Traffic:
    """Ground truth of the synthetic world, vectorised over (segment, interval) pairs.

    Attributes:
        free_flow_s: free-flow travel time per segment.
        distance_km: length per segment.
        class_code: road class code per segment.
        sensitivity: per-segment multiplier of the rush-hour slowdown (segments differ).
        demand: probe cars per interval at peak activity, per segment.
        congestion: ``(5040,)`` rush-hour intensity over the week.
        activity: ``(5040,)`` relative car volume over the week.
        slowdown: per-segment travel-time multiplier (1; above 1 under roadworks).
        incidents: one row per incident: segment_id, start_interval, n_intervals, factor.
        incident_keys: sorted packed (segment, interval) keys covered by an incident.
        incident_factors: the slowdown factor of each key in ``incident_keys``.
        day_factor: travel-time multiplier of every absolute day (above 1 on rain days; days past
            its end are dry).
    """

    free_flow_s: np.ndarray
    distance_km: np.ndarray
    class_code: np.ndarray
    sensitivity: np.ndarray
    demand: np.ndarray
    congestion: np.ndarray
    activity: np.ndarray
    slowdown: np.ndarray
    incidents: pd.DataFrame
    incident_keys: np.ndarray
    incident_factors: np.ndarray
    day_factor: np.ndarray = field(default_factory=lambda: np.ones(0))

    @property
    def n_segments(self) -> int:
        """Number of segments."""
        return len(self.free_flow_s)

    def expected_travel_time_s(self, segment_ids: np.ndarray, interval_index: np.ndarray) -> np.ndarray:
        """Expected travel time (no incidents, mean over cars) of each segment at each interval.

        Args:
            segment_ids: segment ids.
            interval_index: absolute 2-minute interval indices (same shape).

        Returns:
            Seconds, same shape.
        """
        seg = np.asarray(segment_ids, dtype=np.int64)
        iww = np.asarray(interval_index, dtype=np.int64) % INTERVALS_PER_WEEK
        rush = CLASS_CONGESTION[self.class_code[seg]] * self.sensitivity[seg] * self.congestion[iww]
        return self.free_flow_s[seg] * (1.0 + rush) * self.slowdown[seg]

    def expected_cars(self, interval_index: np.ndarray) -> np.ndarray:
        """Mean probe cars per (interval, segment): ``(len(interval_index), S)``."""
        iww = np.asarray(interval_index, dtype=np.int64) % INTERVALS_PER_WEEK
        return self.activity[iww][:, None] * self.demand[None, :]

    def incident_factor(self, segment_ids: np.ndarray, interval_index: np.ndarray) -> np.ndarray:
        """Travel-time multiplier from incidents and jams (1 where none is active), times the day's weather."""
        keys, factors = self.incident_keys, self.incident_factors
        seg = np.asarray(segment_ids, dtype=np.int64)
        query = seg * _KEY_STRIDE + np.asarray(interval_index, dtype=np.int64)
        out = np.ones(query.shape, dtype=np.float64)
        if keys.size:
            pos = np.clip(np.searchsorted(keys, query), 0, keys.size - 1)
            hit = keys[pos] == query
            out[hit] = factors[pos[hit]]
        if self.day_factor.size:
            day = np.asarray(interval_index, dtype=np.int64) // INTERVALS_PER_DAY
            inside = (day >= 0) & (day < self.day_factor.size)
            out = out * np.where(inside, self.day_factor[np.clip(day, 0, self.day_factor.size - 1)], 1.0)
        return out

    def with_incidents(self, incidents: pd.DataFrame) -> Traffic:
        """The same world with another set of incidents."""
        keys, factors = _incident_cells(incidents)
        return replace(self, incidents=incidents, incident_keys=keys, incident_factors=factors)

    def with_drift(self, roadworks: np.ndarray, slowdown: float, evening_extra: float) -> Traffic:
        """The world after the drift scenario: roadworks on some segments and a new evening peak.

        Args:
            roadworks: segment ids under roadworks.
            slowdown: travel-time multiplier on those segments.
            evening_extra: intensity of the new weekday late-evening congestion.
        """
        factor = self.slowdown.copy()
        factor[np.asarray(roadworks, dtype=np.int64)] *= slowdown
        return replace(
            self,
            slowdown=factor,
            congestion=congestion_profile(evening_extra),
            activity=activity_profile(evening_extra),
        )


_KEY_STRIDE = 1 << 32  # packs (segment, absolute interval) into one int64 key


# Incident cells expanded at a time: bounds the expansion's temporaries (about 50 bytes a cell; the
# city-sized history has ~90M cells, 4.5 GB of temporaries at once).
_CELLS_PER_CHUNK = 4_000_000


def _incident_cells(incidents: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (segment, interval) keys covered by incidents and their (max) slowdown factor.

    Expanded in chunks of whole segments, in segment order: a cell's overlapping incidents are all
    on its segment, so each chunk resolves its own overlaps and the chunks' keys follow each other.
    """
    n = incidents["n_intervals"].to_numpy(dtype=np.int64)
    if n.sum() == 0:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    seg = incidents["segment_id"].to_numpy(dtype=np.int64)
    order = np.argsort(seg, kind="stable")
    seg, n = seg[order], n[order]
    segment_starts = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
    # Chunk edges: the first incident of a segment once ~_CELLS_PER_CHUNK cells have gone by.
    ends = np.cumsum(n)
    wanted = np.searchsorted(ends, np.arange(_CELLS_PER_CHUNK, ends[-1], _CELLS_PER_CHUNK), side="right")
    edges = np.unique(
        np.r_[0, segment_starts[np.minimum(np.searchsorted(segment_starts, wanted), segment_starts.size - 1)], n.size]
    )
    start = incidents["start_interval"].to_numpy(dtype=np.int64)[order]
    factor = incidents["factor"].to_numpy(dtype=np.float64)[order]
    chunks = [_expand_cells(seg[a:b], start[a:b], n[a:b], factor[a:b]) for a, b in zip(edges[:-1], edges[1:])]
    return np.concatenate([k for k, _ in chunks]), np.concatenate([f for _, f in chunks])


def _expand_cells(
    seg: np.ndarray, start: np.ndarray, n: np.ndarray, factor: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One chunk's sorted cell keys and their worst factor (incidents given per row)."""
    # Expand each incident to the intervals it covers without a loop: offsets restart per incident.
    owner = np.repeat(np.arange(len(n)), n)
    offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    keys = seg[owner] * _KEY_STRIDE + start[owner] + offset
    cell_factor = factor[owner]
    del owner, offset
    order = np.lexsort((cell_factor, keys))
    keys, cell_factor = keys[order], cell_factor[order]
    # Overlapping incidents on one cell: the worst (largest factor, last after sorting) wins.
    last = np.r_[keys[1:] != keys[:-1], True] if keys.size else np.zeros(0, dtype=bool)
    return keys[last], cell_factor[last]


def draw_incidents(
    n_segments: int,
    start: int,
    end: int,
    rate_per_segment_week: float,
    rng: np.random.Generator,
    *,
    factor: tuple[float, float] = (2.0, 4.0),
    intervals: tuple[int, int] = (10, 31),
) -> pd.DataFrame:
    """Random slowdowns, by default incidents: a segment slowed 2-4x for 20-60 minutes.

    Args:
        n_segments: number of segments.
        start: first absolute interval of the period.
        end: one past the last interval.
        rate_per_segment_week: expected slowdowns per segment and week.
        rng: random stream.
        factor: slowdown factor range (uniform).
        intervals: duration range in intervals (integers, upper bound excluded).

    Returns:
        DataFrame with segment_id, start_interval, n_intervals, factor.
    """
    weeks = (end - start) / INTERVALS_PER_WEEK
    count = int(rng.poisson(rate_per_segment_week * n_segments * weeks))
    return pd.DataFrame(
        {
            "segment_id": rng.integers(0, n_segments, count),
            "start_interval": rng.integers(start, end, count),
            "n_intervals": rng.integers(*intervals, count),
            "factor": rng.uniform(*factor, count),
        }
    )


def build_traffic(segments: pd.DataFrame, probe_rate: float, rng: np.random.Generator) -> Traffic:
    """Draw the per-segment truth (sensitivity, demand) for a segment table.

    Args:
        segments: the network's segment table (with ``free_flow_s`` and ``road_class_code``).
        probe_rate: scales probe cars per interval.
        rng: random stream.

    Returns:
        A world without incidents (add them with :meth:`Traffic.with_incidents`).
    """
    n = len(segments)
    code = segments["road_class_code"].to_numpy(dtype=np.int64)
    return Traffic(
        free_flow_s=segments["free_flow_s"].to_numpy(dtype=np.float64),
        distance_km=segments["distance_km"].to_numpy(dtype=np.float64),
        class_code=code,
        sensitivity=np.clip(rng.lognormal(0.0, 0.35, n), 0.3, 2.5),
        demand=probe_rate * CLASS_DEMAND[code] * rng.lognormal(0.0, 0.3, n),
        congestion=congestion_profile(),
        activity=activity_profile(),
        slowdown=np.ones(n),
        incidents=pd.DataFrame({"segment_id": [], "start_interval": [], "n_intervals": [], "factor": []}).astype(
            {"segment_id": np.int64, "start_interval": np.int64, "n_intervals": np.int64}
        ),
        incident_keys=np.empty(0, np.int64),
        incident_factors=np.empty(0, np.float64),
    )
