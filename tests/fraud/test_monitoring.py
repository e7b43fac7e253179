"""Monitoring alerts on the injected drift and stays silent on the no-drift window."""

from __future__ import annotations

from cases.fraud.design import DESIGN


def test_drift_alerts_and_no_drift_is_silent(small_run):
    result = small_run.records["monitoring"]
    assert result.alerts, "the injected drift raised no alert"
    feature = {a.subject for a in result.alerts if a.kind == "feature"}
    assert feature & {"amount", "customer_avg_amount_1d", "customer_avg_amount_7d"}  # spending shift seen
    metric = {a.subject for a in result.alerts if a.kind == "metric"}
    k = result.extra["card_precision_k"]
    # The new pattern hurts the model, and the investigators' hit rate with it.
    assert metric == {"average_precision", f"card_precision_at_{k}"}
    assert result.metric_after < result.metric_before
    assert result.thresholds == {
        "psi": DESIGN.monitoring.psi_alert,
        "ks": DESIGN.monitoring.ks_alert,
        "metric_change": DESIGN.monitoring.metric_degradation_alert,
    }
    for alert in result.alerts:
        limit = result.thresholds[alert.statistic if alert.kind == "feature" else "metric_change"]
        assert alert.value > alert.threshold == limit
    assert result.extra["no_drift_alerts"] == []
    assert result.extra["no_drift_max_psi"] < result.thresholds["psi"]
    assert result.extra["burst_frauds_in_drift_window"] > 0
