"""ETA expert item: lateness costs more than earliness, the shifted ETA measured on the test trips."""

from __future__ import annotations

import numpy as np
import pytest

from cases.eta.intervals import RatioIntervals
from cases.eta.lateness import asymmetric_cost, cost_quantile, lateness_slices


def test_cost_weights_late_seconds_by_the_ratio():
    cost = asymmetric_cost(np.array([110.0, 90.0, 100.0]), np.array([100.0, 100.0, 100.0]), 1.5)
    np.testing.assert_allclose(cost, [15.0, 10.0, 0.0])
    assert cost_quantile(1.5) == pytest.approx(0.6)
    assert cost_quantile(1.0) == pytest.approx(0.5)


def _trips(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    length = rng.integers(2, 20, n)
    eta = rng.uniform(100, 1000, n)
    return eta * np.exp(rng.standard_normal(n) * 0.3 / np.sqrt(length)), eta, length


@pytest.mark.parametrize("ratio", [1.5, 3.0])
def test_shifted_eta_lowers_the_cost_and_the_late_share(ratio):
    rng = np.random.default_rng(0)
    calibration, test = _trips(rng, 20_000), _trips(rng, 20_000)
    intervals = RatioIntervals().fit(*calibration)
    rows = lateness_slices(intervals, calibration, test, ratio, 30.0)
    served, shifted = rows["served ETA"], rows["cost-optimal ETA"]
    # The shifted ETA hits its quantile k / (k + 1) and trades late trips for early ones at a lower cost.
    assert shifted["met_eta_share"] == pytest.approx(cost_quantile(ratio), abs=0.02)
    assert (
        shifted["late_over_threshold_share"] < served["late_over_threshold_share"]
        and shifted["early_over_threshold_share"] > served["early_over_threshold_share"]
    )
    assert shifted["mean_cost_early_s"] < served["mean_cost_early_s"] and shifted["cost_vs_served"] < 0
    # The calibrated median is the MAE-optimal ETA: the cost-optimal one pays some MAE for the lower cost.
    assert rows["calibrated median ETA"]["mae_s"] <= shifted["mae_s"]


def test_a_larger_late_cost_shifts_the_eta_later():
    rng = np.random.default_rng(1)
    calibration, test = _trips(rng, 5_000), _trips(rng, 5_000)
    intervals = RatioIntervals().fit(*calibration)
    mild = lateness_slices(intervals, calibration, test, 1.5, 30.0)["cost-optimal ETA"]
    harsh = lateness_slices(intervals, calibration, test, 4.0, 30.0)["cost-optimal ETA"]
    assert (
        harsh["met_eta_share"] > mild["met_eta_share"]
        and harsh["late_over_threshold_share"] < mild["late_over_threshold_share"]
    )


def test_run_reports_late_vs_early_cost(small_run):
    ctx, outputs = small_run
    rows = outputs.records["testing"].slices["late_vs_early_cost"]
    assert set(rows) == {"served ETA", "calibrated median ETA", "cost-optimal ETA"}
    n_trips = ctx.config.n_trips
    assert all(row["n_trips"] == n_trips for row in rows.values())
    # Late costs more than early by default: the shifted ETA is met by more trips than the served one.
    assert ctx.config.late_cost_ratio > 1
    assert rows["cost-optimal ETA"]["met_eta_share"] > rows["served ETA"]["met_eta_share"]
