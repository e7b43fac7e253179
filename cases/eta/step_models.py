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
from cases.eta.reduced import pass_b, run_partitions
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
    if data.reduced is not None:
        return reduced_features(ctx, data)
    network = data.network
    history = HistoryFeatures().fit(
        data.train,
        network.segments,
        ctx.config.gbm_bucket_intervals,
        period=data.history_period,
        table_bucket=ctx.config.history_bucket_intervals,
    )
    # The data path only names the file in the message; generated data names the knobs instead.
    check_history(history, None if data.synthetic else ctx.data_path)
    # On Dask the record table is a groupby reduction over the training window's partitions.
    table = record_table(data.train) if data.train_frame is None else record_table_reduced(ctx.engine, data.train_frame)
    # Does a segment's recent slowdown move with its neighbours'? The signal a graph-aware feature would use.
    free_flow = network.segments["free_flow_s"].to_numpy(np.float64)
    slowdown = recent_slowdown(data.train, history.key_table(), free_flow, ctx.config.live_window_intervals)
    neighbour_corr = neighbour_slowdown_correlation(slowdown, network.segments)
    stats = (len(table), float(table["car_count"].median()), float(table["n_records"].median()))
    summary = _summary(ctx, data, stats, neighbour_corr)
    return FeaturesResult(summary=summary), EtaFeatures(history=history, record_table=table)


def reduced_features(ctx: RunContext[EtaConfig], data: EtaData) -> tuple[FeaturesResult, EtaFeatures]:
    """Step 5 with the training window on the workers: history from pass A's sums, then pass B.

    Pass B returns each partition's recent-slowdown rows (against the history just fitted), its share
    of the booster's rows (shares drawn here, car-weighted; rows drawn per partition from its own
    stream) and the training window's last live-window intervals (the live feed's start).
    """
    cfg, network, reduced = ctx.config, data.network, data.reduced
    weeks = (data.cut - 1) // INTERVALS_PER_WEEK + 1
    sums = [p.pop("sums") for p in reduced.parts]  # added up once, then dropped (1.4 GB of partials at xl)
    history = HistoryFeatures().fit_sums(
        sums, network.segments, weeks, cfg.gbm_bucket_intervals, cfg.history_bucket_intervals
    )
    del sums
    check_history(history, None)
    key_ratio = history.key_table()
    free_flow = network.segments["free_flow_s"].to_numpy(np.float64)
    first = min(int(p["first"]) for p in reduced.parts)
    window = cfg.live_window_intervals
    n_blocks = (data.cut - 1 - first) // window + 1
    cars = np.array([p["car_total"] for p in reduced.parts])
    shares = ctx.rng("gbm_rows").multinomial(cfg.gbm_train_rows, cars / cars.sum())
    args = [
        (
            reduced.segments,
            data.cut,
            key_ratio[p["lo"] : p["hi"]],
            free_flow[p["lo"] : p["hi"]],
            (window, first, n_blocks, p["lo"]),
            (ctx.seed, i, int(n)),
            data.cut - window,
        )
        for i, (p, n) in enumerate(zip(reduced.parts, shares, strict=True))
    ]
    parts = run_partitions(ctx.engine, reduced.raw, pass_b, args)
    slowdown = np.full((network.n_segments, n_blocks), np.nan)
    for p in parts:  # each partition's segment rows into place, each piece dropped once placed
        piece = p.pop("slowdown")
        slowdown[p["lo"] : p["lo"] + len(piece)] = piece
    rows = pd.concat([p["sample"] for p in parts], ignore_index=True)
    tail = pd.concat([p["tail"] for p in parts], ignore_index=True)
    share = len(rows) / max(reduced.rows, 1)
    detail = f"{share:.2%} of the training window's {reduced.rows:,} rows, drawn car-weighted within each partition"
    ctx.collected("booster rows", rows, detail)
    ctx.collected("live feed's training tail", tail, f"the last {window} intervals before the test window")
    neighbour_corr = neighbour_slowdown_correlation(slowdown, network.segments)
    del slowdown
    summary = _summary(ctx, data, reduced.key_stats(), neighbour_corr)
    summary["history_bucket_minutes"] = cfg.history_bucket_intervals * INTERVAL_S // 60
    empty = pd.DataFrame(columns=["segment_id", "interval_within_week", "travel_time_s", "car_count", "n_records"])
    return FeaturesResult(summary=summary), EtaFeatures(history, empty, rows, tail)


def _summary(
    ctx: RunContext[EtaConfig], data: EtaData, stats: tuple[int, float, float], neighbour_corr: float
) -> dict[str, object]:
    """The features step's summary: the record table's keys (seen, median cars and records) and the notes."""
    keys = data.network.n_segments * INTERVALS_PER_WEEK
    seen, median_cars, median_records = stats
    return {
        "fitted_on": f"train window only: intervals before {data.cut}",
        "features": list(FEATURES),
        "n_features": len(FEATURES),
        "interval_minutes": INTERVAL_S // 60,
        "intervals_per_week": INTERVALS_PER_WEEK,
        "record_table_keys": seen,
        "record_table_coverage": round(seen / keys, 4),
        "median_cars_per_key": median_cars,
        "median_records_per_key": median_records,
        "neighbour_slowdown_corr": round(neighbour_corr, 4),
        "neighbour_signal": neighbour_signal(neighbour_corr, data.synthetic),
        "slowdown_window_minutes": ctx.config.live_window_intervals * INTERVAL_S // 60,
        "history_table": history_table_note(ctx.config.history_bucket_intervals),
        "leakage_guard": "aggregates from training rows only; for training rows, computed from the other "
        "training weeks only (out of fold by week)",
    }


def history_table_note(bucket: int) -> str:
    """What one column of the history and model tables covers, in words (the report's sentence)."""
    if bucket == 1:
        return f"one column per 2-minute interval of the week ({INTERVALS_PER_WEEK:,} per segment)"
    minutes, columns = bucket * INTERVAL_S // 60, INTERVALS_PER_WEEK // bucket
    return (
        f"one column per {minutes}-minute bucket of the week ({columns:,} per segment; history_bucket_intervals="
        f"{bucket} keeps the city-scale tables in memory): the historical mean "
        f"and every table the store serves are car-weighted means over the bucket's {bucket} two-minute "
        "intervals, not per 2-minute interval, so a sharp peak inside a bucket is averaged out"
    )


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
        FreeFlowModel().fit(train, segments, cfg.history_bucket_intervals),
        HistoricalMeanModel().fit(train, segments, feats.history),
        LiveTrafficModel(
            cfg.live_window_intervals, cfg.live_prior_cars, cfg.live_decay_min * 60.0, cfg.live_lead_intervals
        )
        .fit(train, segments, feats.history)
        .with_feed(pd.concat([_live_tail(data, feats, cfg.live_window_intervals), data.test])),
        gbm.fit(train, segments, feats.history, ctx.rng("gbm_rows"), feats.booster_rows, ctx.engine),
    ]
    if data.synthetic:
        oracle = OracleModel(data.world(), cfg.car_speed_noise, cfg.driver_noise, cfg.oracle_draws, ctx.rng("oracle"))
        fitted.append(oracle.fit(train, segments, cfg.history_bucket_intervals))
    by_name = {m.name: m for m in fitted}
    return {m.name: by_name[m.name] for m in DESIGN.models.ladder if m.name in by_name}


def _live_tail(data: EtaData, feats: EtaFeatures, window: int) -> pd.DataFrame:
    """The training window's last ``window`` intervals: the live feed's start (pass B's, when reduced)."""
    if feats.live_tail is not None:
        return feats.live_tail
    return data.train[data.train["interval_index"] >= data.cut - window]


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
