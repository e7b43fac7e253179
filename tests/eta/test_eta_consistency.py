"""Issue 10 for ETA: the oracle is a bound, guardrails are measured, the A/B plan is sized and simulated as sized."""

from __future__ import annotations

import numpy as np
import pytest

from cases.eta.artifacts import EtaData, EtaModels
from cases.eta.config import EtaConfig
from cases.eta.models import MIN_RATIO, OracleModel
from cases.eta.step_serving import ASSUMED_ICC, MIN_DETECTABLE_EFFECT, TRIPS_PER_USER
from framework.abtest import design_effect
from framework.config import build_config
from framework.errors import BadInput


def test_oracle_beats_every_model_on_every_mae(small_run):
    _, outputs = small_run
    m = outputs.records["models"].models
    for metric in ("trip_mae_s", "segment_mae_s"):
        assert all(m["oracle"][metric] <= v[metric] for v in m.values()), metric


def test_oracle_trip_eta_is_the_median_of_the_generators_trip_times(small_run):
    ctx, outputs = small_run
    data, models = outputs.get(EtaData), outputs.get(EtaModels)
    oracle = models.fitted["oracle"]
    assert isinstance(oracle, OracleModel)
    # The median of many more plain random draws agrees with the Sobol median within a few percent.
    trips = data.trips
    many = OracleModel(
        data.world(), ctx.config.car_speed_noise, ctx.config.driver_noise, 4096, np.random.default_rng(7)
    )
    paths, dep = trips.paths[:50], trips.table["departure_s"].to_numpy()[:50]
    close = many.trip_eta(paths, dep)
    deviation = np.abs(models.trip_predictions["oracle"][:50] / close - 1.0)
    assert deviation.max() < 0.04 and deviation.mean() < 0.015, (deviation.max(), deviation.mean())
    # And it is a typical trip time: realised durations scatter around it.
    assert np.median(close / data.trips.table["duration_s"].to_numpy()[:50]) == pytest.approx(1.0, abs=0.2)


def test_oracle_draws_must_be_a_power_of_two():
    assert build_config(EtaConfig, "small", ["oracle_draws=512"]).oracle_draws == 512
    with pytest.raises(BadInput):
        build_config(EtaConfig, "small", ["oracle_draws=300"])


def test_guardrails_are_measured_in_serving(small_run):
    _, outputs = small_run
    serving = outputs.records["deployment"]
    values = serving.guardrails.values
    assert values["backend_p99_ms"] == serving.p99_ms
    # The booster floors segment times at free flow, so no served ETA is below its route's free-flow time.
    assert MIN_RATIO == 1.0
    if serving.extra["model"] == "gradient_boosting":
        assert values["below_free_flow_share"] == 0.0
    assert set(serving.guardrails.details) == set(values)


def test_deployed_booster_never_predicts_below_free_flow(small_run):
    _, outputs = small_run
    data, models = outputs.get(EtaData), outputs.get(EtaModels)
    free_flow = data.network.segments.sort_values("segment_id")["free_flow_s"].to_numpy()
    assert np.all(models.fitted["gradient_boosting"].table_ >= free_flow[:, None])


def test_ab_plan_is_by_user_with_a_design_effect_and_simulated_at_its_size(small_run):
    _, outputs = small_run
    testing = outputs.records["testing"]
    plan, summary = testing.ab_plan, testing.ab_test
    assert plan.unit == "user" and plan.control == outputs.records["models"].baseline
    assert plan.minimum_detectable_effect == MIN_DETECTABLE_EFFECT and plan.relative
    assert plan.design_effect == pytest.approx(design_effect(TRIPS_PER_USER, ASSUMED_ICC))
    assert plan.per_arm == int(np.ceil(summary["trips_per_arm_if_independent"] * plan.design_effect / TRIPS_PER_USER))
    assert plan.days >= 7 and plan.days % 7 == 0
    assert plan.simulated_per_arm is not None and plan.simulated_per_arm >= plan.per_arm
    assert summary["simulated_trips_per_arm"] == plan.simulated_per_arm * TRIPS_PER_USER
    assert summary["difference_ci_low_s"] <= summary["mae_treatment_s"] - summary["mae_control_s"]
    assert -1.0 < summary["measured_icc"] < 1.0
