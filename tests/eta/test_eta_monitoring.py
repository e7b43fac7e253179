"""ETA step 9: injected drift raises alerts, a calm period raises none."""

from __future__ import annotations

import numpy as np

from cases.eta.monitoring import Thresholds, check_period, perturb_records


def test_drift_scenario_alerts_and_calm_period_does_not(small_run):
    _, results = small_run
    monitoring = results["monitoring"]
    assert monitoring.alerts
    assert any("MAE" in a for a in monitoring.alerts)
    assert any("avg_speed_kmh" in a for a in monitoring.alerts)
    assert monitoring.metric_after > 1.1 * monitoring.metric_before
    assert set(monitoring.feature_drift) == {"avg_speed_kmh", "travel_time_s", "car_count"}
    calm = monitoring.extra["no_drift_check"]
    assert calm["alerts"] == [] and calm["false_alarm"] is False
    assert abs(calm["mae_change"]) < 0.05
    assert calm["max_psi"] < 0.02 and calm["max_ks"] < 0.02
    assert monitoring.thresholds == {"psi": 0.2, "ks": 0.1, "mae_increase": 0.1}


def test_identical_period_raises_nothing_and_perturbation_is_detected(small_run):
    ctx, _ = small_run
    test, model = ctx.state["test"], ctx.state["models"][ctx.state["best"]]
    quiet = check_period(model, test, test, Thresholds())
    assert quiet.alerts == [] and quiet.mae_change == 0.0
    segments = np.unique(test["segment_id"])[::2]
    slowed = perturb_records(test, segments, 2.0, np.ones(5040), np.random.default_rng(0))
    hit = np.isin(slowed["segment_id"], segments)
    assert hit.any() and (~hit).any()
    loud = check_period(model, test, slowed, Thresholds())
    assert any("MAE" in a for a in loud.alerts)
