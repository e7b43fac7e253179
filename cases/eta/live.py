"""Live traffic: the historical (segment, time-of-week) time scaled by the last minutes of probes on the segment."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cases.eta.features import HistoryFeatures
from cases.eta.models import MIN_RATIO, HistoricalMeanModel, SegmentTimeModel, week_column
from cases.eta.traffic import INTERVAL_S

LIVE_RUNG = "live_traffic"
"""The ladder name of the live rung."""


class LiveTrafficModel(SegmentTimeModel):
    """History x a live ratio from the segment's recent probes, shrunk toward history by their car count.

    At query time ``t`` the live ratio of a segment is the car-weighted mean of observed / historical
    time over its probes in ``[t - window, t)`` (strictly before ``t``: point-in-time), shrunk toward 1
    with ``prior_cars`` pseudo-cars. On a trip the ratio measured at departure fades toward 1 with
    the time until the car reaches the segment (``exp(-ahead / decay_s)``): a jam seen now says less
    about the road in half an hour.

    Attributes (after ``fit`` and ``with_feed``):
        table_: ``(S, 5040 // table_bucket_)`` the historical table (what the key-value store holds).
        start_: first interval of the feed; cars_, observed_, expected_: ``(S, T + 1)`` cumulative cars,
            their observed seconds and their historical seconds over the feed.
    """

    name = LIVE_RUNG
    description = "historical mean x recent probes on the segment (last minutes, shrunk toward history by cars)"

    def __init__(self, window: int = 10, prior_cars: float = 10.0, decay_s: float = 1800.0, lead: int = 0) -> None:
        self.window = window
        self.prior_cars = prior_cars
        self.decay_s = decay_s
        # Drill only: read the window ``lead`` intervals later, i.e. probes from after the query (a leak).
        self.lead = lead

    def fit(
        self, train: pd.DataFrame, segments: pd.DataFrame, history: HistoryFeatures | None = None
    ) -> LiveTrafficModel:
        """Take the historical-mean table as the base (``train`` only)."""
        base = HistoricalMeanModel().fit(train, segments, history)
        self.table_, self.table_bucket_ = base.table_, base.table_bucket_
        self.floor_ = MIN_RATIO * segments.sort_values("segment_id")["free_flow_s"].to_numpy(np.float64)
        self.start_ = 0
        self.cars_: np.ndarray | SparseCumulative = np.zeros((len(self.table_), 1))
        self.observed_: np.ndarray | SparseCumulative = self.cars_
        self.expected_: np.ndarray | SparseCumulative = self.cars_
        return self

    def with_feed(self, records: pd.DataFrame) -> LiveTrafficModel:
        """Attach the probe feed (clean records of any window); queries only see records before their time."""
        seg = records["segment_id"].to_numpy(np.int64)
        interval = records["interval_index"].to_numpy(np.int64)
        if len(seg) == 0:
            return self
        self.start_ = int(interval.min())
        span = int(interval.max()) - self.start_ + 1
        cars = records["car_count"].to_numpy(np.float64)
        values = (
            cars,
            cars * records["travel_time_s"].to_numpy(np.float64),
            cars * self.table_[seg, week_column(interval, self.table_bucket_)],
        )
        cell = seg * span + (interval - self.start_)
        if len(self.table_) * span <= _DENSE_FEED_CELLS:
            self.cars_, self.observed_, self.expected_ = (
                _dense_cumulative(cell, v, len(self.table_), span) for v in values
            )
        else:  # one set of observed cells for the three sums
            keys, inverse = np.unique(cell, return_inverse=True)
            self.cars_, self.observed_, self.expected_ = (SparseCumulative(keys, inverse, v, span) for v in values)
        return self

    def live_ratio(self, segment_ids: np.ndarray, interval_index: np.ndarray) -> np.ndarray:
        """Shrunk live ratio of each segment from its probes in the window before each interval.

        The ratio of sums (observed over historical seconds of the same cars), not a mean of
        per-record ratios: a noisy historical key in the denominator would bias the latter upward.
        """
        seg = np.asarray(segment_ids, dtype=np.int64)
        t = np.asarray(interval_index, dtype=np.int64) - self.start_ + self.lead
        span = self.cars_.shape[1] - 1
        hi = np.clip(t, 0, span)
        lo = np.clip(t - self.window, 0, span)
        cars = self.cars_[seg, hi] - self.cars_[seg, lo]
        observed = self.observed_[seg, hi] - self.observed_[seg, lo]
        expected = self.expected_[seg, hi] - self.expected_[seg, lo]
        ratio = np.ones(np.shape(cars))
        np.divide(observed, expected, out=ratio, where=expected > 0)
        return 1.0 + (ratio - 1.0) * cars / (cars + self.prior_cars)

    def predict_segment_time(self, segment_ids: np.ndarray, interval_index: np.ndarray) -> np.ndarray:
        """Historical time x the live ratio seen just before each interval (a query at that moment)."""
        base = super().predict_segment_time(segment_ids, interval_index)
        live = base * self.live_ratio(segment_ids, interval_index)
        return np.maximum(live, np.minimum(base, self._floor(segment_ids)))

    def _floor(self, segment_ids: np.ndarray) -> np.ndarray:
        """Free-flow time per segment: the live ratio never pushes a time below it (nor below history)."""
        return self.floor_[np.asarray(segment_ids, dtype=np.int64)]

    def trip_eta(self, paths: np.ndarray, departure_s: np.ndarray) -> np.ndarray:
        """ETA with the live ratio seen at departure, fading with the time until each segment is reached."""
        depart = np.asarray(departure_s, dtype=np.float64)
        now = np.floor(depart / INTERVAL_S).astype(np.int64)
        clock = depart.copy()
        for pos in range(paths.shape[1]):
            seg = paths[:, pos]
            active = np.flatnonzero(seg >= 0)
            if active.size == 0:
                break
            s = seg[active]
            interval = np.floor(clock[active] / INTERVAL_S).astype(np.int64)
            base = self.table_[s, week_column(interval, self.table_bucket_)]
            fade = np.exp(-(clock[active] - depart[active]) / self.decay_s)
            ratio = 1.0 + (self.live_ratio(s, now[active]) - 1.0) * fade
            clock[active] += np.maximum(base * ratio, np.minimum(base, self._floor(s)))
        return clock - depart


# Above this many (segment, interval) cells the feed's running sums are kept per observed cell only
# (SparseCumulative: the same values); below, as a dense (S, T + 1) array (faster lookups).
_DENSE_FEED_CELLS = 30_000_000


def _dense_cumulative(cell: np.ndarray, values: np.ndarray, n_seg: int, span: int) -> np.ndarray:
    """``(S, T + 1)`` running sums over each segment's intervals (column ``t``: the sum before ``t``)."""
    totals = np.bincount(cell, values, n_seg * span).reshape(n_seg, span)
    return np.hstack([np.zeros((n_seg, 1)), totals.cumsum(axis=1)])


def _running_by_segment(segment: np.ndarray, t: np.ndarray, totals: np.ndarray, span: int) -> np.ndarray:
    """Running sum of ``totals`` along each segment's cells in time order, added one interval at a time.

    The loop runs over the feed's intervals (not rows), so each segment's sum is built in the same
    order as numpy's cumsum along the dense row: the same floats (a grouped pandas cumsum compensates
    its sums and differs in the last bits).
    """
    order = np.argsort(t, kind="stable")
    bounds = np.searchsorted(t[order], np.arange(span + 1), side="left")
    acc = np.zeros(int(segment.max()) + 1 if segment.size else 0)
    running = np.empty(totals.size)
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        cells = order[lo:hi]
        seg = segment[cells]
        acc[seg] += totals[cells]  # one cell per segment and interval: no repeated index
        running[cells] = acc[seg]
    return running


class SparseCumulative:
    """The dense running sums of :func:`_dense_cumulative`, stored only at observed cells.

    Each observed cell's total is accumulated in record order and the running sum is taken along
    each segment's observed cells in time order, so every value equals the dense one (adding the
    dense array's empty cells adds exact zeros). Indexing ``[seg, t]`` returns the sum before ``t``.
    """

    def __init__(self, keys: np.ndarray, inverse: np.ndarray, values: np.ndarray, span: int) -> None:
        """Args: keys: the sorted observed cells (``segment * span + t``); inverse: each value's cell in ``keys``."""
        self.span, self.keys = span, keys
        totals = np.bincount(inverse, values, keys.size)
        segment = keys // span
        self.running = _running_by_segment(segment, keys % span, totals, span)
        # Dense-like shape for callers that read ``.shape[1] - 1`` as the feed's span.
        self.shape = (int(segment.max()) + 1 if keys.size else 0, span + 1)

    def __getitem__(self, index: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        seg, t = (np.asarray(i, dtype=np.int64) for i in index)
        seg, t = np.broadcast_arrays(seg, t)
        # The last observed cell strictly before t on the same segment holds the running sum.
        pos = np.searchsorted(self.keys, seg * self.span + t, side="left") - 1
        safe = np.maximum(pos, 0)
        same = (pos >= 0) & (self.keys[safe] // self.span == seg)
        return np.where(same, self.running[safe], 0.0)


# A route "meets live congestion" when some segment's shrunk live ratio at departure exceeds this.
SLOWED_RATIO = 1.2


def live_slices(
    model: LiveTrafficModel,
    paths: np.ndarray,
    departure_s: np.ndarray,
    truth: np.ndarray,
    predictions: dict[str, np.ndarray],
) -> dict[str, dict[str, float]]:
    """Trip MAE of each model on trips whose route shows live congestion at departure, and on the rest.

    Args:
        model: the fitted live rung (with its feed).
        paths: ``(n, L)`` routes.
        departure_s: departure times.
        truth: true durations.
        predictions: model name -> ETAs of the same trips.

    Returns:
        ``{"live slowdown on route": {...}, "no live slowdown": {...}}``, each model's MAE plus ``n_trips``
        and the mean of the route's largest live ratio.
    """
    now = np.floor(np.asarray(departure_s, np.float64) / INTERVAL_S).astype(np.int64)
    seg = np.maximum(paths, 0)
    ratio = np.where(paths >= 0, model.live_ratio(seg, np.broadcast_to(now[:, None], paths.shape)), 1.0)
    worst = ratio.max(axis=1) if paths.shape[1] else np.ones(len(now))
    slowed = worst > SLOWED_RATIO
    out: dict[str, dict[str, float]] = {}
    for name, mask in (("live slowdown on route", slowed), ("no live slowdown", ~slowed)):
        row = {
            m: float(np.mean(np.abs(truth[mask] - p[mask]))) if mask.any() else float("nan")
            for m, p in predictions.items()
        }
        row["n_trips"] = float(mask.sum())
        row["mean_worst_live_ratio"] = float(worst[mask].mean()) if mask.any() else float("nan")
        out[name] = row
    return out
