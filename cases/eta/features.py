"""Feature pipeline fitted on the training window only: the seed's record table and history aggregates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cases.eta.network import ROAD_CLASSES
from cases.eta.traffic import INTERVALS_PER_DAY, INTERVALS_PER_HOUR, INTERVALS_PER_WEEK
from framework.timeunits import SECONDS_PER_HOUR, SECONDS_PER_WEEK

HOURS_PER_WEEK = SECONDS_PER_WEEK // SECONDS_PER_HOUR

STATIC_FEATURES: tuple[str, ...] = ("distance_km", "free_flow_kmh", "speed_limit_kmh", "road_class_code", "free_flow_s")
TIME_FEATURES: tuple[str, ...] = ("hour", "minute_of_day", "day_of_week", "is_weekend", "tod_sin", "tod_cos")
HISTORY_FEATURES: tuple[str, ...] = (
    "hist_hour_median_ratio",
    "hist_segment_ratio",
    "hist_class_bucket_ratio",
    "hist_congestion_guess",
)
FEATURES: tuple[str, ...] = STATIC_FEATURES + TIME_FEATURES + HISTORY_FEATURES
"""Inputs of the gradient-boosting model, in column order."""


def record_table(records: pd.DataFrame) -> pd.DataFrame:
    """The seed's record table: car-weighted mean travel time per (segment, interval_within_week).

    Each record's travel time (``distance / avg speed``) is weighted by its car count,
    because a record averaging ten cars is ten times the evidence of a single car.

    Args:
        records: clean records with ``travel_time_s`` and ``interval_within_week``.

    Returns:
        One row per key seen: segment_id, interval_within_week, travel_time_s, car_count, n_records.
    """
    w = records["car_count"].to_numpy(np.float64)
    grouped = (
        pd.DataFrame(
            {
                "segment_id": records["segment_id"].to_numpy(),
                "interval_within_week": records["interval_within_week"].to_numpy(),
                "wt": w * records["travel_time_s"].to_numpy(np.float64),
                "car_count": w,
                "n_records": 1,
            }
        )
        .groupby(["segment_id", "interval_within_week"], sort=True)
        .sum()
    )
    grouped["travel_time_s"] = grouped["wt"] / grouped["car_count"]
    grouped["car_count"] = grouped["car_count"].astype(np.int64)
    return grouped.reset_index()[["segment_id", "interval_within_week", "travel_time_s", "car_count", "n_records"]]


def time_features(interval_within_week: np.ndarray) -> dict[str, np.ndarray]:
    """Calendar features of (possibly fractional) intervals of the week (Monday 00:00 = 0)."""
    iww = np.asarray(interval_within_week, dtype=np.float64)
    day = np.floor(iww / INTERVALS_PER_DAY)
    slot = iww - day * INTERVALS_PER_DAY
    minute = slot * 2.0
    angle = 2 * np.pi * slot / INTERVALS_PER_DAY
    return {
        "hour": np.floor(minute / 60.0),
        "minute_of_day": minute,
        "day_of_week": day,
        "is_weekend": (day >= 5).astype(np.float64),
        "tod_sin": np.sin(angle),
        "tod_cos": np.cos(angle),
    }


def _ratio(total: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """total / weight, NaN where there is no weight (the booster treats NaN as missing)."""
    out = np.full(np.shape(total), np.nan)
    np.divide(total, weight, out=out, where=np.asarray(weight) > 0)
    return out


def nan_median_last_axis(values: np.ndarray) -> np.ndarray:
    """Median over the last axis ignoring NaN (NaN where all are NaN); fast when that axis is short."""
    ordered = np.sort(values, axis=-1)  # NaNs sort last
    n = np.sum(~np.isnan(values), axis=-1)
    lo = np.take_along_axis(ordered, np.maximum((n - 1) // 2, 0)[..., None], axis=-1)[..., 0]
    hi = np.take_along_axis(ordered, np.maximum(n // 2, 0)[..., None], axis=-1)[..., 0]
    return np.where(n > 0, (lo + hi) / 2.0, np.nan)


def _weekly(
    cell: np.ndarray, week: np.ndarray, w: np.ndarray, wr: np.ndarray, n_cells: int, n_weeks: int
) -> np.ndarray:
    """Car-weighted mean ratio per (cell, week): ``(n_cells, n_weeks)``, NaN where no car drove."""
    idx = cell * n_weeks + week
    size = n_cells * n_weeks
    return _ratio(np.bincount(idx, wr, size), np.bincount(idx, w, size)).reshape(n_cells, n_weeks)


def _leave_week_out_medians(weekly: np.ndarray) -> np.ndarray:
    """``out[k]`` = median over every week but ``k``: ``(n_weeks, n_cells)`` (a loop over weeks)."""
    out = np.empty((weekly.shape[1], weekly.shape[0]))
    for k in range(weekly.shape[1]):
        others = weekly.copy()
        others[:, k] = np.nan
        out[k] = nan_median_last_axis(others)
    return out


def _bucket_totals(class_week: np.ndarray) -> np.ndarray:
    """``(classes, weeks)`` totals over buckets of a ``(classes, buckets, weeks)`` array."""
    return np.ascontiguousarray(class_week.transpose(0, 2, 1)).sum(axis=-1)


class HistoryFeatures:
    """Aggregates of the travel-time ratio (time / free-flow time) over the training window.

    Two families, both fitted on training records only:

    - the seed's car-weighted means per (segment, interval_within_week), per (segment,
      hour of week) and per segment, which the historical-mean baseline looks up;
    - the booster's features: the median over training weeks of each week's car-weighted
      mean per (segment, hour of week), so a one-off incident does not poison it; the
      segment's and its class's car-weighted means; and a congestion prior built from them.

    For training rows, :meth:`booster_features` computes every aggregate out of fold by
    week (from the other training weeks only). A per-row leave-one-out would leak: within
    a segment it shifts the feature by an amount that mirrors the row's own target.

    With ``period=INTERVALS_PER_DAY`` (real data shorter than a week of training: the time-of-day
    fallback) every aggregate is keyed by the interval of the *day* and folded by day, then
    repeated over the seven days of the week, so every table still has 5040 columns and each
    day of the week gets the same profile. The default, one week, is the design.

    Attributes (after ``fit``):
        segments_: segment table ordered by id.
        bucket_: intervals per booster time bucket; n_buckets_: buckets per week.
        period_: intervals per history cycle: 5040 (time of week) or 720 (time of day).
        n_weeks_: training folds (weeks, or days with the time-of-day period); week_offset_: the first's index.
        key_w_, key_wr_: cars and cars x ratio per (segment, interval_within_week).
        hour_w_, hour_wr_: the same per (segment, hour of week).
        seg_w_, seg_wr_: the same per segment.
        seg_week_w_, seg_week_wr_: the same per (segment, week).
        class_week_w_, class_week_wr_: the same per (road class, bucket, week).
        hour_median_: weekly median ratio per (segment, hour of week), flattened.
        hour_oof_: the same without week ``k`` in row ``k``: ``(n_weeks, S * 168)``.
    """

    def fit(
        self, train: pd.DataFrame, segments: pd.DataFrame, bucket: int = 5, period: int = INTERVALS_PER_WEEK
    ) -> HistoryFeatures:
        """Accumulate every aggregate from ``train``.

        Args:
            train: clean training records with ``travel_time_s`` and ``interval_within_week``.
            segments: the segment table.
            bucket: intervals per booster time bucket; must divide 30 (an hour).
            period: ``INTERVALS_PER_WEEK`` (time-of-week history, the design) or ``INTERVALS_PER_DAY``
                (time-of-day history for data shorter than a week).

        Returns:
            self
        """
        if INTERVALS_PER_HOUR % bucket:
            raise ValueError(f"bucket must divide {INTERVALS_PER_HOUR} intervals (one hour), got {bucket}")
        if period not in (INTERVALS_PER_WEEK, INTERVALS_PER_DAY):
            raise ValueError(
                f"period must be {INTERVALS_PER_WEEK} (a week) or {INTERVALS_PER_DAY} (a day), got {period}"
            )
        self.segments_ = segments.sort_values("segment_id").reset_index(drop=True)
        self.bucket_ = bucket
        self.period_ = period
        self.n_buckets_ = INTERVALS_PER_WEEK // bucket
        n_seg = len(self.segments_)
        seg, _, w, wr = self._row_terms(train)
        iww = self.slots(train)
        week = train["interval_index"].to_numpy(np.int64) // period
        self.week_offset_ = int(week.min()) if len(week) else 0
        week = week - self.week_offset_
        self.n_weeks_ = n_weeks = int(week.max()) + 1 if len(week) else 1

        size = n_seg * INTERVALS_PER_WEEK
        key = seg * INTERVALS_PER_WEEK + iww
        self.key_w_ = np.bincount(key, w, size).reshape(n_seg, INTERVALS_PER_WEEK)
        self.key_wr_ = np.bincount(key, wr, size).reshape(n_seg, INTERVALS_PER_WEEK)
        hour = seg * HOURS_PER_WEEK + iww // INTERVALS_PER_HOUR
        self.hour_w_ = np.bincount(hour, w, n_seg * HOURS_PER_WEEK).reshape(n_seg, HOURS_PER_WEEK)
        self.hour_wr_ = np.bincount(hour, wr, n_seg * HOURS_PER_WEEK).reshape(n_seg, HOURS_PER_WEEK)
        self.seg_w_ = np.bincount(seg, w, n_seg)
        self.seg_wr_ = np.bincount(seg, wr, n_seg)

        self.seg_week_w_ = np.bincount(seg * n_weeks + week, w, n_seg * n_weeks).reshape(n_seg, n_weeks)
        self.seg_week_wr_ = np.bincount(seg * n_weeks + week, wr, n_seg * n_weeks).reshape(n_seg, n_weeks)
        klass = self.segments_["road_class_code"].to_numpy(np.int64)[seg]
        cell = (klass * self.n_buckets_ + iww // bucket) * n_weeks + week
        shape = (len(ROAD_CLASSES), self.n_buckets_, n_weeks)
        self.class_week_w_ = np.bincount(cell, w, int(np.prod(shape))).reshape(shape)
        self.class_week_wr_ = np.bincount(cell, wr, int(np.prod(shape))).reshape(shape)

        hour_weekly = _weekly(hour, week, w, wr, n_seg * HOURS_PER_WEEK, n_weeks)
        self.hour_median_ = nan_median_last_axis(hour_weekly)
        self.hour_oof_ = _leave_week_out_medians(hour_weekly)
        if period != INTERVALS_PER_WEEK:
            self._repeat_days()
        return self

    def slots(self, records: pd.DataFrame) -> np.ndarray:
        """Each record's interval within the history period (of the week, or of the day)."""
        if self.period_ == INTERVALS_PER_WEEK:
            return records["interval_within_week"].to_numpy(np.int64)
        return records["interval_index"].to_numpy(np.int64) % self.period_

    def folds(self, records: pd.DataFrame) -> np.ndarray:
        """Each training record's out-of-fold group (its week, or its day), 0-based."""
        return records["interval_index"].to_numpy(np.int64) // self.period_ - self.week_offset_

    def _repeat_days(self) -> None:
        """Copy the day's aggregates (accumulated in Monday's columns) to every day of the week."""
        days = INTERVALS_PER_WEEK // self.period_
        n_seg = len(self.segments_)
        for name in ("key_w_", "key_wr_"):
            setattr(self, name, np.tile(getattr(self, name)[:, : self.period_], days))
        hours = self.period_ // INTERVALS_PER_HOUR
        for name in ("hour_w_", "hour_wr_"):
            setattr(self, name, np.tile(getattr(self, name)[:, :hours], days))
        buckets = self.period_ // self.bucket_
        for name in ("class_week_w_", "class_week_wr_"):
            setattr(self, name, np.tile(getattr(self, name)[:, :buckets, :], (1, days, 1)))
        median = self.hour_median_.reshape(n_seg, HOURS_PER_WEEK)[:, :hours]
        self.hour_median_ = np.tile(median, days).reshape(-1)
        oof = self.hour_oof_.reshape(-1, n_seg, HOURS_PER_WEEK)[:, :, :hours]
        self.hour_oof_ = np.tile(oof, (1, 1, days)).reshape(len(oof), -1)

    def _row_terms(self, records: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        seg = records["segment_id"].to_numpy(np.int64)
        iww = records["interval_within_week"].to_numpy(np.int64)
        w = records["car_count"].to_numpy(np.float64)
        ratio = records["travel_time_s"].to_numpy(np.float64) / self.segments_["free_flow_s"].to_numpy()[seg]
        return seg, iww, w, w * ratio

    # ------------------------------------------------------------------ seed baseline tables

    def key_table(self) -> np.ndarray:
        """Car-weighted mean travel-time ratio per (segment, interval_within_week); NaN where unseen."""
        return _ratio(self.key_wr_, self.key_w_)

    def hour_table(self) -> np.ndarray:
        """Car-weighted mean travel-time ratio per (segment, hour of week); NaN where unseen."""
        return _ratio(self.hour_wr_, self.hour_w_)

    def segment_table(self) -> np.ndarray:
        """Car-weighted mean travel-time ratio per segment; NaN where unseen."""
        return _ratio(self.seg_wr_, self.seg_w_)

    # ------------------------------------------------------------------ booster features

    def booster_features(
        self, segment_ids: np.ndarray, buckets: np.ndarray, weeks: np.ndarray | None = None
    ) -> np.ndarray:
        """Feature matrix (columns ``FEATURES``) for (segment, time bucket) pairs.

        Args:
            segment_ids: segment of each row.
            buckets: time bucket of the week of each row (``interval_within_week // bucket_``).
            weeks: for training rows, the row's training week (0-based): every aggregate
                then comes from the other weeks only. None for prediction (all weeks).

        Returns:
            ``(n, len(FEATURES))`` float array, NaN for unseen history.
        """
        seg = np.asarray(segment_ids, dtype=np.int64)
        bucket = np.asarray(buckets, dtype=np.int64)
        hour = seg * HOURS_PER_WEEK + bucket * self.bucket_ // INTERVALS_PER_HOUR
        klass = self.segments_["road_class_code"].to_numpy(np.int64)[seg]
        cols: dict[str, np.ndarray] = {c: self.segments_[c].to_numpy(np.float64)[seg] for c in STATIC_FEATURES}
        cols.update(time_features(bucket * self.bucket_ + (self.bucket_ - 1) / 2.0))

        seg_w, seg_wr = self.seg_week_w_.sum(axis=1)[seg], self.seg_week_wr_.sum(axis=1)[seg]
        cls_w, cls_wr = self.class_week_w_.sum(axis=2), self.class_week_wr_.sum(axis=2)
        class_w, class_wr = cls_w.sum(axis=1)[klass], cls_wr.sum(axis=1)[klass]
        cls_w, cls_wr = cls_w[klass, bucket], cls_wr[klass, bucket]
        if weeks is None:
            cols["hist_hour_median_ratio"] = self.hour_median_[hour]
        else:
            wk = np.asarray(weeks, dtype=np.int64)
            cols["hist_hour_median_ratio"] = self.hour_oof_[wk, hour]
            seg_w = seg_w - self.seg_week_w_[seg, wk]
            seg_wr = seg_wr - self.seg_week_wr_[seg, wk]
            # Each (class, week)'s total over buckets, summed along a contiguous bucket axis exactly as
            # a per-row sum would (same values, same order, same float result) but once per cell.
            class_w = class_w - _bucket_totals(self.class_week_w_)[klass, wk]
            class_wr = class_wr - _bucket_totals(self.class_week_wr_)[klass, wk]
            cls_w = cls_w - self.class_week_w_[klass, bucket, wk]
            cls_wr = cls_wr - self.class_week_wr_[klass, bucket, wk]
        cols["hist_segment_ratio"] = _ratio(seg_wr, seg_w)
        cols["hist_class_bucket_ratio"] = _ratio(cls_wr, cls_w)
        # Congestion is roughly segment sensitivity x the class's time profile: say so explicitly,
        # so a few trees suffice where the data is thin (nights, rarely driven segments).
        sensitivity = _ratio(cols["hist_segment_ratio"] - 1.0, _ratio(class_wr, class_w) - 1.0)
        guess = 1.0 + sensitivity * (cols["hist_class_bucket_ratio"] - 1.0)
        guess = np.where(np.isnan(guess), cols["hist_class_bucket_ratio"], guess)
        cols["hist_congestion_guess"] = np.where(np.isnan(guess), 1.0, guess)
        return np.column_stack([cols[c] for c in FEATURES])

    def all_buckets(self) -> tuple[np.ndarray, np.ndarray]:
        """Segment ids and buckets of every (segment, bucket) pair, segment-major."""
        n_seg = len(self.segments_)
        return np.repeat(np.arange(n_seg), self.n_buckets_), np.tile(np.arange(self.n_buckets_), n_seg)
