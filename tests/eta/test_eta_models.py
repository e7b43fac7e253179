"""ETA steps 6-7: the model ladder, its interface, determinism and the behavioural checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from cases.eta import case
from cases.eta.artifacts import EtaData, EtaModels
from cases.eta.evaluation import METRIC_NAMES
from cases.eta.models import FreeFlowModel, GradientBoostingModel, HistoricalMeanModel, OracleModel
from cases.eta.traffic import INTERVAL_S
from framework.pipeline import run_steps

LADDER = ("free_flow", "historical_mean", "live_traffic", "gradient_boosting", "oracle")


def test_ladder_has_every_model_with_every_metric(small_run):
    _, outputs = small_run
    ladder = outputs.records["models"]
    assert tuple(ladder.models) == LADDER
    assert list(outputs.get(EtaModels).fitted) == list(LADDER)
    for name, metrics in ladder.models.items():
        assert tuple(metrics) == METRIC_NAMES, name
        assert all(np.isfinite(v) and v >= 0 for v in metrics.values()), name
    assert (ladder.naive, ladder.baseline, ladder.oracle) == ("free_flow", "historical_mean", "oracle")
    assert ladder.decision_metric == "trip_mae_s"


def test_deployed_model_is_the_simplest_the_bootstrap_cannot_tell_from_the_top(small_run):
    _, outputs = small_run
    ladder = outputs.records["models"]
    candidates = [n for n in LADDER if n != ladder.oracle]
    top = min(candidates, key=lambda n: ladder.models[n]["trip_mae_s"])
    assert ladder.best in candidates[: candidates.index(top) + 1]
    assert {c.model for c in ladder.comparisons} == set(candidates) - {ladder.best}
    for c in ladder.comparisons:
        assert c.versus == ladder.best and c.low <= c.difference <= c.high
        assert c.difference == pytest.approx(
            ladder.models[c.model]["trip_mae_s"] - ladder.models[ladder.best]["trip_mae_s"]
        )
    # On the small scale the booster's gain over the baseline is clear, not a tie.
    assert ladder.best == "gradient_boosting"
    assert not any(c.tie for c in ladder.comparisons)


def test_decision_units_are_the_per_trip_errors_behind_trip_mae(small_run):
    _, outputs = small_run
    ladder, models, data = outputs.records["models"], outputs.get(EtaModels), outputs.get(EtaData)
    truth = data.trips.table["duration_s"].to_numpy()
    for name, pred in models.trip_predictions.items():
        assert len(pred) == len(truth)
        assert np.mean(np.abs(truth - pred)) == ladder.models[name]["trip_mae_s"], name


def test_ladder_order_holds_on_the_small_scale(small_run):
    _, outputs = small_run
    m = outputs.records["models"].models
    # Only what holds robustly on a small network: the oracle is best per segment, history
    # beats ignoring the clock, and the booster beats the baseline's noisy per-key means.
    assert m["oracle"]["segment_mae_s"] <= min(v["segment_mae_s"] for v in m.values())
    assert m["historical_mean"]["trip_mae_s"] < 0.8 * m["free_flow"]["trip_mae_s"]
    assert m["gradient_boosting"]["segment_mae_s"] < m["historical_mean"]["segment_mae_s"]
    assert m["gradient_boosting"]["trip_mae_s"] < 1.15 * m["oracle"]["trip_mae_s"]


def test_fit_returns_self_and_sets_only_underscore_attributes(small_run):
    ctx, outputs = small_run
    data = outputs.get(EtaData)
    train, segments = data.train, data.network.segments
    models = [
        FreeFlowModel(),
        HistoricalMeanModel(),
        GradientBoostingModel(max_iter=5, train_rows=2000, bucket=ctx.config.gbm_bucket_intervals),
        OracleModel(data.world(), 0.3, 0.08, 16, np.random.default_rng(0)),
    ]
    for model in models:
        before = set(vars(model))
        with pytest.raises(RuntimeError, match="not fitted"):
            model.predict_segment_time(np.array([0]), np.array([0]))
        assert model.fit(train, segments) is model
        added = set(vars(model)) - before
        assert added and all(a.endswith("_") for a in added), (type(model).__name__, added)


def test_predictions_are_positive_finite_and_trip_eta_walks_the_clock(small_run):
    _, outputs = small_run
    trips, fitted = outputs.get(EtaData).trips, outputs.get(EtaModels).fitted
    for name, model in fitted.items():
        assert np.all(np.isfinite(model.table_)) and np.all(model.table_ > 0), name
        eta = model.trip_eta(trips.paths, trips.table["departure_s"].to_numpy())
        assert np.all(np.isfinite(eta)) and np.all(eta > 0), name
    # A two-segment trip: the second segment is looked up at the interval the car reaches it.
    model = fitted["gradient_boosting"]
    path = trips.paths[:1, :2]
    depart = np.array([1000.5 * INTERVAL_S])
    first = model.predict_segment_time(path[:, 0], np.array([1000]))
    second = model.predict_segment_time(path[:, 1], np.floor((depart + first) / INTERVAL_S).astype(int))
    assert model.trip_eta(path, depart) == pytest.approx(first + second)


def test_behavioural_checks_pass_on_the_trained_model(small_run):
    _, outputs = small_run
    checks = outputs.records["testing"].behavioural
    assert {c.kind for c in checks} == {"directional", "invariance", "minimum_functionality"}
    failed = [f"{c.name}: {c.detail}" for c in checks if not c.passed]
    assert not failed


def test_behavioural_checks_catch_a_broken_model(small_run):
    from cases.eta.behaviour import behavioural_checks

    data = small_run[1].get(EtaData)
    trips, segments = data.trips, data.network.segments
    broken = FreeFlowModel().fit(data.train, segments)
    broken.table_ = broken.table_ * 2.0  # twice free flow at 3 am, no rush hour at all
    broken.table_[0, :] = -1.0
    checks = behavioural_checks(
        broken,
        trips.paths,
        trips.table["departure_s"].to_numpy(),
        segments["free_flow_s"].to_numpy(),
        np.random.default_rng(0),
    )
    failed = {c.name for c in checks if not c.passed}
    assert {"rush_hour_slower_than_night", "night_segment_near_free_flow", "eta_positive_and_finite"} <= failed


def test_slices_and_ab_plan(small_run):
    ctx, outputs = small_run
    testing, ladder = outputs.records["testing"], outputs.records["models"]
    by_hour = testing.slices["trip_mae_s_by_departure_hours"]
    assert sum(v["n_trips"] for v in by_hour.values()) == len(outputs.get(EtaData).trips)
    assert set(testing.slices["segment_mae_s_by_road_class"]) <= {"highway", "arterial", "local"}
    ab = testing.ab_test
    assert ab["control"].startswith(ladder.baseline) and ab["treatment"] == ladder.best
    # n = 2 (z_0.975 + z_0.8)^2 sigma^2 / delta^2 trips with delta 5% of the baseline's trip MAE.
    delta = 0.05 * ladder.models[ladder.baseline]["trip_mae_s"]
    z = norm.ppf(0.975) + norm.ppf(0.8)
    assert ab["trips_per_arm_if_independent"] == math.ceil(2 * (z * ab["error_std_s"] / delta) ** 2) > 0
    assert 0.0 <= ab["p_value"] <= 1.0
    files = [p.file for p in ctx.plots]
    assert files[:2] == ["plots/eta_trip_error_by_hour.png", "plots/eta_segment_error_by_class.png"]
    assert all((ctx.out_dir / p.file).stat().st_size > 1000 for p in ctx.plots)


def test_same_seed_same_metrics(make_context, small_run):
    _, outputs = small_run
    again = run_steps(case, make_context(seed=0), until="models")
    assert set(again.records) == {"data", "features", "models"}
    assert again.records["models"] == outputs.records["models"]
