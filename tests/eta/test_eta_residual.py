"""A booster on the routing engine's residual: absolute versus quantile loss, lateness and MAE."""

from __future__ import annotations

import numpy as np
import pytest

from cases.eta.design import ABSOLUTE, ENGINE, QUANTILE
from cases.eta.residual import residual_slices, trip_features


def _trips(rng: np.random.Generator, n: int):
    free_flow = rng.uniform(200, 1200, n)
    engine = free_flow * rng.uniform(1.1, 1.6, n)
    departure = rng.uniform(0, 7 * 86400, n)
    length = rng.integers(3, 20, n)
    # The engine is biased low on long routes and its misses are right-skewed (jams make trips late).
    actual = engine * (1.0 + 0.01 * length) + rng.gamma(2.0, 30.0, n) - 40.0
    return actual, trip_features(engine, free_flow, length, departure), engine


@pytest.mark.parametrize("late_cost_ratio", [1.5, 3.0])
def test_quantile_loss_trades_mae_for_fewer_late_trips(late_cost_ratio):
    rng = np.random.default_rng(0)
    rows = residual_slices(_trips(rng, 4000), _trips(rng, 4000), late_cost_ratio, 30.0, seed=0)
    assert set(rows) == {ENGINE, ABSOLUTE, QUANTILE}
    absolute, quantile, engine = rows[ABSOLUTE], rows[QUANTILE], rows[ENGINE]
    # The residual booster learns the engine's bias: better MAE than the engine itself.
    assert absolute["mae_s"] < engine["mae_s"]
    # The asymmetric loss hits its quantile, so more trips arrive by the ETA and fewer are late ...
    q = late_cost_ratio / (late_cost_ratio + 1.0)
    assert quantile["met_eta_share"] == pytest.approx(q, abs=0.04)
    assert quantile["late_over_threshold_share"] < absolute["late_over_threshold_share"]
    # ... at a lower asymmetric cost and a higher MAE than the median booster.
    assert quantile["mean_cost_early_s"] < absolute["mean_cost_early_s"]
    assert quantile["mae_s"] >= absolute["mae_s"]


def test_run_reports_the_residual_table_and_the_live_slices(small_run):
    ctx, outputs = small_run
    slices = outputs.records["testing"].slices
    rows = slices["residual_over_routing_engine"]
    assert list(rows) == [ENGINE, ABSOLUTE, QUANTILE]
    assert all(row["n_trips"] == ctx.config.n_trips for row in rows.values())
    assert rows[QUANTILE]["met_eta_share"] > rows[ABSOLUTE]["met_eta_share"]
    assert rows[ENGINE]["mae_s"] == pytest.approx(outputs.records["models"].models["historical_mean"]["trip_mae_s"])
    live = slices["live_traffic_by_route_congestion"]
    assert sum(row["n_trips"] for row in live.values()) == ctx.config.n_trips
    assert live["live slowdown on route"]["mean_worst_live_ratio"] > live["no live slowdown"]["mean_worst_live_ratio"]
