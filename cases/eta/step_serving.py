"""Steps 7-8 of the ETA case: behavioural checks, slices and the A/B plan, then the measured serving path."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from cases.eta import plots
from cases.eta.artifacts import EtaData, EtaModels
from cases.eta.behaviour import behavioural_checks
from cases.eta.calibration import out_of_fold_eta
from cases.eta.config import EtaConfig
from cases.eta.design import DESIGN
from cases.eta.evaluation import (
    band_bias_uncertainty,
    hour_band_bias,
    segment_slices_by_class,
    trip_slices_by_hours,
)
from cases.eta.intervals import RatioIntervals, coverage_slices
from cases.eta.lateness import lateness_slices
from cases.eta.live import LIVE_RUNG, LiveTrafficModel, live_slices
from cases.eta.models import HistoricalMeanModel
from cases.eta.reprediction import halfway_reprediction
from cases.eta.residual import residual_slices, trip_features
from cases.eta.routing import city_routes
from cases.eta.serving import measure_serving
from cases.eta.traffic import INTERVAL_S
from cases.eta.trips import observed_trips, synthetic_trips, user_trips
from cases.eta.weather import weather_slices
from framework.abtest import (
    ALPHA,
    POWER,
    design_effect,
    difference_test,
    ratio_ci,
    two_mean_sample_size,
    whole_weeks,
)
from framework.case import RunContext
from framework.results import AbPlan, BehaviouralCheck, LadderResult, Measured, ServingResult, TestingResult

# The A/B plan's design constants, chosen before any test (never from the offline lift):
# the smallest relative drop of the control's arrival-error MAE worth shipping for,
MIN_DETECTABLE_EFFECT = 0.05
# completed navigations per user in a week (a commuter's weekday trips, there and back),
TRIPS_PER_USER = 10
# and the correlation of two trips' absolute errors of one user (same route, same habits), as
# past experiments measured it: the simulation measures it again and says if the plan was too small.
ASSUMED_ICC = 0.2
# Share of daily active users the experiment may enrol (both arms together).
EXPERIMENT_TRAFFIC_SHARE = 0.01
# The behavioural guardrail's sizing (assumed, as past navigation logs would give it): the share of
# navigations that leave the suggested route today, and the smallest absolute change of it worth catching.
REROUTE_BASE_RATE = 0.10
REROUTE_MDE = 0.01


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
    by_hour = trip_slices_by_hours(trips, models.trip_predictions)
    bias = hour_band_bias(trips, models.trip_predictions[ladder.best])
    worst = max(bias, key=lambda band: abs(bias[band]))
    n_worst, se_worst = band_bias_uncertainty(trips, models.trip_predictions[ladder.best], worst)
    by_class = segment_slices_by_class(test, network.segments, models.segment_predictions)
    plots.trip_error_by_hour(
        by_hour,
        ladder.oracle,
        ctx.add_plot(7, "eta_trip_error_by_hour.png", "Trip MAE by departure hour (sparse hours merged), every model"),
    )
    plots.segment_error_by_class(
        by_class, ctx.add_plot(7, "eta_segment_error_by_class.png", "Segment MAE by road class, every model")
    )
    plan, ab_summary = _ab_test(ctx, data, models, ladder)
    coverage, late_vs_early, residual = _interval_coverage(ctx, data, models, ladder)
    ab_summary["release_gate"] = release_gate(checks, by_hour, ladder.best, ladder.naive)
    return TestingResult(
        behavioural=checks,
        slices={
            "trip_mae_s_by_departure_hours": by_hour,
            "segment_mae_s_by_road_class": by_class,
            "eta_p10_p90_coverage": coverage,
            "late_vs_early_cost": late_vs_early,
            "residual_over_routing_engine": residual,
            "halfway_reprediction": halfway_reprediction(
                models.fitted[ladder.best], trips, models.trip_predictions[ladder.best]
            ),
            "live_traffic_by_route_congestion": _live_slices(data, models, ladder),
            "trip_mae_s_by_weather": weather_slices(data, models.trip_predictions),
        },
        ab_test=ab_summary,
        ab_plan=plan,
        guardrails=Measured(
            values={"hour_band_max_abs_bias_s": abs(bias[worst])},
            details={
                "hour_band_max_abs_bias_s": f"largest |mean(actual - ETA)| of {ladder.best} over "
                f"{len(bias)} departure-hour bands of the test trips: {bias[worst]:+.1f} s in band {worst}"
                + _bias_precision(n_worst, se_worst, bias[worst])
            },
        ),
    )


def _bias_precision(n: int, se: float, bias: float) -> str:
    """How precisely the worst band's bias is measured: its trips, standard error and what that means."""
    text = f" ({n:,} trips; standard error {se:.1f} s"
    if abs(bias) < 2 * se:
        return text + ": within two standard errors of zero, a reading too noisy to call a bias on its own)"
    return text + ": more than two standard errors from zero)"


def release_gate(checks: list[BehaviouralCheck], by_hour: dict[str, dict[str, float]], best: str, naive: str) -> str:
    """What the failed behavioural tests do to the release: a directional failure blocks, a minimum one needs a waiver.

    A waiver names the test, the damage (the hour bands where the deployed model loses to the naive
    free-flow rung, with their trip counts) and the fix. It is written from this run's checks.
    """
    failed = [c for c in checks if not c.passed]
    if not failed:
        return "every behavioural test passes: nothing blocks the release and nothing needs a waiver."
    blocking = [c.name for c in failed if c.kind != "minimum_functionality"]
    if blocking:
        return f"blocked: the directional or invariance test(s) {', '.join(blocking)} failed, and no waiver applies."
    losing = [
        f"{band} h {row[best]:.2f} s vs {naive} {row[naive]:.2f} s ({row['n_trips']:.0f} trips)"
        for band, row in by_hour.items()
        if row[best] > row[naive]
    ]
    damage = "; ".join(losing) if losing else f"no hour band where {best} loses to {naive}"
    names = ", ".join(f"{c.name} ({c.detail})" for c in failed)
    return (
        f"waived: {names}. Damage: {damage}. Fix: shrink sparse night keys toward free flow. A ticket with an "
        "owner, and a re-test that must pass before the ramp passes 10% of users."
    )


def _live_slices(data: EtaData, models: EtaModels, ladder: LadderResult) -> dict[str, dict[str, float]]:
    """History, the live rung and the deployed model on trips with and without live congestion at departure."""
    live = models.fitted[LIVE_RUNG]
    if not isinstance(live, LiveTrafficModel):
        raise TypeError(f"{LIVE_RUNG} is not a LiveTrafficModel")
    names = dict.fromkeys((ladder.baseline, LIVE_RUNG, ladder.best))
    table = data.trips.table
    return live_slices(
        live,
        data.trips.paths,
        table["departure_s"].to_numpy(),
        table["duration_s"].to_numpy(),
        {n: models.trip_predictions[n] for n in names},
    )


def _interval_coverage(
    ctx: RunContext[EtaConfig], data: EtaData, models: EtaModels, ladder: LadderResult
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """p10/p90 ETAs of the deployed model, its ETA shifted for lateness, and boosters on the engine's residual.

    All are fitted on the same training-window trips and scored on the test trips. The routing engine's
    ETA is what runs today (the baseline's lookups summed along the route). On real data the trips walk
    training records, so they are scored out of fold (a lookup fitted without the trip's week or day);
    the deployed model's ratios are that lookup's (live traffic has no feed on training trips and
    serves the lookup; a booster is approximated by it), unless free flow is deployed.
    """
    cfg, network, model = ctx.config, data.network, models.fitted[ladder.best]
    rng = ctx.rng("interval_calibration")
    if data.synthetic:
        world, noise = data.world(), (cfg.driver_noise, cfg.car_speed_noise)
        # Generated history starts at interval 0: the training window is [0, cut).
        calibration = synthetic_trips(network, world, 0, data.cut, cfg.n_trips, cfg.min_route_segments, *noise, rng)
    else:
        window_mean = HistoricalMeanModel().fit(data.train, network.segments)
        calibration = observed_trips(
            network, data.train, window_mean.predict_segment_time, cfg.n_trips, cfg.min_route_segments, rng
        )
    cal = calibration.table
    engine, naive = models.fitted[ladder.baseline], models.fitted[ladder.naive]
    departures = cal["departure_s"].to_numpy()
    if data.synthetic:
        cal_engine = engine.trip_eta(calibration.paths, departures)
        cal_eta = model.trip_eta(calibration.paths, departures)
    else:  # real trips walk the training records: score them out of fold (see cases.eta.calibration)
        period, bucket = data.history_period, cfg.gbm_bucket_intervals
        cal_engine = out_of_fold_eta(data.train, network.segments, calibration.paths, departures, period, bucket)
        cal_eta = naive.trip_eta(calibration.paths, departures) if ladder.best == ladder.naive else cal_engine
    cal_trips = (cal["duration_s"].to_numpy(), cal_eta, cal["n_segments"].to_numpy())
    intervals = RatioIntervals().fit(*cal_trips)
    test = data.trips.table
    test_trips = (test["duration_s"].to_numpy(), models.trip_predictions[ladder.best], test["n_segments"].to_numpy())
    coverage = coverage_slices(intervals, *test_trips, test["departure_hour"].to_numpy())
    late_vs_early = lateness_slices(intervals, cal_trips, test_trips, cfg.late_cost_ratio, cfg.late_threshold_s)
    cal_x = trip_features(
        cal_engine,
        naive.trip_eta(calibration.paths, cal["departure_s"].to_numpy()),
        cal["n_segments"].to_numpy(),
        cal["departure_s"].to_numpy(),
    )
    test_engine = models.trip_predictions[ladder.baseline]
    test_x = trip_features(
        test_engine,
        models.trip_predictions[ladder.naive],
        test["n_segments"].to_numpy(),
        test["departure_s"].to_numpy(),
    )
    residual = residual_slices(
        (cal["duration_s"].to_numpy(), cal_x, cal_engine),
        (test["duration_s"].to_numpy(), test_x, test_engine),
        cfg.late_cost_ratio,
        cfg.late_threshold_s,
        ctx.seed,
    )
    return coverage, late_vs_early, residual


def _ab_test(
    ctx: RunContext[EtaConfig], data: EtaData, models: EtaModels, ladder: LadderResult
) -> tuple[AbPlan, dict[str, Any]]:
    """The A/B plan randomised by user, and (generated data) the test simulated at its sized sample.

    The control is what runs in production today, the historical-mean lookup (the
    baseline); the treatment is the deployed model. Sizing uses the spread of per-trip absolute
    errors on the test trips and an effect chosen beforehand, then inflates it by the design
    effect of ``TRIPS_PER_USER`` correlated trips per user.
    """
    truth = data.trips.table["duration_s"].to_numpy()
    base_err = np.abs(truth - models.trip_predictions[ladder.baseline])
    best_err = np.abs(truth - models.trip_predictions[ladder.best])
    sigma = float(np.std(np.concatenate([base_err, best_err])))
    control_mae = float(base_err.mean())
    # A baseline with no error on these trips (tiny real data) leaves no effect to size for: 1 trip.
    trips_needed = two_mean_sample_size(sigma, MIN_DETECTABLE_EFFECT * control_mae, ALPHA, POWER) or 1
    deff = design_effect(TRIPS_PER_USER, ASSUMED_ICC)
    per_arm = math.ceil(trips_needed * deff / TRIPS_PER_USER)
    reroute_sd = math.sqrt(REROUTE_BASE_RATE * (1.0 - REROUTE_BASE_RATE))
    reroute_trips = two_mean_sample_size(reroute_sd, REROUTE_MDE, ALPHA, POWER) or 1
    reroute_per_arm = math.ceil(reroute_trips * deff / TRIPS_PER_USER)
    constraints = DESIGN.problem.constraints
    enrolled_per_day = constraints.daily_active_users * EXPERIMENT_TRAFFIC_SHARE
    # The test enrols the larger of the two sizes (the primary metric's, the reroute guardrail's).
    test_per_arm = max(per_arm, reroute_per_arm)
    # Users are enrolled as they show up; every arm then needs one whole week of their trips.
    days = whole_weeks(2 * test_per_arm, enrolled_per_day)
    summary: dict[str, Any] = {
        "unit": "user (all of a user's trips stay in one arm)",
        "metric": "absolute arrival error (s) per completed trip, lower is better",
        "control": f"{ladder.baseline} (what runs in production today)",
        "treatment": ladder.best,
        "error_std_s": sigma,
        "control_trip_mae_s": control_mae,
        "min_detectable_effect": MIN_DETECTABLE_EFFECT,
        "trips_per_arm_if_independent": trips_needed,
        "trips_per_user": TRIPS_PER_USER,
        "assumed_icc": ASSUMED_ICC,
        "design_effect": deff,
        "users_per_arm": per_arm,
        "enrolled_users": 2 * test_per_arm,
        "share_of_daily_users": 2 * test_per_arm / constraints.daily_active_users,
        "days": days,
        "reroute_base_rate": REROUTE_BASE_RATE,
        "reroute_mde": REROUTE_MDE,
        "reroute_trips_per_arm_if_independent": reroute_trips,
        "reroute_users_per_arm": reroute_per_arm,
        "test_users_per_arm": test_per_arm,
        "why_days": "one full weekly cycle: enrolment takes less than a day, but each user contributes a week of "
        "navigations and weekday and weekend traffic differ",
    }
    simulated = None
    if data.synthetic:
        sim = _simulate(ctx, data, models, ladder, per_arm)
        simulated = per_arm
        summary.update(sim)
        summary["icc_check"] = _icc_check(sim["measured_icc"], trips_needed)
        summary["simulation"] = (
            f"The simulation draws {2 * per_arm:,} generated users, each driving one route {TRIPS_PER_USER} times "
            "in the test window, and scores both models on them offline: it checks that the sized sample and the "
            "per-user analysis detect the offline gap, not how drivers react to new ETAs (reroutes, trust), which "
            "only the live test measures."
        )
    else:
        summary["icc_check"] = (
            f"this data has no users to check it on; the live test measures it and the plan is resized if it "
            f"comes out above {ASSUMED_ICC:g}"
        )
        summary["simulation"] = (
            "There is no simulation: real data has no generator to draw users' trips from, so the live test is the "
            "only evidence."
        )
    plan = AbPlan(
        metric="trip absolute arrival error (s)",
        control=ladder.baseline,
        treatment=ladder.best,
        unit="user",
        minimum_detectable_effect=MIN_DETECTABLE_EFFECT,
        relative=True,
        alpha=ALPHA,
        power=POWER,
        design_effect=deff,
        per_arm=per_arm,
        days=days,
        simulated_per_arm=simulated,
        test_per_arm=test_per_arm,
        test_size_set_by="the reroute-rate guardrail" if reroute_per_arm > per_arm else "",
    )
    return plan, summary


def _simulate(
    ctx: RunContext[EtaConfig], data: EtaData, models: EtaModels, ladder: LadderResult, per_arm: int
) -> dict[str, Any]:
    """Simulate the sized test: ``per_arm`` users per arm, each with ``TRIPS_PER_USER`` trips in the test window.

    Arms are analysed per user (clustered, delta method), so repeated trips of one user do
    not count as independent evidence; the within-user correlation is measured too.
    """
    cfg = ctx.config
    trips = user_trips(
        data.network,
        data.world(),
        data.cut,
        data.end,
        2 * per_arm,
        TRIPS_PER_USER,
        cfg.min_route_segments,
        cfg.driver_noise,
        cfg.car_speed_noise,
        ctx.rng("ab_users"),
    )
    user = trips.table["user_id"].to_numpy()
    treated_user = ctx.rng("ab_assignment").permutation(2 * per_arm) < per_arm
    treated = treated_user[user]
    departure = trips.table["departure_s"].to_numpy()
    error = np.empty(len(user))
    for arm, name in ((False, ladder.baseline), (True, ladder.best)):
        rows = treated == arm
        eta = models.fitted[name].trip_eta(trips.paths[rows], departure[rows])
        error[rows] = np.abs(trips.table["duration_s"].to_numpy()[rows] - eta)
    per_user_error = np.bincount(user, weights=error, minlength=2 * per_arm)
    per_user_trips = np.bincount(user, minlength=2 * per_arm)
    control = ratio_ci(per_user_error[~treated_user], per_user_trips[~treated_user])
    treatment = ratio_ci(per_user_error[treated_user], per_user_trips[treated_user])
    test = difference_test(control[0], control[1], treatment[0], treatment[1])
    return {
        "simulated_users_per_arm": per_arm,
        "simulated_trips_per_arm": per_arm * TRIPS_PER_USER,
        "mae_control_s": control[0],
        "mae_treatment_s": treatment[0],
        "relative_change": test["difference"] / control[0],
        "difference_ci_low_s": test["ci_low"],
        "difference_ci_high_s": test["ci_high"],
        "p_value": test["p_value"],
        "measured_icc": _icc(error, user, treated_user),
    }


def _icc_check(measured: float, trips_needed: int) -> str:
    """The assumed intra-user correlation against the one the simulation measured, in words."""
    deff = design_effect(TRIPS_PER_USER, max(measured, 0.0))
    users = math.ceil(trips_needed * deff / TRIPS_PER_USER)
    if measured <= ASSUMED_ICC:
        return (
            f"the simulation measures {measured:.3f}, below it, so the plan is conservative (design effect "
            f"{deff:.2f}: {users:,} users per arm would do) and we keep the size fixed in advance"
        )
    return (
        f"the simulation measures {measured:.3f}, above it, so the plan is too small (design effect {deff:.2f}: "
        f"{users:,} users per arm needed): resize it before the live test"
    )


def _icc(error: np.ndarray, user: np.ndarray, treated_user: np.ndarray) -> float:
    """One-way ANOVA intra-class correlation of trip errors within users, arms centred separately."""
    arm_mean = np.array([error[~treated_user[user]].mean(), error[treated_user[user]].mean()])
    centred = error - arm_mean[treated_user[user].astype(int)]
    counts = np.bincount(user)
    means = np.bincount(user, weights=centred) / counts
    k, n = len(counts), len(user)
    m = n / k
    between = float(np.sum(counts * means**2)) / (k - 1)
    within = float(np.sum((centred - means[user]) ** 2)) / (n - k)
    return (between - within) / (between + (m - 1) * within)


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
            network.route,
            network.routes(origins, dests),
            origins,
            dests,
            departures,
            Path(tmp) / "eta.sqlite",
            network.segments.sort_values("segment_id")["free_flow_s"].to_numpy(),
        )
    result.extra["model"] = ladder.best
    # City-scale route queries (xl): route on the departure interval's weights, then sum along the path.
    result.extra.update(
        city_routes(
            network.graph,
            models.fitted[ladder.best].predict_segment_time,
            n,
            float(data.cut * INTERVAL_S),
            float(data.end * INTERVAL_S),
            ctx.rng("city_routes"),
        )
    )
    result.extra["report_lines"] = [result.extra["city_routes"]]
    return result
