"""ETA step 9: injected drift raises alerts, a calm period raises none."""

from __future__ import annotations

import numpy as np
import pytest

from cases.eta.artifacts import EtaData, EtaModels
from cases.eta.design import DESIGN
from cases.eta.monitoring import WATCHED_METRIC, check_period, perturb_records
from framework.drift import Thresholds


def test_drift_scenario_alerts_and_calm_period_does_not(small_run):
    _, outputs = small_run
    monitoring = outputs.records["monitoring"]
    assert monitoring.alerts
    metric_alerts = [a for a in monitoring.alerts if a.kind == "metric"]
    assert [a.subject for a in metric_alerts] == [WATCHED_METRIC] == [monitoring.metric]
    assert metric_alerts[0].value == pytest.approx(monitoring.extra["mae_change"])
    assert any(a.kind == "feature" and a.subject == "avg_speed_kmh" for a in monitoring.alerts)
    # Every feature alert really crosses the threshold it names, and every crossing alerts.
    limits = {"psi": 0.2, "ks": 0.1}
    crossing = {(c, s) for c, stats in monitoring.feature_drift.items() for s in limits if stats[s] > limits[s]}
    assert {(a.subject, a.statistic) for a in monitoring.alerts if a.kind == "feature"} == crossing
    assert monitoring.metric_after > 1.1 * monitoring.metric_before
    assert set(monitoring.feature_drift) == {"avg_speed_kmh", "travel_time_s", "car_count"}
    calm = monitoring.extra["no_drift_check"]
    assert calm["alerts"] == [] and calm["false_alarm"] is False
    assert abs(calm["mae_change"]) < 0.05
    assert calm["max_psi"] < 0.02 and calm["max_ks"] < 0.02
    assert monitoring.thresholds == Thresholds.from_spec(DESIGN.monitoring).as_dict()
    assert monitoring.thresholds == {"psi": 0.2, "ks": 0.1, "metric_change": 0.1}


def test_identical_period_raises_nothing_and_perturbation_is_detected(small_run):
    _, outputs = small_run
    test = outputs.get(EtaData).test
    model = outputs.get(EtaModels).fitted[outputs.records["models"].best]
    quiet = check_period(model, test, test, Thresholds())
    assert quiet.alerts == [] and quiet.mae_change == 0.0
    segments = np.unique(test["segment_id"])[::2]
    slowed = perturb_records(test, segments, 2.0, np.ones(5040), np.random.default_rng(0))
    hit = np.isin(slowed["segment_id"], segments)
    assert hit.any() and (~hit).any()
    loud = check_period(model, test, slowed, Thresholds())
    assert any(a.kind == "metric" and a.subject == WATCHED_METRIC for a in loud.alerts)
    assert "segment_mae_s worse by" in next(a.message for a in loud.alerts if a.kind == "metric")
