"""Monitoring alerts on the injected drift and stays silent on the no-drift window."""

from __future__ import annotations

from cases.fraud import steps


def test_drift_alerts_and_no_drift_is_silent(small_ctx):
    result = steps.monitoring_step(small_ctx)
    assert result.alerts, "the injected drift raised no alert"
    assert any(a.startswith(("amount", "customer_avg_amount")) for a in result.alerts)  # spending shift seen
    assert any("average precision" in a for a in result.alerts)  # the new pattern hurts the model
    assert any("card precision@" in a for a in result.alerts)  # ...and the investigators' hit rate
    assert result.metric_after < result.metric_before
    assert result.extra["no_drift_alerts"] == []
    assert result.extra["no_drift_max_psi"] < result.thresholds["psi"]
    assert result.extra["burst_frauds_in_drift_window"] > 0
