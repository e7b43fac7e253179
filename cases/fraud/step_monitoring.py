"""Step 9 of the fraud case: inject a spending shift and a new fraud pattern through the simulator and detect them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from cases.fraud import adversary, mode_prose, monitoring, plots, scale
from cases.fraud.artifacts import FraudData, FraudFeatures, FraudModels
from cases.fraud.config import FraudConfig
from cases.fraud.design import DESIGN
from cases.fraud.features import build_features
from cases.fraud.simulator import BURST, Drift, SimParams
from framework.case import RunContext
from framework.drift import Thresholds
from framework.results import LadderResult, MonitoringResult
from framework.timeunits import SECONDS_PER_DAY

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
    # Through the same block builder as the run's data; collected whole (bounded by monitor_customers)
    # because the adversary drill rebuilds the no-drift window's features from its history.
    tx = scale.monitoring_transactions(ctx, SimParams.from_config(cfg, n_days=first + 3 * w), drift)
    X = build_features(tx, cfg.delay_days)
    with threadpool_limits(1):
        out = monitoring.run_windows(tx, X, model.score, first, w, thresholds, k)
    quiet, drifted = out.no_drift, out.drift
    ref_ap, ref_cp = out.metrics["reference"]
    # The drop without the new pattern: the drift window with the card-testing bursts taken out.
    no_burst = out.masks["drift"] & (tx["scenario"].to_numpy() != BURST)
    ap_no_burst, cp_no_burst = monitoring.window_metrics(tx[no_burst], out.scores[no_burst], k)
    active = out.masks["reference"] | out.masks["no_drift"] | out.masks["drift"]
    adapt = _adversary(ctx, tx, X, out, model.score, trained.thresholds[ladder.best], thresholds)
    plots.drift(
        {name: tx.loc[m, "amount"].to_numpy() for name, m in out.masks.items()},
        monitoring.daily_series(tx, out.scores, active, k),
        [first + w, drift_start],
        k,
        ctx.add_plot(
            9,
            "drift.png",
            f"Monitoring: amount per window (log scale, up to the 99.9th percentile) and the deployed model per "
            f"day; the drift starts at the orange line. Card precision@{k}: the share of the day's top {k} scored "
            f"cards that are fraudulent (k = monitor_card_k, the investigators' capacity scaled down to the "
            f"simulated portfolio so the metric can still drop).",
        ),
    )
    result = MonitoringResult(
        scenario=f"from monitoring day {drift_start}: legitimate spending x{cfg.drift_spend_factor:g} and a new "
        f"fraud pattern (card-testing bursts: {cfg.drift_burst_cards_per_day:g} cards/day, "
        f"{cfg.drift_burst_tx_per_day} small transactions/day for {cfg.drift_burst_days} days). Windows of "
        f"a fresh simulation (its reference window, days {first}-{first + w - 1}, is every 'before' figure, not "
        f"the test window the models were compared on): reference days {first}-{first + w - 1}, no-drift "
        f"days {first + w}-"
        f"{drift_start - 1}, drift days {drift_start}-{drift_start + w - 1}. Separately, in a copy of the "
        f"no-drift window {cfg.adversary_share:.0%} of the compromised cards' fraudsters adapt to the deployed "
        "model: each keeps its amounts under the model's alert (probing smaller amounts)",
        feature_drift=drifted.drift,
        metric=WATCHED_METRIC,
        metric_before=ref_ap,
        metric_after=drifted.average_precision,
        alerts=drifted.alerts,
        thresholds=thresholds.as_dict(),
        extra={
            "adversary_measured": "measured above",
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
            **adapt,
        },
    )
    result.extra |= mode_prose.monitoring_sentences(result.extra, synthetic=True)
    return result


def _adversary(
    ctx: RunContext[FraudConfig],
    tx: pd.DataFrame,
    X: pd.DataFrame,
    out: monitoring.MonitoredWindows,
    score: Callable[[pd.DataFrame], np.ndarray],
    threshold: float,
    thresholds: Thresholds,
) -> dict[str, Any]:
    """Adaptive fraudsters in the no-drift window: recall at the deployed threshold and alerts, before/after."""
    cfg = ctx.config
    window = out.masks["no_drift"]
    with threadpool_limits(1):
        res = adversary.adapt(
            tx, X, window, score, threshold, cfg.adversary_share, cfg.delay_days, ctx.rng("monitor/adversary")
        )
    y = tx.loc[window, "is_fraud"].to_numpy()
    amount_before = tx.loc[window, "amount"].to_numpy()
    before, after = out.scores[window] >= threshold, res.scores >= threshold
    k = cfg.monitor_card_k
    mets = monitoring.window_metrics(res.tx, res.scores, k)
    ref = monitoring.watched_frame(X[out.masks["reference"]], out.scores[out.masks["reference"]])
    report = monitoring.compare(
        ref, out.metrics["reference"], monitoring.watched_frame(res.X, res.scores), mets, thresholds, k
    )
    a = res.adapted
    alerts = [x.message for x in report.alerts]
    inputs = [x.message for x in report.alerts if x.kind == "feature"]
    labelled = [x.message for x in report.alerts if x.kind == "metric"]
    said = []
    if inputs:
        said.append("input/score drift alerts fired the same day (" + "; ".join(inputs) + ")")
    else:
        said.append("no input or score drift alert fired")
    if labelled:
        said.append(
            f"a label-based alert fired, {cfg.delay_days} days late at the earliest (" + "; ".join(labelled) + ")"
        )
    else:
        said.append("no label-based alert fired either")
    # The label alert compares with the reference window; the attack's own share is the step from the no-drift window.
    quiet, attacked = out.metrics["no_drift"][0], mets[0]
    own = (quiet - attacked) / quiet if quiet > 0 else 0.0
    said.append(
        f"the attack alone moves average precision {quiet:.3f} -> {attacked:.3f} ({own:.1%} from the no-drift "
        "window, the same days without it), "
        + (
            f"under the {thresholds.metric_change:.0%} threshold: any label alert here is mostly the gap between "
            "windows, not the attack"
            if own <= thresholds.metric_change
            else f"above the {thresholds.metric_change:.0%} threshold on its own"
        )
        + "; per-pattern recall and the density of amounts just under the alert would show it, against a "
        "rolling baseline with an interval"
    )
    return {
        "adversary_cards": res.n_cards,
        "adversary_frauds": int(a.sum()),
        "adversary_recall_before": adversary.recall(y[a], before[a]),
        "adversary_recall_after": adversary.recall(y[a], after[a]),
        "adversary_window_recall_before": adversary.recall(y, before),
        "adversary_window_recall_after": adversary.recall(y, after),
        "adversary_stolen_before": adversary.stolen(y[a], amount_before[a], before[a]),
        "adversary_stolen_after": adversary.stolen(y[a], res.tx["amount"].to_numpy()[a], after[a]),
        "adversary_average_precision_after": mets[0],
        "adversary_alerts": alerts,
        "adversary_input_alerts": len(inputs),
        "adversary_summary": f"when {res.n_cards} compromised cards of the no-drift window keep each amount under "
        f"the model's alert, recall on their {int(a.sum())} frauds falls {adversary.recall(y[a], before[a]):.0%} -> "
        f"{adversary.recall(y[a], after[a]):.0%} while the amount they get through goes "
        f"{adversary.stolen(y[a], amount_before[a], before[a]):,.0f} -> "
        f"{adversary.stolen(y[a], res.tx['amount'].to_numpy()[a], after[a]):,.0f} within one "
        f"{cfg.monitor_window_days}-day window; recall on all the window's frauds {adversary.recall(y, before):.0%} "
        f"-> {adversary.recall(y, after):.0%} and its average precision {out.metrics['no_drift'][0]:.3f} -> "
        f"{mets[0]:.3f}",
        "adversary_monitoring": ", and ".join(said),
    }


def cards_per_day(window: pd.DataFrame) -> float:
    """Distinct cards a day in ``window``: card precision@k separates models only when it is above k."""
    return window[["day", "customer_id"]].drop_duplicates().shape[0] / max(window["day"].nunique(), 1)


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
    """Real data cannot be drifted on purpose: compare the training days with the test window, both out of sample.

    The reference is the training days scored by the validation fit (fitted on earlier days), so both
    windows are scored out of sample. Window features longer than the reference window's history are
    still filling up there (burn-in): their drift is shown but not alerted. Card precision@k is not
    alerted when a day has fewer cards than k (every card is then in the top k).
    """
    tx, X, main, val = data.tx, features.X, data.split, data.val_split
    ref_rows = val.test
    ref_scores = trained.val_scores[ladder.best]
    cur_scores = trained.scores[ladder.best]
    k = cfg.monitor_card_k
    ref_m = monitoring.window_metrics(tx[ref_rows], ref_scores, k)
    cur_m = monitoring.window_metrics(tx[main.test], cur_scores, k)
    ref, cur = monitoring.watched_frame(X[ref_rows], ref_scores), monitoring.watched_frame(X[main.test], cur_scores)
    cards_a_day = cards_per_day(tx[main.test]) if data.has_cards else 0.0
    watch_cards = data.has_cards and cards_a_day >= k
    report = monitoring.compare(ref, ref_m, cur, cur_m, thresholds, k, watch_cards)
    time_s = tx["time_s"].to_numpy()
    history_days = float(time_s[ref_rows].min() - time_s.min()) / SECONDS_PER_DAY
    burn_in = monitoring.burn_in_columns(list(X.columns), history_days, data.delay_days)
    alerts = [a for a in report.alerts if a.subject not in burn_in]
    cards: dict[str, Any] = {
        "card_precision_k": k,
        "fraud_cards_per_day": fraud_cards_per_day(tx[main.test]),
        "card_precision_before": ref_m[1],
        "card_precision_after": cur_m[1],
    }
    if not data.has_cards:
        cards = {"card_precision": "not monitored: the file names no cards (anonymous data)"}
    elif not watch_cards:
        cards["card_precision_alert"] = (
            f"not alerted: the test window has about {cards_a_day:,.1f} cards a day, fewer than the {k} investigated, "
            "so every card is in the top k and card precision cannot move with the model"
        )
    cards |= mode_prose.monitoring_sentences(cards, synthetic=False)
    cards["burn_in"] = (
        f"the reference window starts {history_days:,.1f} days into the file; window features needing more history "
        f"({', '.join(burn_in)}) are still filling up there, so their drift is shown but not alerted"
        if burn_in
        else f"the reference window starts {history_days:,.1f} days into the file: every window feature is complete"
    )
    return MonitoringResult(
        scenario="real data, no injected drift: the test window compared with the training days, both scored "
        "out of sample (the training days by the validation fit)",
        feature_drift=report.drift,
        metric=WATCHED_METRIC,
        metric_before=ref_m[0],
        metric_after=cur_m[0],
        alerts=alerts,
        thresholds=thresholds.as_dict(),
        extra={
            **cards,
            "before_window": "the training days, scored out of sample by the validation fit (like the test window)",
            "label_alert_timing": f"labels arrive {data.delay_days:g} days after each transaction, so the metric "
            "alert lags any change by at least that much, while feature and score drift alerts are immediate",
            "drop_decomposition": "real data has no injected pattern to take out, so the drop cannot be split "
            f"by cause here; burn-in: {cards['burn_in']}",
            "adversary_measured": "not measured on this real-data run; the synthetic run measures it",
            "adversary_summary": "not measured on real data: how fraudsters respond to a deployed model can only "
            "be simulated (the synthetic run measures it)",
            "adversary_monitoring": "not measured on real data",
        },
    )
