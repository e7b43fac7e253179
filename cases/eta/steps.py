"""The six executable lifecycle steps of the ETA case (design steps 4-9)."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from cases.eta import plots
from cases.eta.behaviour import behavioural_checks
from cases.eta.config import EtaConfig
from cases.eta.data import add_derived, clean_records, generate_probes, inject_invalid, load_records, split_by_time
from cases.eta.design import DESIGN
from cases.eta.evaluation import PRIMARY_METRIC, evaluate, slice_table
from cases.eta.features import FEATURES, HistoryFeatures, record_table
from cases.eta.guards import (
    check_history,
    check_synthetic_split,
    check_synthetic_windows,
    check_trips,
    cleaning_warnings,
    real_split,
)
from cases.eta.models import (
    FreeFlowModel,
    GradientBoostingModel,
    HistoricalMeanModel,
    OracleModel,
    SegmentTimeModel,
)
from cases.eta.monitoring import Thresholds, check_period, perturb_records
from cases.eta.network import ROAD_CLASSES, RoadNetwork, build_network, grid_network
from cases.eta.serving import measure_serving
from cases.eta.traffic import (
    CLASS_CONGESTION,
    INTERVALS_PER_WEEK,
    build_traffic,
    congestion_profile,
    draw_incidents,
)
from cases.eta.trips import Trips, observed_trips, synthetic_trips
from framework.case import CaseSteps, RunContext
from framework.results import DataResult, LadderResult, MonitoringResult, ServingResult, TestingResult
from framework.tabular import shown_path


def _config(ctx: RunContext) -> EtaConfig:
    assert isinstance(ctx.config, EtaConfig), f"expected EtaConfig, got {type(ctx.config).__name__}"
    return ctx.config


# --------------------------------------------------------------------------- step 4


def data(ctx: RunContext) -> DataResult:
    """Step 4: generate (or load) probe records, clean them, split 80/20 by time, draw test trips."""
    if ctx.data_path is not None:
        return _real_data(ctx)
    cfg = _config(ctx)
    check_synthetic_windows(cfg.weeks, cfg.train_fraction)
    network = grid_network(
        cfg.grid_rows, cfg.grid_cols, cfg.block_km, cfg.highway_every, cfg.arterial_every, ctx.rng("network")
    )
    end = cfg.weeks * INTERVALS_PER_WEEK
    cut = int(cfg.train_fraction * end)
    incidents = draw_incidents(network.n_segments, 0, end, cfg.incident_rate_per_segment_week, ctx.rng("incidents"))
    traffic = build_traffic(network.segments, cfg.probe_rate, ctx.rng("traffic")).with_incidents(incidents)
    records = generate_probes(traffic, 0, end, cfg.car_speed_noise, ctx.rng("probes"))
    raw, injected = inject_invalid(records, cfg.invalid_fraction, ctx.rng("invalid"))
    clean, dropped = clean_records(raw, network.n_segments)
    train, test = split_by_time(add_derived(clean, network.segments), cut)
    check_synthetic_split(train, test)
    trips = synthetic_trips(
        network,
        traffic,
        cut,
        end,
        cfg.n_trips,
        cfg.min_route_segments,
        cfg.driver_noise,
        cfg.car_speed_noise,
        ctx.rng("trips"),
    )
    check_trips(len(trips.table), cfg.min_route_segments)
    ctx.state.update(
        mode="synthetic", network=network, traffic=traffic, train=train, test=test, trips=trips, cut=cut, end=end
    )
    summary = {
        "source": "synthetic",
        "rows_generated": len(raw),
        "rows_injected_invalid": injected,
        "rows_dropped": dropped,
        "rows_clean": len(clean),
        "incidents": len(incidents),
        **_summary(network, train, test, trips, 0, cut, end),
    }
    return DataResult(train=train, test=test, time_column="interval_index", summary=summary)


def _real_data(ctx: RunContext) -> DataResult:
    """Step 4 on a real data set (see :mod:`cases.eta.loader` for the format)."""
    cfg = _config(ctx)
    assert ctx.data_path is not None
    loaded = load_records(ctx.data_path)
    network = build_network(loaded.segments)
    clean, dropped = clean_records(loaded.records, network.n_segments)
    dropped = {**loaded.dropped, **dropped}
    first, cut, end = real_split(clean, dropped, cfg.train_fraction, shown_path(ctx.data_path))
    train, test = split_by_time(add_derived(clean, network.segments), cut)
    # No generator truth here: the test window's own means stand in for it (in-sample, an upper bound).
    window_mean = HistoricalMeanModel().fit(test, network.segments)
    trips = observed_trips(
        network, test, window_mean.predict_segment_time, cfg.n_trips, cfg.min_route_segments, ctx.rng("trips")
    )
    check_trips(len(trips.table), cfg.min_route_segments, shown_path(ctx.data_path))
    ctx.state.update(
        mode="real",
        network=network,
        traffic=None,
        train=train,
        test=test,
        trips=trips,
        cut=cut,
        end=end,
        test_window_mean=window_mean,
    )
    summary = {
        "source": "real",
        "start": str(loaded.start),
        "rows_loaded": len(loaded.records),
        "rows_dropped": dropped,
        "rows_clean": len(clean),
        **_summary(network, train, test, trips, first, cut, end),
        "warnings": loaded.warnings + cleaning_warnings(dropped, len(loaded.records) + sum(loaded.dropped.values())),
    }
    return DataResult(train=train, test=test, time_column="interval_index", summary=summary)


def _summary(
    network: RoadNetwork, train: pd.DataFrame, test: pd.DataFrame, trips: Trips, first: int, cut: int, end: int
) -> dict[str, Any]:
    """Plain numbers about the split (intervals ``[first, cut)`` and ``[cut, end)``) and the trips."""
    return {
        "train_rows": len(train),
        "test_rows": len(test),
        "segments": network.n_segments,
        "nodes": network.n_nodes,
        "weeks": round((end - first) / INTERVALS_PER_WEEK, 3),
        "train_intervals": cut - first,
        "test_intervals": end - cut,
        "trips": len(trips),
        "mean_route_segments": round(float(trips.table["n_segments"].mean()), 3),
        "mean_trip_duration_s": round(float(trips.table["duration_s"].mean()), 3),
        "segments_by_class": {c: int((network.segments["road_class"] == c).sum()) for c in ROAD_CLASSES},
    }


# --------------------------------------------------------------------------- step 5


def features(ctx: RunContext) -> dict[str, Any]:
    """Step 5: fit the record table and history aggregates on the training window only."""
    train, network = ctx.state["train"], ctx.state["network"]
    history = HistoryFeatures().fit(train, network.segments, _config(ctx).gbm_bucket_intervals)
    check_history(history, ctx.data_path)
    table = record_table(train)
    ctx.state.update(history=history, record_table=table)
    keys = network.n_segments * INTERVALS_PER_WEEK
    return {
        "fitted_on": f"train window only: intervals before {ctx.state['cut']}",
        "features": list(FEATURES),
        "n_features": len(FEATURES),
        "record_table_keys": len(table),
        "record_table_coverage": round(len(table) / keys, 4),
        "median_cars_per_key": float(table["car_count"].median()),
        "median_records_per_key": float(table["n_records"].median()),
        "leakage_guard": "aggregates from training rows only; for training rows, computed from the other "
        "training weeks only (out of fold by week)",
    }


# --------------------------------------------------------------------------- step 6


def _ladder(ctx: RunContext) -> list[SegmentTimeModel]:
    """Fit the four rungs: free flow, historical mean, gradient boosting, oracle."""
    cfg = _config(ctx)
    train, network, history = ctx.state["train"], ctx.state["network"], ctx.state["history"]
    segments = network.segments
    if ctx.state["mode"] == "synthetic":
        oracle = OracleModel(ctx.state["traffic"].expected_travel_time_s)
    else:
        oracle = OracleModel(ctx.state["test_window_mean"].predict_segment_time)
    gbm = GradientBoostingModel(
        max_iter=cfg.gbm_max_iter,
        learning_rate=cfg.gbm_learning_rate,
        max_leaf_nodes=cfg.gbm_max_leaf_nodes,
        train_rows=cfg.gbm_train_rows,
        bucket=cfg.gbm_bucket_intervals,
        random_state=ctx.seed,
    )
    return [
        FreeFlowModel().fit(train, segments),
        HistoricalMeanModel().fit(train, segments, history),
        gbm.fit(train, segments, history, ctx.rng("gbm_rows")),
        oracle.fit(train, segments),
    ]


def models(ctx: RunContext) -> LadderResult:
    """Step 6: fit the ladder and evaluate every model at segment and trip level on the test window."""
    test, trips = ctx.state["test"], ctx.state["trips"]
    fitted = {m.name: m for m in _ladder(ctx)}
    metrics, seg_pred, trip_pred = {}, {}, {}
    for name, model in fitted.items():
        metrics[name], seg_pred[name], trip_pred[name] = evaluate(model, test, trips)
    candidates = [n for n in fitted if n != "oracle"]
    best = min(candidates, key=lambda n: metrics[n][PRIMARY_METRIC])
    ctx.state.update(models=fitted, best=best, segment_predictions=seg_pred, trip_predictions=trip_pred)
    notes = {name: model.description for name, model in fitted.items()}
    if ctx.state["mode"] == "real":
        notes["oracle"] = "test window's own mean per (segment, interval of week): in-sample, an upper bound"
    return LadderResult(models=metrics, naive="free_flow", baseline="historical_mean", best=best, notes=notes)


# --------------------------------------------------------------------------- step 7


def testing(ctx: RunContext) -> TestingResult:
    """Step 7: behavioural checks of the best model, slice metrics, A/B plan and simulation, plots."""
    network, test, trips = ctx.state["network"], ctx.state["test"], ctx.state["trips"]
    best = ctx.state["models"][ctx.state["best"]]
    checks = behavioural_checks(
        best,
        trips.paths,
        trips.table["departure_s"].to_numpy(),
        network.segments["free_flow_s"].to_numpy(),
        ctx.rng("behaviour"),
    )
    by_hour = slice_table(
        trips.table["duration_s"].to_numpy(),
        ctx.state["trip_predictions"],
        trips.table["departure_hour"].to_numpy(),
        "trips",
    )
    road_class = network.segments["road_class"].to_numpy()[test["segment_id"].to_numpy()]
    by_class = slice_table(test["travel_time_s"].to_numpy(), ctx.state["segment_predictions"], road_class, "records")
    plots.trip_error_by_hour(
        by_hour, ctx.add_plot(7, "eta_trip_error_by_hour.png", "Trip MAE by departure hour, every model")
    )
    plots.segment_error_by_class(
        by_class, ctx.add_plot(7, "eta_segment_error_by_class.png", "Segment MAE by road class, every model")
    )
    return TestingResult(
        behavioural=checks,
        slices={"trip_mae_s_by_departure_hour": by_hour, "segment_mae_s_by_road_class": by_class},
        ab_test=_ab_test(ctx),
    )


def _ab_test(ctx: RunContext, alpha: float = 0.05, power: float = 0.8, mde: float = 0.05) -> dict[str, Any]:
    """Sample size to detect a ``mde`` relative drop of trip MAE, and one simulated A/B on the test trips."""
    truth = ctx.state["trips"].table["duration_s"].to_numpy()
    base_err = np.abs(truth - ctx.state["trip_predictions"]["historical_mean"])
    best_err = np.abs(truth - ctx.state["trip_predictions"][ctx.state["best"]])
    sigma = float(np.std(np.concatenate([base_err, best_err])))
    delta = mde * float(base_err.mean())
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    # A baseline with no error on these trips (tiny real data) leaves no effect to size a test for.
    per_arm = math.ceil(2 * (z * sigma / delta) ** 2) if delta > 0 and math.isfinite(sigma) else None
    arm_b = ctx.rng("ab_assignment").random(len(truth)) < 0.5
    welch = stats.ttest_ind(base_err[~arm_b], best_err[arm_b], equal_var=False)
    return {
        "unit": "trip (randomised by user in production)",
        "metric": "absolute arrival error (s), lower is better",
        "control": "historical_mean",
        "treatment": ctx.state["best"],
        "alpha": alpha,
        "power": power,
        "min_detectable_effect": mde,
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


# --------------------------------------------------------------------------- step 8


def deployment(ctx: RunContext) -> ServingResult:
    """Step 8: publish the best model to SQLite, time ETA requests, check served == offline ETAs."""
    cfg = _config(ctx)
    network = ctx.state["network"]
    model = ctx.state["models"][ctx.state["best"]]
    rng = ctx.rng("serving_queries")
    n = cfg.serving_queries
    origins = rng.integers(0, network.n_nodes, 4 * n)
    dests = rng.integers(0, network.n_nodes, 4 * n)
    ok = network.reachable(origins, dests)
    origins, dests = origins[ok][:n], dests[ok][:n]
    departures = rng.integers(ctx.state["cut"], ctx.state["end"], len(origins))
    with tempfile.TemporaryDirectory(prefix="eta-kv-") as tmp:
        result = measure_serving(
            model, network.graph, network.routes(origins, dests), origins, dests, departures, Path(tmp) / "eta.sqlite"
        )
    result.extra["model"] = ctx.state["best"]
    return result


# --------------------------------------------------------------------------- step 9


def monitoring(ctx: RunContext) -> MonitoringResult:
    """Step 9: inject drift through the generator, detect it, and check a calm period raises nothing."""
    cfg = _config(ctx)
    network, test = ctx.state["network"], ctx.state["test"]
    model = ctx.state["models"][ctx.state["best"]]
    spec = DESIGN.monitoring  # alert thresholds live in the design, next to the detectors
    thresholds = Thresholds(spec.psi_alert, spec.ks_alert, spec.metric_degradation_alert)
    segments = network.segments
    arterials = segments.loc[segments["road_class"] == "arterial", "segment_id"].to_numpy()
    kind = "arterial"
    if arterials.size == 0:  # a real network without arterials: roadworks anywhere
        arterials, kind = segments["segment_id"].to_numpy(), "road"
    n_works = max(1, int(round(cfg.drift_segment_fraction * arterials.size)))
    roadworks = np.sort(ctx.rng("drift_roadworks").choice(arterials, n_works, replace=False))
    scenario = (
        f"roadworks slow {n_works} {kind} segments x{cfg.drift_slowdown:g}; "
        f"a new weekday evening peak (+{cfg.drift_evening_peak:g} congestion around 20:30)"
    )
    if ctx.state["mode"] == "synthetic":
        drifted, calm, how = _recent_synthetic(ctx, roadworks)
    else:
        drifted, calm, how = _recent_real(ctx, roadworks)
    after = check_period(model, test, drifted, thresholds)
    quiet = check_period(model, test, calm, thresholds)
    plots.speed_drift(
        test["avg_speed_kmh"].to_numpy(),
        drifted["avg_speed_kmh"].to_numpy(),
        calm["avg_speed_kmh"].to_numpy(),
        ctx.add_plot(9, "eta_speed_drift.png", "Probe speeds: test window vs a drifted and a calm recent period"),
    )
    return MonitoringResult(
        scenario=scenario,
        feature_drift=after.feature_drift,
        metric="segment_mae_s",
        metric_before=after.mae_before,
        metric_after=after.mae_after,
        alerts=after.alerts,
        thresholds=thresholds.as_dict(),
        extra={
            "metric": "segment_mae_s",
            "recent_period": how,
            "mae_change": after.mae_change,
            "no_drift_check": {
                "alerts": quiet.alerts,
                "false_alarm": bool(quiet.alerts),
                "mae_change": quiet.mae_change,
                "max_psi": max(v["psi"] for v in quiet.feature_drift.values()),
                "max_ks": max(v["ks"] for v in quiet.feature_drift.values()),
            },
        },
    )


def _recent_synthetic(ctx: RunContext, roadworks: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """A drifted and a calm period with the test window's length and weekly phase, generated afresh."""
    cfg = _config(ctx)
    network, traffic = ctx.state["network"], ctx.state["traffic"]
    cut, end = ctx.state["cut"], ctx.state["end"]
    # Shift by whole weeks so both periods cover the same times of week as the test window.
    shift = math.ceil((end - cut) / INTERVALS_PER_WEEK) * INTERVALS_PER_WEEK
    start, stop = cut + shift, end + shift
    rate = cfg.incident_rate_per_segment_week
    worlds = {
        "drift": traffic.with_drift(roadworks, cfg.drift_slowdown, cfg.drift_evening_peak),
        "calm": traffic,
    }
    periods = {}
    for name, world in worlds.items():
        incidents = draw_incidents(network.n_segments, start, stop, rate, ctx.rng(f"{name}_incidents"))
        world = world.with_incidents(incidents)
        records = generate_probes(world, start, stop, cfg.car_speed_noise, ctx.rng(f"{name}_probes"))
        periods[name] = add_derived(records, network.segments)
    how = f"generated intervals [{start}, {stop}) (the test window + {shift // INTERVALS_PER_WEEK} week(s))"
    return periods["drift"], periods["calm"], how


def _recent_real(ctx: RunContext, roadworks: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Real data has no generator: bootstrap the test window, once perturbed by the scenario, once as is."""
    cfg = _config(ctx)
    test = ctx.state["test"]
    extra = congestion_profile(cfg.drift_evening_peak) - congestion_profile()
    # Without per-segment truth, the new evening peak slows every class by their average sensitivity.
    evening = 1.0 + CLASS_CONGESTION.mean() * extra
    drifted = perturb_records(test, roadworks, cfg.drift_slowdown, evening, ctx.rng("drift_bootstrap"))
    calm = perturb_records(test, roadworks[:0], 1.0, np.ones(INTERVALS_PER_WEEK), ctx.rng("calm_bootstrap"))
    return drifted, calm, "bootstrap of the test window (real data: drift applied as a perturbation)"


STEPS = CaseSteps(
    data=data,
    features=features,
    models=models,
    testing=testing,
    deployment=deployment,
    monitoring=monitoring,
)
