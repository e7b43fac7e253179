"""Steps 5-6 of the ETA case: features fitted on the training window, then the model ladder on the test window."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cases.eta.artifacts import EtaData, EtaFeatures, EtaModels
from cases.eta.config import EtaConfig
from cases.eta.congestion import neighbour_slowdown_correlation, recent_slowdown
from cases.eta.design import DESIGN
from cases.eta.evaluation import evaluate
from cases.eta.features import FEATURES, HistoryFeatures, record_table
from cases.eta.guards import check_history
from cases.eta.live import LiveTrafficModel
from cases.eta.models import FreeFlowModel, GradientBoostingModel, HistoricalMeanModel, OracleModel, SegmentTimeModel
from cases.eta.scale import record_table_reduced
from cases.eta.sensors import KMH_PER_MPH
from cases.eta.traffic import INTERVAL_S, INTERVALS_PER_WEEK
from framework.case import RunContext
from framework.ladder import build_ladder
from framework.results import FeaturesResult, LadderResult

# A neighbours' slowdown correlation at least this large is called a signal in the notes.
NEIGHBOUR_SIGNAL_CORR = 0.1


def features(ctx: RunContext[EtaConfig], data: EtaData) -> tuple[FeaturesResult, EtaFeatures]:
    """Step 5: fit the record table and history aggregates on the training window only."""
    network = data.network
    history = HistoryFeatures().fit(
        data.train, network.segments, ctx.config.gbm_bucket_intervals, period=data.history_period
    )
    # The data path only names the file in the message; generated data names the knobs instead.
    check_history(history, None if data.synthetic else ctx.data_path)
    # On Dask the record table is a groupby reduction over the training window's partitions.
    table = record_table(data.train) if data.train_frame is None else record_table_reduced(ctx.engine, data.train_frame)
    # Does a segment's recent slowdown move with its neighbours'? The signal a graph-aware feature would use.
    free_flow = network.segments["free_flow_s"].to_numpy(np.float64)
    slowdown = recent_slowdown(data.train, history.key_table(), free_flow, ctx.config.live_window_intervals)
    neighbour_corr = neighbour_slowdown_correlation(slowdown, network.segments)
    keys = network.n_segments * INTERVALS_PER_WEEK
    summary = {
        "fitted_on": f"train window only: intervals before {data.cut}",
        "features": list(FEATURES),
        "n_features": len(FEATURES),
        "interval_minutes": INTERVAL_S // 60,
        "intervals_per_week": INTERVALS_PER_WEEK,
        "record_table_keys": len(table),
        "record_table_coverage": round(len(table) / keys, 4),
        "median_cars_per_key": float(table["car_count"].median()),
        "median_records_per_key": float(table["n_records"].median()),
        "neighbour_slowdown_corr": round(neighbour_corr, 4),
        "neighbour_signal": neighbour_signal(neighbour_corr, data.synthetic),
        "slowdown_window_minutes": ctx.config.live_window_intervals * INTERVAL_S // 60,
        "leakage_guard": "aggregates from training rows only; for training rows, computed from the other "
        "training weeks only (out of fold by week)",
    }
    return FeaturesResult(summary=summary), EtaFeatures(history=history, record_table=table)


def neighbour_signal(corr: float, synthetic: bool) -> str:
    """Whether the neighbours' slowdown correlation is a signal a graph model could use, in words."""
    if abs(corr) < NEIGHBOUR_SIGNAL_CORR:
        return f"|corr| under {NEIGHBOUR_SIGNAL_CORR:g}: too weak to build a graph feature on in this run"
    note = f"|corr| {NEIGHBOUR_SIGNAL_CORR:g} or more: a signal a graph feature could use"
    if synthetic:
        note += "; noise around zero when the generator's spread is switched off, which a test checks"
    return note


def _fit_ladder(ctx: RunContext[EtaConfig], data: EtaData, feats: EtaFeatures) -> dict[str, SegmentTimeModel]:
    """Fit the rungs in ladder order: free flow, historical mean, live traffic, gradient boosting, oracle (generated).

    The live rung reads the probe feed from one window before the test window on (its queries are test
    records and trips; earlier queries see no probes and fall back to history); each query sees only
    probes before its own time.
    """
    cfg = ctx.config
    train, segments = data.train, data.network.segments
    gbm = GradientBoostingModel(
        max_iter=cfg.gbm_max_iter,
        learning_rate=cfg.gbm_learning_rate,
        max_leaf_nodes=cfg.gbm_max_leaf_nodes,
        train_rows=cfg.gbm_train_rows,
        bucket=cfg.gbm_bucket_intervals,
        random_state=ctx.seed,
    )
    fitted: list[SegmentTimeModel] = [
        FreeFlowModel().fit(train, segments),
        HistoricalMeanModel().fit(train, segments, feats.history),
        LiveTrafficModel(
            cfg.live_window_intervals, cfg.live_prior_cars, cfg.live_decay_min * 60.0, cfg.live_lead_intervals
        )
        .fit(train, segments, feats.history)
        .with_feed(pd.concat([train[train["interval_index"] >= data.cut - cfg.live_window_intervals], data.test])),
        gbm.fit(train, segments, feats.history, ctx.rng("gbm_rows")),
    ]
    if data.synthetic:
        oracle = OracleModel(data.world(), cfg.car_speed_noise, cfg.driver_noise, cfg.oracle_draws, ctx.rng("oracle"))
        fitted.append(oracle.fit(train, segments))
    by_name = {m.name: m for m in fitted}
    return {m.name: by_name[m.name] for m in DESIGN.models.ladder if m.name in by_name}


def speed_mae(data: EtaData, predicted_s: np.ndarray) -> dict[str, float]:
    """``{"segment_speed_mae_<unit>": mean |observed - predicted| speed}`` over the test records."""
    distance = data.network.segments["distance_km"].to_numpy(np.float64)[data.test["segment_id"].to_numpy()]
    predicted_kmh = distance / predicted_s * 3600.0
    per_unit = KMH_PER_MPH if data.speed_unit == "mph" else 1.0
    error = np.abs(data.test["avg_speed_kmh"].to_numpy(np.float64) - predicted_kmh) / per_unit
    return {f"segment_speed_mae_{data.speed_unit}": float(error.mean())}


def models(ctx: RunContext[EtaConfig], data: EtaData, feats: EtaFeatures) -> tuple[LadderResult, EtaModels]:
    """Step 6: fit the ladder, score every model at segment and trip level, deploy by trip MAE."""
    fitted = _fit_ladder(ctx, data, feats)
    metrics, seg_pred, trip_pred = {}, {}, {}
    for name, model in fitted.items():
        metrics[name], seg_pred[name], trip_pred[name] = evaluate(model, data.test, data.trips)
        if not data.synthetic:  # compare with the traffic-forecasting literature (real data only: keys stay)
            metrics[name].update(speed_mae(data, seg_pred[name]))
    # trip_mae_s is the mean over test trips of each trip's absolute error: those errors are the units.
    truth = data.trips.table["duration_s"].to_numpy()
    oracles = DESIGN.models.names("oracle")
    units = {name: np.abs(truth - pred) for name, pred in trip_pred.items() if name not in oracles}
    notes = {name: model.description for name, model in fitted.items()}
    ladder = build_ladder(DESIGN, models=metrics, decision_units=units, rng=ctx.rng("bootstrap"), notes=notes)
    return ladder, EtaModels(fitted=fitted, segment_predictions=seg_pred, trip_predictions=trip_pred)
