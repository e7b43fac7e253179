"""The model ladder: free-flow -> historical mean (the production baseline) -> gradient boosting -> oracle.

Every model ends up as a table of travel times per (segment, interval_within_week), which
is exactly what the serving key-value store holds; a trip's ETA walks its route and
looks each segment up at the interval the car reaches it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from cases.eta.features import FEATURES, HistoryFeatures
from cases.eta.traffic import INTERVALS_PER_HOUR, INTERVALS_PER_WEEK, MAX_SPEEDUP, Traffic, car_time_noise
from cases.eta.trips import walk_routes
from framework.seeding import stream_rng

if TYPE_CHECKING:
    from framework.engine import Engine

# Predicted times never drop below the free-flow time (ratio 1): no ETA promises a route faster
# than its uncongested speed, and the booster cannot extrapolate below it on a rare input. (It was
# 0.2 of free flow; flooring at free flow is the "no ETA below free flow" guardrail, measured in serving.)
MIN_RATIO = 1.0
# The booster learns the residual over this structural prior (segment sensitivity x class profile).
PRIOR_COLUMN = FEATURES.index("hist_congestion_guess")


def week_column(interval_index: np.ndarray, bucket: int) -> np.ndarray:
    """Column of a week table with ``bucket`` 2-minute intervals per column for (absolute) intervals."""
    week = np.asarray(interval_index, dtype=np.int64) % INTERVALS_PER_WEEK
    return week if bucket == 1 else week // bucket


class SegmentTimeModel:
    """Common interface: ``fit(...) -> self``, then vectorised segment and trip predictions.

    ``table_`` has one column per ``table_bucket_`` intervals of the week (1: every 2-minute interval).
    """

    name: ClassVar[str] = "model"
    description: ClassVar[str] = ""
    table_: np.ndarray
    table_bucket_: int = 1

    def predict_segment_time(self, segment_ids: np.ndarray, interval_index: np.ndarray) -> np.ndarray:
        """Travel time in seconds of each segment at each (absolute or within-week) interval.

        Args:
            segment_ids: segment ids.
            interval_index: 2-minute interval indices (taken modulo one week).

        Returns:
            Seconds, same shape as the inputs.
        """
        if not hasattr(self, "table_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted; call fit() first")
        seg = np.asarray(segment_ids, dtype=np.int64)
        return self.table_[seg, week_column(interval_index, self.table_bucket_)]

    def predict_records(self, records: pd.DataFrame) -> np.ndarray:
        """Travel time of every probe record (``segment_id``, ``interval_index``; ``car_count`` where used)."""
        return self.predict_segment_time(records["segment_id"].to_numpy(), records["interval_index"].to_numpy())

    def trip_eta(self, paths: np.ndarray, departure_s: np.ndarray) -> np.ndarray:
        """ETA in seconds of each route, each segment timed at the interval the car reaches it.

        Args:
            paths: ``(n, L)`` segment ids padded with -1.
            departure_s: ``(n,)`` departure times in seconds since interval 0.
        """
        return walk_routes(paths, departure_s, self.predict_segment_time)


def _free_flow(segments: pd.DataFrame) -> np.ndarray:
    return segments.sort_values("segment_id")["free_flow_s"].to_numpy(np.float64)


def _free_flow_table(segments: pd.DataFrame, bucket: int = 1) -> np.ndarray:
    """Every column the free-flow time: a read-only broadcast view (one copy would be 0.27 GB at xl)."""
    return np.broadcast_to(_free_flow(segments)[:, None], (len(segments), INTERVALS_PER_WEEK // bucket))


class FreeFlowModel(SegmentTimeModel):
    """Naive: distance / free-flow speed, blind to time of day."""

    name = "free_flow"
    description = "naive: distance / free-flow speed, the same at every hour"

    def fit(self, train: pd.DataFrame, segments: pd.DataFrame, bucket: int = 1) -> FreeFlowModel:
        """Tabulate free-flow times (``train`` is unused) with ``bucket`` intervals per column."""
        self.table_bucket_ = bucket
        self.table_ = _free_flow_table(segments, bucket)
        return self


class HistoricalMeanModel(SegmentTimeModel):
    """The production baseline: record-table lookup per (segment, interval_within_week).

    Falls back to the segment's mean for that hour of the week, then the segment's
    mean, then free flow, where the training window has no record for the key.

    Attributes (after ``fit``):
        table_: ``(S, 5040)`` seconds.
        coverage_: share of keys answered by the record table itself.
    """

    name = "historical_mean"
    description = "what runs today: car-weighted mean per (segment, interval of week); fallbacks hour/segment/free-flow"

    def fit(
        self, train: pd.DataFrame, segments: pd.DataFrame, history: HistoryFeatures | None = None
    ) -> HistoricalMeanModel:
        """Build the lookup table.

        Args:
            train: clean training records.
            segments: the segment table.
            history: aggregates already fitted on ``train`` (fitted here when None).
        """
        history = history or HistoryFeatures().fit(train, segments)
        key = history.key_table()
        self.table_bucket_ = history.table_bucket_
        hour = np.repeat(history.hour_table(), INTERVALS_PER_HOUR // self.table_bucket_, axis=1)
        segment = np.broadcast_to(history.segment_table()[:, None], key.shape)
        # Fallbacks filled in place (the same values as nested np.where, without four table-sized temporaries).
        missing = np.isnan(key)
        self.coverage_ = float(np.mean(~missing))
        np.copyto(hour, segment, where=np.isnan(hour))
        np.copyto(key, hour, where=missing)
        del hour, missing
        np.copyto(key, 1.0, where=np.isnan(key))
        key *= _free_flow(segments)[:, None]  # free flow x ratio: one product per key, as before
        self.table_ = key
        return self


class GradientBoostingModel(SegmentTimeModel):
    """Histogram gradient boosting on the travel-time ratio (time / free-flow time).

    Learns across neighbouring times, days, weeks and similar segments, so a key with
    few probe cars borrows strength from the rest instead of echoing its own noise. It
    predicts per (segment, time bucket of ``bucket`` intervals) and interpolates linearly
    between bucket centres to fill every 2-minute key of the table.

    Attributes (after ``fit``):
        estimator_: the fitted ``HistGradientBoostingRegressor``.
        table_: ``(S, 5040)`` predicted seconds.
        n_train_rows_: training rows the booster saw.
    """

    name = "gradient_boosting"
    description = "gradient boosting (squared error: the mean time) on static, time-of-week and train-window history"

    def __init__(
        self,
        max_iter: int = 150,
        learning_rate: float = 0.15,
        max_leaf_nodes: int = 31,
        train_rows: int = 150_000,
        bucket: int = 5,
        random_state: int = 0,
    ) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.train_rows = train_rows
        self.bucket = bucket
        self.random_state = random_state

    def fit(
        self,
        train: pd.DataFrame,
        segments: pd.DataFrame,
        history: HistoryFeatures | None = None,
        rng: np.random.Generator | None = None,
        rows: pd.DataFrame | None = None,
        engine: Engine | None = None,
    ) -> GradientBoostingModel:
        """Fit on a seeded, car-weighted sample of training rows, then tabulate every key.

        Args:
            train: clean training records.
            segments: the segment table.
            history: aggregates fitted on ``train`` with this model's bucket (fitted here when None).
            rng: stream for the row sample (the ``gbm_rows`` stream of ``random_state`` when None).
            rows: the sample already drawn (per partition, when the training window stays on the workers);
                ``train`` and ``rng`` are then unused.
            engine: where the table is scored (its chunks are tasks on the workers on Dask); this process when None.
        """
        history = history or HistoryFeatures().fit(train, segments, self.bucket)
        if history.bucket_ != self.bucket:
            raise ValueError(f"history was fitted with bucket={history.bucket_}, the model uses {self.bucket}")
        rng = rng or stream_rng(self.random_state, "gbm_rows")
        # Rows are drawn with probability proportional to their car count (with replacement):
        # frequency weighting, so a record averaging ten cars counts ten times as much as a
        # single car, without sample weights (which make the booster's binning slow).
        if rows is None:
            weight = train["car_count"].to_numpy(np.float64)
            chosen = rng.choice(len(train), size=self.train_rows, replace=True, p=weight / weight.sum())
            rows = train.iloc[np.sort(chosen)]
        seg = rows["segment_id"].to_numpy()
        # Out of fold by training week (or by day, with the time-of-day history of short data).
        X = history.booster_features(seg, history.slots(rows) // self.bucket, history.folds(rows))
        prior = X[:, PRIOR_COLUMN]
        y = rows["travel_time_s"].to_numpy() / history.segments_["free_flow_s"].to_numpy()[seg] - prior
        self.estimator_ = HistGradientBoostingRegressor(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=40,
            l2_regularization=1.0,
            early_stopping=False,
            categorical_features=[FEATURES.index("road_class_code")],
            random_state=self.random_state,
        )
        # One OpenMP thread: on a small shared machine a second thread that loses its core
        # makes every boosting iteration wait at a barrier (4x slower); alone it costs ~nothing.
        with threadpool_limits(limits=1, user_api="openmp"):
            # Squared loss on the ratio estimates the mean time; MAE (and the median oracle) would want the median.
            self.estimator_.fit(X, y)
        ratio = self._bucket_ratios(history, engine)
        self.n_train_rows_ = len(rows)
        self.table_bucket_ = history.table_bucket_
        ratio = interpolate_buckets(ratio.reshape(len(segments), -1), self.bucket, self.table_bucket_)
        np.maximum(ratio, MIN_RATIO, out=ratio)
        ratio *= _free_flow(segments)[:, None]  # in place: the city-scale table is 0.27 GB a copy
        self.table_ = ratio
        return self

    def _bucket_ratios(self, history: HistoryFeatures, engine: Engine | None) -> np.ndarray:
        """Predicted ratio of every (segment, bucket), segment-major: batch scoring in chunks of segments.

        Chunks bound the feature matrix (16 float64 per pair: 13 GB for every pair at once at 101,760
        segments) and are the tasks on a Dask engine (the booster is sent to each worker once); each
        pair's prediction depends on its own features only, so the values are the same either way.
        """
        n_seg = len(history.segments_)
        step = max(1, _PREDICT_CHUNK_PAIRS // history.n_buckets_)
        chunks = [(history.segment_slice(lo, min(lo + step, n_seg)),) for lo in range(0, n_seg, step)]
        if engine is None:
            return np.concatenate([_chunk_ratios(self.estimator_, *chunk) for chunk in chunks])
        return np.concatenate(engine.map(_chunk_ratios, chunks, shared=(self.estimator_,)))


def _chunk_ratios(estimator: HistGradientBoostingRegressor, part: HistoryFeatures) -> np.ndarray:
    """The prior plus the booster's residual for every (segment, bucket) pair of one slice, segment-major."""
    X = part.booster_features(*part.all_buckets())
    # One OpenMP thread, as in the fit: a worker is one thread, and the caller holds one core.
    with threadpool_limits(limits=1, user_api="openmp"):
        return X[:, PRIOR_COLUMN] + estimator.predict(X)


def interpolate_buckets(values: np.ndarray, bucket: int, table_bucket: int = 1) -> np.ndarray:
    """Spread ``(S, 5040 // bucket)`` bucket values over the week's table columns.

    Linear between bucket centres, wrapping from Sunday night to Monday morning; a table column of
    ``table_bucket`` intervals takes the value at its own centre.

    Returns:
        ``(S, 5040 // table_bucket)`` array; equal to the bucket's value at its centre.
    """
    n_buckets = values.shape[1]
    centre = np.arange(0, INTERVALS_PER_WEEK, table_bucket) + (table_bucket - 1) / 2.0
    pos = (centre - (bucket - 1) / 2.0) / bucket
    lo = np.floor(pos).astype(np.int64)
    frac = pos - lo
    return values[:, lo % n_buckets] * (1.0 - frac) + values[:, (lo + 1) % n_buckets] * frac


# (segment, bucket) pairs per booster prediction chunk: ~200 MB of features at a time.
_PREDICT_CHUNK_PAIRS = 1_500_000

# Cells (draws x trips x route positions) per Monte-Carlo block: bounds its (draws x trips, route length)
# temporaries to ~130 MB each (a block of rows would grow with the route: 0.9 GB each for the city's routes).
_ORACLE_BLOCK_CELLS = 16_000_000


class OracleModel(SegmentTimeModel):
    """The best prediction under MAE given everything the generator knows: the conditional median.

    MAE is minimised by the median of the conditional distribution, not by its mean. Given the
    route, the departure time, the time-of-week congestion and every incident (the generator
    knows them; no model can), a trip's time still varies with the driver and each car's noise.

    - A **trip**'s ETA is the median of its total time over ``draws`` scrambled-Sobol draws of
      the driver factor and the per-segment car noise, each draw walked segment by segment at
      arrival times (so a slow first segment moves the rest into other intervals), exactly as
      the generator times the test trips. The median of the *sum*, not a sum of per-segment medians.
    - A **record** (average of ``car_count`` cars) is predicted by its exact median: expected
      time x incident slowdown x the median of the mean-one noise with spread
      ``car_speed_noise / sqrt(cars)``.

    Synthetic data only: on real data there is no generator truth and the ladder has no oracle.

    Attributes (after ``fit``):
        table_: ``(S, 5040)`` expected seconds per key without incidents (the part a table can hold).
    """

    name = "oracle"
    description = (
        "generator truth: conditional median of each trip's total time (and each record's time), "
        "incidents included; the best possible prediction under MAE"
    )

    def __init__(
        self, traffic: Traffic, car_speed_noise: float, driver_noise: float, draws: int, rng: np.random.Generator
    ) -> None:
        self.traffic = traffic
        self.car_speed_noise = car_speed_noise
        self.driver_noise = driver_noise
        self.draws = draws
        self.rng = rng

    def fit(self, train: pd.DataFrame, segments: pd.DataFrame, bucket: int = 1) -> OracleModel:
        """Tabulate the expected time per key (``train`` is unused: the oracle learns nothing).

        With ``bucket`` intervals per column, a column holds the time at its bucket's middle interval.
        """
        n_seg, columns = len(segments), INTERVALS_PER_WEEK // bucket
        self.table_bucket_ = bucket
        self.table_ = np.empty((n_seg, columns))
        step = max(1, _PREDICT_CHUNK_PAIRS // columns)
        for lo in range(0, n_seg, step):  # chunks of segments: the key arrays stay small
            seg = np.repeat(np.arange(lo, min(lo + step, n_seg)), columns)
            iww = np.tile(np.arange(columns) * bucket + bucket // 2, len(seg) // columns)
            self.table_[lo : lo + step] = self.traffic.expected_travel_time_s(seg, iww).reshape(-1, columns)
        return self

    def _realised(self, segment_ids: np.ndarray, interval_index: np.ndarray) -> np.ndarray:
        """Expected time x incident slowdown at absolute intervals: the generator's time before noise."""
        return self.traffic.expected_travel_time_s(segment_ids, interval_index) * self.traffic.incident_factor(
            segment_ids, interval_index
        )

    def predict_segment_time(self, segment_ids: np.ndarray, interval_index: np.ndarray) -> np.ndarray:
        """Median time of one car on each segment at each absolute interval (incidents included)."""
        if not hasattr(self, "table_"):
            raise RuntimeError("OracleModel is not fitted; call fit() first")
        return self._realised(segment_ids, interval_index) * _noise_median(self.car_speed_noise)

    def predict_records(self, records: pd.DataFrame) -> np.ndarray:
        """Exact median of each record's average time, given its segment, interval and car count."""
        spread = self.car_speed_noise / np.sqrt(records["car_count"].to_numpy(np.float64))
        base = self._realised(records["segment_id"].to_numpy(), records["interval_index"].to_numpy())
        return base * _noise_median(spread)

    def trip_eta(self, paths: np.ndarray, departure_s: np.ndarray) -> np.ndarray:
        """Monte-Carlo median of each trip's total time (see the class docstring)."""
        n, length = paths.shape
        if n == 0:
            return np.empty(0)
        # Scrambled Sobol points (driver, then one per route position) spread the draws evenly:
        # the median is as precise as with several times more plain random draws.
        sobol = stats.qmc.Sobol(length + 1, scramble=True, rng=self.rng).random(self.draws)
        z = stats.norm.ppf(np.clip(sobol, 1e-12, 1 - 1e-12))
        block = max(1, _ORACLE_BLOCK_CELLS // (n * max(length, 1)))
        totals = []
        for lo in range(0, self.draws, block):
            zb = z[lo : lo + block]
            b = len(zb)
            driver = np.exp(np.repeat(zb[:, 0], n) * self.driver_noise)
            noise = car_time_noise(np.repeat(zb[:, 1:], n, axis=0), self.car_speed_noise)
            walked = walk_routes(
                np.tile(paths, (b, 1)), np.tile(departure_s, b), self._realised, driver[:, None] * noise
            )
            totals.append(walked.reshape(b, n))
        return np.median(np.concatenate(totals), axis=0)


def _noise_median(spread: np.ndarray | float) -> np.ndarray | float:
    """Median of :func:`car_time_noise` with log spread ``spread`` (monotone in z, so its value at z = 0)."""
    return np.maximum(np.exp(-0.5 * np.square(spread)), 1.0 / MAX_SPEEDUP)
