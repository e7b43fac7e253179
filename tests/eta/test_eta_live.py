"""Live traffic and spatial congestion: the live rung, the jams and their spread upstream."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cases.eta.congestion import spread_upstream, upstream_pairs
from cases.eta.live import LiveTrafficModel
from cases.eta.network import grid_network
from cases.eta.step_data import data
from cases.eta.step_models import features, models


def _ladder(make_context, **overrides):
    ctx = make_context(**overrides)
    record, eta_data = data(ctx)
    feats_record, feats = features(ctx, eta_data)
    ladder, _ = models(ctx, eta_data, feats)
    return record, feats_record, ladder


def _climb(ladder):
    """The ladder's comparison of the live rung with the rung below it (history)."""
    return next(c for c in ladder.climb if c.model == "live_traffic" and c.versus == "historical_mean")


@pytest.fixture(scope="module")
def network():
    return grid_network(4, 5, 0.8, 3, 2, np.random.default_rng(0))


def test_live_rung_beats_history_when_congestion_persists(make_context):
    _, _, ladder = _ladder(make_context, jam_rate_per_segment_week=8.0, n_trips=1500)
    live, history = ladder.models["live_traffic"]["trip_mae_s"], ladder.models["historical_mean"]["trip_mae_s"]
    assert live < 0.97 * history
    step = _climb(ladder)
    assert not step.tie and step.high < 0
    assert ladder.models["oracle"]["trip_mae_s"] <= live


def test_live_rung_ties_history_without_persistent_congestion(make_context):
    _, _, ladder = _ladder(
        make_context, jam_rate_per_segment_week=0.0, incident_rate_per_segment_week=0.0, spread_decay=0.0, n_trips=1500
    )
    # A tie as the ladder calls it: the paired bootstrap interval of the difference contains zero.
    assert _climb(ladder).tie


def test_neighbours_congestion_carries_signal_only_when_it_spreads(make_context):
    _, spread, _ = _ladder(make_context, jam_rate_per_segment_week=8.0, spread_decay=0.6)
    _, alone, _ = _ladder(make_context, jam_rate_per_segment_week=8.0, spread_decay=0.0)
    assert spread.summary["neighbour_slowdown_corr"] > 0.1
    assert abs(alone.summary["neighbour_slowdown_corr"]) < 0.05


def test_without_jams_or_spread_the_data_is_unchanged(make_context):
    off, *_ = _ladder(make_context, jam_rate_per_segment_week=0.0, spread_decay=0.0)
    spread_only, *_ = _ladder(make_context, jam_rate_per_segment_week=0.0, spread_decay=0.5)
    assert off.summary["jams"] == 0 and off.summary["upstream_slowdowns"] == 0
    assert spread_only.summary["upstream_slowdowns"] > 0
    assert off.summary["incidents"] == spread_only.summary["incidents"]


def test_spread_copies_a_slowdown_upstream_with_decay(network):
    seg = int(network.segments["segment_id"].iloc[0])
    event = pd.DataFrame({"segment_id": [seg], "start_interval": [100], "n_intervals": [20], "factor": [3.0]})
    out = spread_upstream(event, network.segments, 0.5)
    down, up = upstream_pairs(network.segments)
    first = set(up[down == seg].tolist())
    hop1 = out.iloc[1 : 1 + len(first)]
    assert set(hop1["segment_id"]) == first
    assert np.allclose(hop1["factor"], 2.0) and (hop1["start_interval"] == 100).all()
    assert np.allclose(out["factor"].iloc[1 + len(first) :], 1.5)
    assert spread_upstream(event, network.segments, 0.0).equals(event)
    # No U-turns: an upstream neighbour never starts where the segment ends.
    segs = network.segments.set_index("segment_id")
    assert (segs.loc[up, "from_node"].to_numpy() != segs.loc[down, "to_node"].to_numpy()).all()


def test_live_ratio_sees_only_probes_before_the_query(network):
    segs = network.segments
    train = pd.DataFrame({"segment_id": [0], "interval_index": [0], "car_count": [1], "avg_speed_kmh": [50.0]}).assign(
        interval_within_week=0, travel_time_s=float(segs["free_flow_s"].iloc[0])
    )
    model = LiveTrafficModel(window=5, prior_cars=1.0).fit(train, segs)
    base = model.table_[0, 50]
    feed = pd.DataFrame(
        {"segment_id": [0, 0], "interval_index": [50, 60], "car_count": [3, 3], "travel_time_s": [3 * base, 3 * base]}
    )
    model.with_feed(feed)
    assert model.live_ratio(np.array([0]), np.array([50]))[0] == pytest.approx(1.0)  # its own interval: not yet seen
    assert model.live_ratio(np.array([0]), np.array([51]))[0] == pytest.approx(1.0 + 2.0 * 3 / (3 + 1))
    assert model.live_ratio(np.array([0]), np.array([56]))[0] == pytest.approx(1.0)  # out of the window
    assert model.live_ratio(np.array([1]), np.array([51]))[0] == pytest.approx(1.0)  # another segment
    assert model.live_ratio(np.array([0]), np.array([10_000]))[0] == pytest.approx(1.0)  # past the feed


def test_rain_days_slow_trips_and_the_weather_slice_sees_it(make_context):
    from cases.eta.weather import DRY, RAIN, weather_note, weather_slices

    ctx = make_context(rain_day_share=0.5, n_trips=1500)
    _, eta_data = data(ctx)
    _, feats = features(ctx, eta_data)
    ladder, fitted = models(ctx, eta_data, feats)
    by_weather = weather_slices(eta_data, fitted.trip_predictions)
    assert set(by_weather) == {RAIN, DRY}
    assert by_weather[RAIN]["n_trips"] + by_weather[DRY]["n_trips"] == ctx.config.n_trips
    # History cannot know today's rain; the live rung sees it in the last minutes of probes.
    assert by_weather[RAIN]["historical_mean"] > by_weather[DRY]["historical_mean"]
    gain = {w: by_weather[w]["historical_mean"] - by_weather[w]["live_traffic"] for w in (RAIN, DRY)}
    assert gain[RAIN] > gain[DRY]
    assert "rain days" in weather_note(by_weather, ladder.baseline, "live_traffic", ladder.best)
