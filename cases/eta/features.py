"""Feature pipeline fitted on the training window only: the seed's record table and history aggregates."""

from __future__ import annotations

from typing import Any

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


# history_sums' arrays with one row per segment (placed into a partition's segment range) and global ones.
_PER_SEGMENT: tuple[str, ...] = ("key_w", "key_wr", "hour_w", "hour_wr", "seg_w", "seg_wr", "seg_week_w")
_PER_SEGMENT += ("seg_week_wr", "hour_week_w", "hour_week_wr")
_GLOBAL = ("class_week_w", "class_week_wr")


def history_sums(records: pd.DataFrame, layout: dict[str, Any], lo: int, hi: int) -> dict[str, Any]:
    """Cars and cars x ratio summed per key of every history aggregate, for segments ``[lo, hi)``.

    The sums :class:`HistoryFeatures` is made of: from all training rows at once (``lo = 0``) on
    pandas, or per partition (one segment range each) on Dask, where the client adds them up.

    Args:
        records: clean training records of segments ``[lo, hi)`` only.
        layout: :meth:`HistoryFeatures.layout` (free-flow times, classes, weeks, buckets).
        lo: first segment; hi: one past the last.

    Returns:
        Arrays keyed like :data:`_PER_SEGMENT` (rows ``lo..hi-1``) and :data:`_GLOBAL`, plus ``lo``/``hi``.
    """
    n_seg, n_weeks, bucket = hi - lo, layout["n_weeks"], layout["bucket"]
    table_bucket, period = layout["table_bucket"], layout["period"]
    n_buckets = INTERVALS_PER_WEEK // bucket
    seg_global = records["segment_id"].to_numpy(np.int64)
    seg = seg_global - lo if lo else seg_global
    w = records["car_count"].to_numpy(np.float64)
    wr = w * (records["travel_time_s"].to_numpy(np.float64) / layout["free_flow_s"][seg_global])
    if period == INTERVALS_PER_WEEK:
        iww = records["interval_within_week"].to_numpy(np.int64)
    else:
        iww = records["interval_index"].to_numpy(np.int64) % period
    week = records["interval_index"].to_numpy(np.int64) // period - layout["week_offset"]
    columns = INTERVALS_PER_WEEK // table_bucket
    key = seg * columns + (iww if table_bucket == 1 else iww // table_bucket)
    hour = seg * HOURS_PER_WEEK + iww // INTERVALS_PER_HOUR
    cell = (layout["class_code"][seg_global] * n_buckets + iww // bucket) * n_weeks + week
    shape = (len(ROAD_CLASSES), n_buckets, n_weeks)
    hour_week = hour * n_weeks + week
    out: dict[str, Any] = {"lo": lo, "hi": hi}
    for suffix, v in (("w", w), ("wr", wr)):
        out["key_" + suffix] = np.bincount(key, v, n_seg * columns).reshape(n_seg, columns)
        out["hour_" + suffix] = np.bincount(hour, v, n_seg * HOURS_PER_WEEK).reshape(n_seg, HOURS_PER_WEEK)
        out["seg_" + suffix] = np.bincount(seg, v, n_seg)
        out["seg_week_" + suffix] = np.bincount(seg * n_weeks + week, v, n_seg * n_weeks).reshape(n_seg, n_weeks)
        out["class_week_" + suffix] = np.bincount(cell, v, int(np.prod(shape))).reshape(shape)
        size = n_seg * HOURS_PER_WEEK * n_weeks
        out["hour_week_" + suffix] = np.bincount(hour_week, v, size).reshape(n_seg * HOURS_PER_WEEK, n_weeks)
    return out


def _empty_sums(n_seg: int, n_weeks: int, n_buckets: int, table_bucket: int) -> dict[str, np.ndarray]:
    """Zero arrays shaped like :func:`history_sums` over every segment."""
    columns = INTERVALS_PER_WEEK // table_bucket
    shapes = {
        "key": (n_seg, columns),
        "hour": (n_seg, HOURS_PER_WEEK),
        "seg": (n_seg,),
        "seg_week": (n_seg, n_weeks),
        "class_week": (len(ROAD_CLASSES), n_buckets, n_weeks),
        "hour_week": (n_seg * HOURS_PER_WEEK, n_weeks),
    }
    return {f"{name}_{suffix}": np.zeros(shape) for name, shape in shapes.items() for suffix in ("w", "wr")}


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
        table_bucket_: intervals per column of the key tables.
        key_w_, key_wr_: cars and cars x ratio per (segment, interval_within_week // table_bucket_).
        hour_w_, hour_wr_: the same per (segment, hour of week).
        seg_w_, seg_wr_: the same per segment.
        seg_week_w_, seg_week_wr_: the same per (segment, week).
        class_week_w_, class_week_wr_: the same per (road class, bucket, week).
        hour_median_: weekly median ratio per (segment, hour of week), flattened.
        hour_oof_: the same without week ``k`` in row ``k``: ``(n_weeks, S * 168)``.
    """

    def fit(
        self,
        train: pd.DataFrame,
        segments: pd.DataFrame,
        bucket: int = 5,
        period: int = INTERVALS_PER_WEEK,
        table_bucket: int = 1,
    ) -> HistoryFeatures:
        """Accumulate every aggregate from ``train``.

        Args:
            train: clean training records with ``travel_time_s`` and ``interval_within_week``.
            segments: the segment table.
            bucket: intervals per booster time bucket; must divide 30 (an hour).
            period: ``INTERVALS_PER_WEEK`` (time-of-week history, the design) or ``INTERVALS_PER_DAY``
                (time-of-day history for data shorter than a week).
            table_bucket: intervals per column of the (segment, time of week) tables (divides 30): 1, the
                design, keys them by 2-minute interval; more pools each column's intervals (city scale).

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
        if INTERVALS_PER_HOUR % table_bucket:
            raise ValueError(f"table_bucket must divide {INTERVALS_PER_HOUR} intervals (one hour), got {table_bucket}")
        self.bucket_ = bucket
        self.table_bucket_ = table_bucket
        self.period_ = period
        self.n_buckets_ = INTERVALS_PER_WEEK // bucket
        n_seg = len(self.segments_)
        week = train["interval_index"].to_numpy(np.int64) // period
        self.week_offset_ = int(week.min()) if len(week) else 0
        self.n_weeks_ = int(week.max()) - self.week_offset_ + 1 if len(week) else 1
        self._finish(history_sums(train, self.layout(), 0, n_seg))
        return self

    def layout(self) -> dict[str, Any]:
        """What :func:`history_sums` needs besides the rows (small: two arrays per segment and integers)."""
        return {
            "free_flow_s": self.segments_["free_flow_s"].to_numpy(np.float64),
            "class_code": self.segments_["road_class_code"].to_numpy(np.int64),
            "n_weeks": self.n_weeks_,
            "week_offset": self.week_offset_,
            "bucket": self.bucket_,
            "period": self.period_,
            "table_bucket": self.table_bucket_,
        }

    def fit_sums(
        self,
        parts: list[dict[str, Any]],
        segments: pd.DataFrame,
        n_weeks: int,
        bucket: int = 5,
        table_bucket: int = 1,
    ) -> HistoryFeatures:
        """:meth:`fit` from :func:`history_sums` of partitions (segment ranges), added where they overlap.

        The time-of-week period only, the first training week being week 0 (generated data).
        """
        self.segments_ = segments.sort_values("segment_id").reset_index(drop=True)
        self.bucket_, self.table_bucket_, self.period_ = bucket, table_bucket, INTERVALS_PER_WEEK
        self.n_buckets_ = INTERVALS_PER_WEEK // bucket
        self.week_offset_, self.n_weeks_ = 0, n_weeks
        total = _empty_sums(len(self.segments_), n_weeks, self.n_buckets_, table_bucket)
        for part in parts:  # one addition per partition: per-segment arrays go into the partition's range
            lo, hi = part["lo"], part["hi"]
            for name, value in part.items():
                if name in _PER_SEGMENT:  # hour_week rows are (segment, hour of week) cells
                    rows = HOURS_PER_WEEK if name.startswith("hour_week") else 1
                    total[name][lo * rows : hi * rows] += value
                elif name in _GLOBAL:
                    total[name] += value
        self._finish(total)
        return self

    def _finish(self, sums: dict[str, np.ndarray]) -> None:
        """Attributes from the summed arrays: the tables, and the weekly medians (in and out of fold)."""
        self.key_w_, self.key_wr_ = sums["key_w"], sums["key_wr"]
        self.hour_w_, self.hour_wr_ = sums["hour_w"], sums["hour_wr"]
        self.seg_w_, self.seg_wr_ = sums["seg_w"], sums["seg_wr"]
        self.seg_week_w_, self.seg_week_wr_ = sums["seg_week_w"], sums["seg_week_wr"]
        self.class_week_w_, self.class_week_wr_ = sums["class_week_w"], sums["class_week_wr"]
        n_cells = len(self.segments_) * HOURS_PER_WEEK
        hour_weekly = _ratio(sums["hour_week_wr"].reshape(-1), sums["hour_week_w"].reshape(-1))
        hour_weekly = hour_weekly.reshape(n_cells, self.n_weeks_)
        self.hour_median_ = nan_median_last_axis(hour_weekly)
        self.hour_oof_ = _leave_week_out_medians(hour_weekly)
        if self.period_ != INTERVALS_PER_WEEK:
            self._repeat_days()

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
            setattr(self, name, np.tile(getattr(self, name)[:, : self.period_ // self.table_bucket_], days))
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

    def segment_slice(self, lo: int, hi: int) -> HistoryFeatures:
        """What :meth:`booster_features` needs to predict (``weeks=None``) segments ``[lo, hi)``, renumbered from 0.

        Small enough to send to a worker (the range's rows of the per-segment tables, and the class tables);
        every feature of a pair is the value the whole history gives it. Not for training rows (no folds).
        """
        part = HistoryFeatures()
        part.segments_ = self.segments_.iloc[lo:hi].reset_index(drop=True)
        part.bucket_, part.n_buckets_, part.table_bucket_ = self.bucket_, self.n_buckets_, self.table_bucket_
        part.seg_week_w_, part.seg_week_wr_ = self.seg_week_w_[lo:hi].copy(), self.seg_week_wr_[lo:hi].copy()
        part.class_week_w_, part.class_week_wr_ = self.class_week_w_, self.class_week_wr_
        part.hour_median_ = self.hour_median_[lo * HOURS_PER_WEEK : hi * HOURS_PER_WEEK].copy()
        return part

    def all_buckets(self) -> tuple[np.ndarray, np.ndarray]:
        """Segment ids and buckets of every (segment, bucket) pair, segment-major."""
        n_seg = len(self.segments_)
        return np.repeat(np.arange(n_seg), self.n_buckets_), np.tile(np.arange(self.n_buckets_), n_seg)
