"""Steps 7-8 of the ETA case: behavioural checks, slices and the A/B plan, then the measured serving path."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from cases.eta import plots
from cases.eta.artifacts import EtaData, EtaModels
from cases.eta.behaviour import behavioural_checks
from cases.eta.config import EtaConfig
from cases.eta.evaluation import slice_table
from cases.eta.serving import measure_serving
from framework.abtest import ALPHA, POWER, two_mean_sample_size
from framework.case import RunContext
from framework.results import LadderResult, ServingResult, TestingResult

# The online test must detect a 5% relative drop of the baseline's trip MAE.
MIN_DETECTABLE_EFFECT = 0.05


def testing(ctx: RunContext[EtaConfig], data: EtaData, models: EtaModels, ladder: LadderResult) -> TestingResult:
    """Step 7: behavioural checks of the deployed model, slice metrics, A/B plan and simulation, plots."""
    network, test, trips = data.network, data.test, data.trips
    checks = behavioural_checks(
        models.fitted[ladder.best],
        trips.paths,
        trips.table["departure_s"].to_numpy(),
        network.segments["free_flow_s"].to_numpy(),
        ctx.rng("behaviour"),
    )
    by_hour = slice_table(
        trips.table["duration_s"].to_numpy(),
        models.trip_predictions,
        trips.table["departure_hour"].to_numpy(),
        "trips",
    )
    road_class = network.segments["road_class"].to_numpy()[test["segment_id"].to_numpy()]
    by_class = slice_table(test["travel_time_s"].to_numpy(), models.segment_predictions, road_class, "records")
    plots.trip_error_by_hour(
        by_hour,
        ladder.oracle,
        ctx.add_plot(7, "eta_trip_error_by_hour.png", "Trip MAE by departure hour, every model"),
    )
    plots.segment_error_by_class(
        by_class, ctx.add_plot(7, "eta_segment_error_by_class.png", "Segment MAE by road class, every model")
    )
    return TestingResult(
        behavioural=checks,
        slices={"trip_mae_s_by_departure_hour": by_hour, "segment_mae_s_by_road_class": by_class},
        ab_test=_ab_test(ctx, data, models, ladder),
    )


def _ab_test(ctx: RunContext[EtaConfig], data: EtaData, models: EtaModels, ladder: LadderResult) -> dict[str, Any]:
    """Sample size to detect a relative drop of trip MAE, and one simulated A/B on the test trips.

    The baseline is the control and the deployed model the treatment.
    """
    truth = data.trips.table["duration_s"].to_numpy()
    base_err = np.abs(truth - models.trip_predictions[ladder.baseline])
    best_err = np.abs(truth - models.trip_predictions[ladder.best])
    sigma = float(np.std(np.concatenate([base_err, best_err])))
    # A baseline with no error on these trips (tiny real data) leaves no effect to size a test for: None.
    per_arm = two_mean_sample_size(sigma, MIN_DETECTABLE_EFFECT * float(base_err.mean()), ALPHA, POWER)
    arm_b = ctx.rng("ab_assignment").random(len(truth)) < 0.5
    welch = stats.ttest_ind(base_err[~arm_b], best_err[arm_b], equal_var=False)
    return {
        "unit": "trip (randomised by user in production)",
        "metric": "absolute arrival error (s), lower is better",
        "control": ladder.baseline,
        "treatment": ladder.best,
        "alpha": ALPHA,
        "power": POWER,
        "min_detectable_effect": MIN_DETECTABLE_EFFECT,
        "error_std_s": sigma,
        "trips_per_arm": per_arm,
        "simulation": {
            "trips_control": int((~arm_b).sum()),
            "trips_treatment": int(arm_b.sum()),
            "mae_control_s": float(base_err[~arm_b].mean()),
            "mae_treatment_s": float(best_err[arm_b].mean()),
            "p_value": float(welch.pvalue),
        },
    }


def deployment(ctx: RunContext[EtaConfig], data: EtaData, models: EtaModels, ladder: LadderResult) -> ServingResult:
    """Step 8: publish the deployed model to SQLite, time ETA requests, check served == offline ETAs."""
    network = data.network
    rng = ctx.rng("serving_queries")
    n = ctx.config.serving_queries
    origins = rng.integers(0, network.n_nodes, 4 * n)
    dests = rng.integers(0, network.n_nodes, 4 * n)
    ok = network.reachable(origins, dests)
    origins, dests = origins[ok][:n], dests[ok][:n]
    departures = rng.integers(data.cut, data.end, len(origins))
    with tempfile.TemporaryDirectory(prefix="eta-kv-") as tmp:
        result = measure_serving(
            models.fitted[ladder.best],
            network.graph,
            network.routes(origins, dests),
            origins,
            dests,
            departures,
            Path(tmp) / "eta.sqlite",
        )
    result.extra["model"] = ladder.best
    return result
