"""Step 9 of the fraud case: inject a spending shift and a new fraud pattern through the simulator and detect them."""

from __future__ import annotations

import pandas as pd
from threadpoolctl import threadpool_limits

from cases.fraud import monitoring, plots
from cases.fraud.artifacts import FraudData, FraudFeatures, FraudModels
from cases.fraud.config import FraudConfig
from cases.fraud.design import DESIGN
from cases.fraud.features import build_features
from cases.fraud.simulator import BURST, Drift, SimParams, simulate
from framework.case import RunContext
from framework.drift import Thresholds
from framework.results import LadderResult, MonitoringResult

WATCHED_METRIC = "average_precision"


def monitoring_step(
    ctx: RunContext[FraudConfig], data: FraudData, features: FraudFeatures, ladder: LadderResult, trained: FraudModels
) -> MonitoringResult:
    """Drift a fresh simulation (or, on real data, compare the test window with training) and alert."""
    thresholds = Thresholds.from_spec(DESIGN.monitoring)
    if not data.synthetic:
        return _monitor_real(ctx.config, data, features, ladder, trained, thresholds)
    cfg = ctx.config
    model = trained.fitted[ladder.best]
    w, k = cfg.monitor_window_days, cfg.monitor_card_k
    first = monitoring.warmup_days(cfg.delay_days)
    drift_start = first + 2 * w
    drift = Drift(
        start_day=drift_start,
        spend_factor=cfg.drift_spend_factor,
        burst_cards_per_day=cfg.drift_burst_cards_per_day,
        burst_tx_per_day=cfg.drift_burst_tx_per_day,
        burst_days=cfg.drift_burst_days,
    )
    sim = simulate(SimParams.from_config(cfg, n_days=first + 3 * w), ctx.rng, drift=drift, stream="monitor/")
    tx = sim.transactions
    X = build_features(tx, cfg.delay_days)
    with threadpool_limits(1):
        out = monitoring.run_windows(tx, X, model.score, first, w, thresholds, k)
    quiet, drifted = out.no_drift, out.drift
    ref_ap, ref_cp = out.metrics["reference"]
    # The drop without the new pattern: the drift window with the card-testing bursts taken out.
    no_burst = out.masks["drift"] & (tx["scenario"].to_numpy() != BURST)
    ap_no_burst, cp_no_burst = monitoring.window_metrics(tx[no_burst], out.scores[no_burst], k)
    active = out.masks["reference"] | out.masks["no_drift"] | out.masks["drift"]
    plots.drift(
        {name: tx.loc[m, "amount"].to_numpy() for name, m in out.masks.items()},
        monitoring.daily_series(tx, out.scores, active, k),
        [first + w, drift_start],
        k,
        ctx.add_plot(
            9,
            "drift.png",
            "Monitoring: amount per window and the deployed model per day; the drift starts at the orange line.",
        ),
    )
    return MonitoringResult(
        scenario=f"from monitoring day {drift_start}: legitimate spending x{cfg.drift_spend_factor:g} and a new "
        f"fraud pattern (card-testing bursts: {cfg.drift_burst_cards_per_day:g} cards/day, "
        f"{cfg.drift_burst_tx_per_day} small transactions/day for {cfg.drift_burst_days} days). Windows of "
        f"a fresh simulation: reference days {first}-{first + w - 1}, no-drift days {first + w}-"
        f"{drift_start - 1}, drift days {drift_start}-{drift_start + w - 1}",
        feature_drift=drifted.drift,
        metric=WATCHED_METRIC,
        metric_before=ref_ap,
        metric_after=drifted.average_precision,
        alerts=drifted.alerts,
        thresholds=thresholds.as_dict(),
        extra={
            "card_precision_k": k,
            "fraud_cards_per_day": fraud_cards_per_day(tx[out.masks["reference"]]),
            "card_precision_before": ref_cp,
            "card_precision_after": drifted.card_precision,
            "no_drift_alerts": [a.message for a in quiet.alerts],
            "no_drift_average_precision": quiet.average_precision,
            "no_drift_card_precision": quiet.card_precision,
            "no_drift_max_psi": max(v["psi"] for v in quiet.drift.values()),
            "no_drift_max_ks": max(v.get("ks", 0.0) for v in quiet.drift.values()),
            "drift_max_psi": max(v["psi"] for v in drifted.drift.values()),
            "burst_frauds_in_drift_window": int((tx.loc[out.masks["drift"], "scenario"] == BURST).sum()),
            "drift_frauds_in_drift_window": int(tx.loc[out.masks["drift"], "is_fraud"].sum()),
            "average_precision_after_without_bursts": ap_no_burst,
            "card_precision_after_without_bursts": cp_no_burst,
            "reference_days": f"{first}-{first + w - 1}",
            "drift_start_day": drift_start,
            "earliest_label_alert_day": drift_start + cfg.delay_days,
            "before_window": f"the reference window (days {first}-{first + w - 1}) of a fresh monitoring "
            "simulation, not the test window the models were compared on",
            "label_alert_timing": f"the drift starts on day {drift_start}; with the {cfg.delay_days}-day label "
            f"delay the metric alert can fire on day {drift_start + cfg.delay_days} at the earliest, while the "
            "score and amount drift checks need no labels and can run from the first drift day",
            "drop_decomposition": f"{int((tx.loc[out.masks['drift'], 'scenario'] == BURST).sum()):,} of the "
            f"{int(tx.loc[out.masks['drift'], 'is_fraud'].sum()):,} frauds in the drift window are the new "
            f"card-testing bursts; without them average precision is {ap_no_burst:.3f} (before "
            f"{ref_ap:.3f}) and card precision@{k} {cp_no_burst:.3f} (before {ref_cp:.3f})",
        },
    )


def fraud_cards_per_day(window: pd.DataFrame) -> float:
    """Distinct cards with a fraud per day of ``window``: the most a day's card precision@k can find."""
    frauds = window.loc[window["is_fraud"] == 1, ["day", "customer_id"]].drop_duplicates()
    return len(frauds) / max(window["day"].nunique(), 1)


def _monitor_real(
    cfg: FraudConfig,
    data: FraudData,
    features: FraudFeatures,
    ladder: LadderResult,
    trained: FraudModels,
    thresholds: Thresholds,
) -> MonitoringResult:
    """Real data cannot be drifted on purpose: compare the training window with the test window."""
    tx, X, main = data.tx, features.X, data.split
    with threadpool_limits(1):
        ref_scores = trained.fitted[ladder.best].score(X[main.train])
    cur_scores = trained.scores[ladder.best]
    k = cfg.monitor_card_k
    ref_m = monitoring.window_metrics(tx[main.train], ref_scores, k)
    cur_m = monitoring.window_metrics(tx[main.test], cur_scores, k)
    ref, cur = monitoring.watched_frame(X[main.train], ref_scores), monitoring.watched_frame(X[main.test], cur_scores)
    report = monitoring.compare(ref, ref_m, cur, cur_m, thresholds, k)
    return MonitoringResult(
        scenario="real data, no injected drift: the test window compared with the training window "
        "(metric_before is in-sample, so a drop is expected)",
        feature_drift=report.drift,
        metric=WATCHED_METRIC,
        metric_before=ref_m[0],
        metric_after=cur_m[0],
        alerts=report.alerts,
        thresholds=thresholds.as_dict(),
        extra={
            "card_precision_k": k,
            "fraud_cards_per_day": fraud_cards_per_day(tx[main.test]),
            "card_precision_before": ref_m[1],
            "card_precision_after": cur_m[1],
            "before_window": "the training window, scored in-sample, so some drop is expected",
            "label_alert_timing": f"labels arrive {cfg.delay_days} days after each transaction, so the metric "
            "alert lags any change by at least that much, while feature and score drift alerts are immediate",
            "drop_decomposition": "real data has no injected pattern to take out, so the drop cannot be split "
            "by cause here",
        },
    )
