"""Steps 5-6 of the ETA case: features fitted on the training window, then the model ladder on the test window."""

from __future__ import annotations

import numpy as np

from cases.eta.artifacts import EtaData, EtaFeatures, EtaModels
from cases.eta.config import EtaConfig
from cases.eta.design import DESIGN
from cases.eta.evaluation import evaluate
from cases.eta.features import FEATURES, HistoryFeatures, record_table
from cases.eta.guards import check_history
from cases.eta.models import FreeFlowModel, GradientBoostingModel, HistoricalMeanModel, OracleModel, SegmentTimeModel
from cases.eta.traffic import INTERVAL_S, INTERVALS_PER_WEEK
from framework.case import RunContext
from framework.ladder import build_ladder
from framework.results import FeaturesResult, LadderResult


def features(ctx: RunContext[EtaConfig], data: EtaData) -> tuple[FeaturesResult, EtaFeatures]:
    """Step 5: fit the record table and history aggregates on the training window only."""
    network = data.network
    history = HistoryFeatures().fit(data.train, network.segments, ctx.config.gbm_bucket_intervals)
    # The data path only names the file in the message; generated data names the knobs instead.
    check_history(history, None if data.synthetic else ctx.data_path)
    table = record_table(data.train)
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
        "leakage_guard": "aggregates from training rows only; for training rows, computed from the other "
        "training weeks only (out of fold by week)",
    }
    return FeaturesResult(summary=summary), EtaFeatures(history=history, record_table=table)


def _fit_ladder(ctx: RunContext[EtaConfig], data: EtaData, feats: EtaFeatures) -> dict[str, SegmentTimeModel]:
    """Fit the rungs in ladder order: free flow, historical mean, gradient boosting, oracle (generated data)."""
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
        gbm.fit(train, segments, feats.history, ctx.rng("gbm_rows")),
    ]
    if data.synthetic:
        oracle = OracleModel(data.world(), cfg.car_speed_noise, cfg.driver_noise, cfg.oracle_draws, ctx.rng("oracle"))
        fitted.append(oracle.fit(train, segments))
    by_name = {m.name: m for m in fitted}
    return {m.name: by_name[m.name] for m in DESIGN.models.ladder if m.name in by_name}


def models(ctx: RunContext[EtaConfig], data: EtaData, feats: EtaFeatures) -> tuple[LadderResult, EtaModels]:
    """Step 6: fit the ladder, score every model at segment and trip level, deploy by trip MAE."""
    fitted = _fit_ladder(ctx, data, feats)
    metrics, seg_pred, trip_pred = {}, {}, {}
    for name, model in fitted.items():
        metrics[name], seg_pred[name], trip_pred[name] = evaluate(model, data.test, data.trips)
    # trip_mae_s is the mean over test trips of each trip's absolute error: those errors are the units.
    truth = data.trips.table["duration_s"].to_numpy()
    oracles = DESIGN.models.names("oracle")
    units = {name: np.abs(truth - pred) for name, pred in trip_pred.items() if name not in oracles}
    notes = {name: model.description for name, model in fitted.items()}
    ladder = build_ladder(DESIGN, models=metrics, decision_units=units, rng=ctx.rng("bootstrap"), notes=notes)
    return ladder, EtaModels(fitted=fitted, segment_predictions=seg_pred, trip_predictions=trip_pred)
