"""Persistent jams and their spread upstream along the road graph (the generator's spatial congestion)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from cases.eta.traffic import INTERVALS_PER_WEEK, draw_incidents

# A jam slows its segment 1.3-2x for 30-120 minutes: milder and far more common than an incident,
# and long enough that the last half hour of probes says something about the next half hour.
JAM_FACTOR = (1.3, 2.0)
JAM_INTERVALS = (15, 61)
# How many road-graph hops upstream a slowdown backs up (each hop keeps ``decay`` of the excess).
SPREAD_HOPS = 1


def draw_jams(
    n_segments: int, start: int, end: int, rate_per_segment_week: float, rng: np.random.Generator
) -> pd.DataFrame:
    """Random jams: a segment slowed 1.3-2x for 30-120 minutes (same columns as incidents).

    Args:
        n_segments: number of segments.
        start: first absolute interval of the period.
        end: one past the last interval.
        rate_per_segment_week: expected jams per segment and week.
        rng: the ``jams`` stream (its own, so the incident and probe draws do not move).
    """
    return draw_incidents(
        n_segments, start, end, rate_per_segment_week, rng, factor=JAM_FACTOR, intervals=JAM_INTERVALS
    )


def upstream_pairs(segments: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Every (segment, upstream neighbour) pair: the neighbour ends where the segment starts (no U-turns).

    Returns:
        Two aligned arrays: the segment ids and their upstream neighbours' ids.
    """
    seg = segments[["segment_id", "from_node", "to_node"]]
    pairs = seg.merge(seg, left_on="from_node", right_on="to_node", suffixes=("", "_up"))
    pairs = pairs[pairs["from_node_up"] != pairs["to_node"]]
    return pairs["segment_id"].to_numpy(np.int64), pairs["segment_id_up"].to_numpy(np.int64)


def spread_upstream(events: pd.DataFrame, segments: pd.DataFrame, decay: float) -> pd.DataFrame:
    """Copy every slowdown to the segments up to ``SPREAD_HOPS`` hops upstream, its excess times ``decay`` per hop.

    A queue backs up against the flow: a jam on a segment slows the roads that feed it. The copies
    keep the event's interval span; where events overlap the generator takes the worst factor.

    Args:
        events: incidents or jams (segment_id, start_interval, n_intervals, factor).
        segments: the segment table (from_node, to_node).
        decay: share of the excess slowdown (factor - 1) kept per hop; 0 switches the spread off.

    Returns:
        The events followed by their upstream copies (the events alone when ``decay`` is 0).
    """
    if decay <= 0 or events.empty:
        return events
    down, up = upstream_pairs(segments)
    order = np.argsort(down, kind="stable")
    down, up = down[order], up[order]
    parts, layer = [events], events
    for _ in range(SPREAD_HOPS):
        lo = np.searchsorted(down, layer["segment_id"].to_numpy(np.int64), side="left")
        hi = np.searchsorted(down, layer["segment_id"].to_numpy(np.int64), side="right")
        owner = np.repeat(np.arange(len(layer)), hi - lo)
        pick = np.arange(owner.size) - np.repeat(np.cumsum(hi - lo) - (hi - lo), hi - lo) + lo[owner]
        layer = (
            layer.iloc[owner]
            .reset_index(drop=True)
            .assign(segment_id=up[pick], factor=1.0 + (layer["factor"].to_numpy()[owner] - 1.0) * decay)
        )
        parts.append(layer)
    return pd.concat(parts, ignore_index=True)


def neighbour_slowdown_correlation(slowdown: np.ndarray, segments: pd.DataFrame) -> float:
    """Correlation of each segment's slowdown with the mean slowdown of its upstream neighbours.

    Args:
        slowdown: ``(S, T)`` per-segment slowdown signal (e.g. observed / historical - 1), NaN where unseen.
        segments: the segment table.

    Returns:
        Pearson correlation over (segment, interval) cells where both are seen (NaN when none are).
    """
    down, up = upstream_pairs(segments)
    n = len(slowdown)
    adjacency = sparse.csr_matrix((np.ones(len(down)), (down, up)), shape=(n, n))  # sparse: real maps are large
    if slowdown.size > _CHUNKED_CELLS:
        return _chunked_correlation(slowdown, adjacency)
    seen = ~np.isnan(slowdown)
    # Adjacency (segment x upstream neighbour) times the signal: every neighbour sum in one product.
    total = adjacency @ np.where(seen, slowdown, 0.0)
    count = adjacency @ seen.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        neighbour = total / count
    both = seen & (count > 0)
    if both.sum() < 3:
        return float("nan")
    return float(np.corrcoef(slowdown[both], neighbour[both])[0, 1])


# Above this many (segment, block) cells the correlation is accumulated over column chunks (city scale:
# 82M cells would need ~4 GB of temporaries at once); below, one pass with numpy's corrcoef.
_CHUNKED_CELLS = 20_000_000
_CHUNK_COLUMNS = 64


def _chunked_correlation(slowdown: np.ndarray, adjacency: sparse.csr_matrix) -> float:
    """Pearson correlation of :func:`neighbour_slowdown_correlation` from sums over chunks of columns."""
    n_both, sx, sy, sxx, syy, sxy = 0, 0.0, 0.0, 0.0, 0.0, 0.0
    for lo in range(0, slowdown.shape[1], _CHUNK_COLUMNS):  # chunks of time blocks, not rows
        x = slowdown[:, lo : lo + _CHUNK_COLUMNS]
        seen = ~np.isnan(x)
        total = adjacency @ np.where(seen, x, 0.0)
        count = adjacency @ seen.astype(np.float64)
        both = seen & (count > 0)
        xs, ys = x[both], total[both] / count[both]
        n_both += xs.size
        sx, sy = sx + xs.sum(), sy + ys.sum()
        sxx, syy, sxy = sxx + (xs * xs).sum(), syy + (ys * ys).sum(), sxy + (xs * ys).sum()
    if n_both < 3:
        return float("nan")
    cov = sxy - sx * sy / n_both
    var = (sxx - sx * sx / n_both) * (syy - sy * sy / n_both)
    return float(cov / np.sqrt(var)) if var > 0 else float("nan")


def recent_slowdown(
    records: pd.DataFrame,
    key_ratio: np.ndarray,
    free_flow_s: np.ndarray,
    window: int,
    first: int | None = None,
    n_blocks: int | None = None,
    lo: int = 0,
) -> np.ndarray:
    """Car-weighted observed / historical time - 1 per (segment, window of intervals): ``(S, T // window)``.

    Args:
        records: clean records with ``travel_time_s``.
        key_ratio: ``(S, 5040 // b)`` historical ratio (time / free flow) per key of ``b`` intervals, NaN where
            unseen.
        free_flow_s: free-flow time per segment.
        window: intervals per block.
        first: interval where block 0 starts (the records' first interval with a historical key when None).
        n_blocks: blocks (up to the last record's when None).
        lo: for one partition's segments ``[lo, lo + len(free_flow_s))``: the first (``key_ratio`` and
            ``free_flow_s`` hold those rows only).

    Returns:
        The slowdown per segment and block, NaN where no car with a historical key drove.
    """
    seg = records["segment_id"].to_numpy(np.int64) - lo
    interval = records["interval_index"].to_numpy(np.int64)
    column = interval % INTERVALS_PER_WEEK
    if key_ratio.shape[1] != INTERVALS_PER_WEEK:  # bucketed tables (city scale)
        column = column // (INTERVALS_PER_WEEK // key_ratio.shape[1])
    hist = key_ratio[seg, column] * free_flow_s[seg]
    ok = np.isfinite(hist) & (hist > 0)
    seg, interval, hist = seg[ok], interval[ok], hist[ok]
    if seg.size == 0:
        return np.full((len(free_flow_s), n_blocks or 0), np.nan)
    cars = records["car_count"].to_numpy(np.float64)[ok]
    ratio = records["travel_time_s"].to_numpy(np.float64)[ok] / hist
    block = (interval - (interval.min() if first is None else first)) // window
    n_blocks = int(block.max()) + 1 if n_blocks is None else n_blocks
    cell = seg * n_blocks + block
    size = len(free_flow_s) * n_blocks
    w = np.bincount(cell, cars, size)
    wr = np.bincount(cell, cars * ratio, size)
    out = np.full(size, np.nan)
    np.divide(wr, w, out=out, where=w > 0)
    return out.reshape(len(free_flow_s), n_blocks) - 1.0


def with_jams(
    incidents: pd.DataFrame,
    segments: pd.DataFrame,
    start: int,
    end: int,
    jam_rate_per_segment_week: float,
    spread_decay: float,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Jams drawn for ``[start, end)`` and every slowdown (incidents and jams) with its upstream copies.

    Args:
        incidents: the period's incidents.
        segments: the segment table.
        start: first interval of the period.
        end: one past its last interval.
        jam_rate_per_segment_week: expected jams per segment and week.
        spread_decay: see :func:`spread_upstream`.
        rng: the period's own jams stream.

    Returns:
        The jams, and all events to hand to :meth:`Traffic.with_incidents`.
    """
    jams = draw_jams(len(segments), start, end, jam_rate_per_segment_week, rng)
    return jams, spread_upstream(pd.concat([incidents, jams], ignore_index=True), segments, spread_decay)


# A rain day slows every segment by this much, all day (the weather stream draws which days rain).
RAIN_FACTOR = (1.1, 1.4)


def draw_weather(n_days: int, rain_day_share: float, rng: np.random.Generator) -> np.ndarray:
    """Travel-time multiplier of each day: 1 when dry, 1.1-1.4 on a rain day (``rain_day_share`` of days).

    Args:
        n_days: days to draw (the history and the monitoring periods after it).
        rain_day_share: chance that a day rains.
        rng: the ``weather`` stream.
    """
    rain = rng.random(n_days) < rain_day_share
    return np.where(rain, rng.uniform(*RAIN_FACTOR, n_days), 1.0)
