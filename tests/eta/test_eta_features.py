"""ETA step 5: the record table, history aggregates fitted on train only, out-of-fold features."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from cases.eta.artifacts import EtaData, EtaFeatures
from cases.eta.features import FEATURES, HistoryFeatures, nan_median_last_axis, record_table
from cases.eta.models import HistoricalMeanModel, interpolate_buckets
from cases.eta.network import build_network
from cases.eta.step_models import features
from cases.eta.traffic import INTERVALS_PER_WEEK


def _segments() -> pd.DataFrame:
    """Two segments between nodes 0 and 1: 1 km at 60 km/h (60 s free flow), both ways."""
    frame = pd.DataFrame(
        {
            "segment_id": [0, 1],
            "from_node": [0, 1],
            "to_node": [1, 0],
            "distance_km": [1.0, 1.0],
            "speed_limit_kmh": [60.0, 60.0],
            "free_flow_kmh": [60.0, 60.0],
            "road_class": ["arterial", "arterial"],
        }
    )
    return build_network(frame).segments


def _records(rows: list[tuple[int, int, int, float]]) -> pd.DataFrame:
    """(segment, interval_index, cars, travel_time_s) tuples -> clean records with derived columns."""
    seg, interval, cars, time_s = (np.array(c) for c in zip(*rows))
    return pd.DataFrame(
        {
            "segment_id": seg.astype(np.int64),
            "interval_index": interval.astype(np.int64),
            "car_count": cars.astype(np.int64),
            "avg_speed_kmh": 3600.0 / time_s,
            "interval_within_week": (interval % INTERVALS_PER_WEEK).astype(np.int64),
            "travel_time_s": time_s.astype(np.float64),
        }
    )


def test_record_table_is_the_car_weighted_mean_per_key():
    records = _records([(0, 5, 1, 10.0), (0, 5 + INTERVALS_PER_WEEK, 3, 20.0), (0, 6, 2, 30.0), (1, 5, 1, 40.0)])
    table = record_table(records).set_index(["segment_id", "interval_within_week"])
    assert table.loc[(0, 5), "travel_time_s"] == pytest.approx((1 * 10 + 3 * 20) / 4)  # 17.5, not 15
    assert table.loc[(0, 5), "car_count"] == 4
    assert table.loc[(0, 5), "n_records"] == 2
    assert table.loc[(0, 6), "travel_time_s"] == pytest.approx(30.0)
    assert len(table) == 3


def test_historical_mean_uses_the_key_then_the_hour_then_free_flow():
    segments = _segments()
    records = _records([(0, 5, 1, 90.0), (0, 5 + INTERVALS_PER_WEEK, 3, 120.0), (0, 7, 1, 60.0)])
    model = HistoricalMeanModel().fit(records, segments)
    got = model.predict_segment_time(np.array([0, 0, 0, 1]), np.array([5, 6, 100, 5]))
    hour_mean = (1 * 90 + 3 * 120 + 1 * 60) / 5  # interval 6 is unseen, its hour is not
    segment_mean = hour_mean  # every record of segment 0 is in that hour
    assert got.tolist() == pytest.approx([(90 + 360) / 4, hour_mean, segment_mean, 60.0])
    assert model.coverage_ == pytest.approx(2 / (2 * INTERVALS_PER_WEEK))


def test_features_step_reads_the_training_window_only(small_run):
    ctx, outputs = small_run
    data, before = outputs.get(EtaData), outputs.get(EtaFeatures)
    test = data.test
    # The same step on data whose test window is wildly different: nothing it fits may move.
    noisy = test.assign(travel_time_s=test["travel_time_s"] * 10, car_count=test["car_count"] + 5)
    summary, after = features(ctx, replace(data, test=noisy))
    pd.testing.assert_frame_equal(after.record_table, before.record_table)
    for name in ("key_wr_", "hour_wr_", "seg_wr_", "class_week_wr_", "hour_median_"):
        np.testing.assert_array_equal(getattr(after.history, name), getattr(before.history, name))
    assert summary == outputs.records["features"]
    # The fitted aggregates would differ had the test window leaked in: the check above could fail.
    leaky = HistoryFeatures().fit(pd.concat([data.train, test]), data.network.segments)
    assert not np.array_equal(leaky.key_wr_, before.history.key_wr_)


def test_booster_features_of_training_rows_leave_their_own_week_out():
    segments = _segments()
    # Monday 08:00 on segment 0 for three weeks: week 0 is slow (incident), weeks 1-2 at free flow.
    interval = 8 * 30
    rows = [(0, interval + w * INTERVALS_PER_WEEK, 1, 180.0 if w == 0 else 60.0) for w in range(3)]
    records = _records(rows)
    history = HistoryFeatures().fit(records, segments, bucket=5)
    col = FEATURES.index("hist_hour_median_ratio")
    seg_col = FEATURES.index("hist_segment_ratio")
    oof = history.booster_features(np.zeros(3, int), np.full(3, interval // 5), weeks=np.arange(3))
    assert oof[:, col].tolist() == pytest.approx([1.0, 2.0, 2.0])  # week 0 sees weeks 1-2 only
    assert oof[:, seg_col].tolist() == pytest.approx([1.0, 2.0, 2.0])
    full = history.booster_features(np.zeros(1, int), np.full(1, interval // 5))
    assert full[0, col] == pytest.approx(1.0)  # the median over all weeks shrugs the incident off
    assert full.shape == (1, len(FEATURES))


def test_nan_median_matches_numpy():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(500, 5))
    values[rng.random(values.shape) < 0.4] = np.nan
    values[0] = np.nan
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        expected = np.nanmedian(values, axis=1)
    np.testing.assert_allclose(nan_median_last_axis(values), expected, equal_nan=True)


def test_bucket_interpolation_hits_bucket_centres_and_wraps_the_week():
    values = np.arange(INTERVALS_PER_WEEK // 5, dtype=float)[None, :]
    table = interpolate_buckets(values, 5)
    assert table.shape == (1, INTERVALS_PER_WEEK)
    assert table[0, 2] == 0.0 and table[0, 7] == 1.0 and table[0, 4] == pytest.approx(0.4)
    last = values[0, -1]
    assert table[0, 0] == pytest.approx(last * 0.4)  # Monday 00:00 blends Sunday's last bucket in
    np.testing.assert_allclose(interpolate_buckets(np.full((2, 1008), 3.0), 5), 3.0)
