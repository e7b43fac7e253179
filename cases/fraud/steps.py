"""The fraud case's executable steps 4-9, wired to the framework's CaseSteps contract."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm
from threadpoolctl import threadpool_limits

from cases.fraud import behaviour, checks, monitoring, plots
from cases.fraud.config import FraudConfig
from cases.fraud.design import DESIGN
from cases.fraud.evaluation import daily_card_precision, evaluate, flag_rate
from cases.fraud.features import FEATURES, WINDOWS, build_features
from cases.fraud.loader import check_classes, load_transactions
from cases.fraud.models import (
    AmountRule,
    Logistic,
    NeverFraud,
    TreeEnsemble,
    choose_threshold,
    online_scorer,
    oracle_scores,
)
from cases.fraud.serving import OnlineScorer, replay
from cases.fraud.simulator import SCENARIO_NAMES, Drift, SimParams, simulate
from cases.fraud.split import Split, split
from framework.case import CaseSteps, RunContext
from framework.results import DataResult, LadderResult, MonitoringResult, ServingResult, TestingResult

LADDER = ("never_fraud", "amount_rule", "logistic_regression", "tree_ensemble")
NAIVE, BASELINE = "amount_rule", "logistic_regression"
AMOUNT_BANDS = (0, 50, 100, 220, np.inf)
MIN_LIFT = 0.02  # smallest recall lift an A/B test is sized for


def _config(ctx: RunContext) -> FraudConfig:
    assert isinstance(ctx.config, FraudConfig)
    return ctx.config


# --------------------------------------------------------------------------- step 4


def data(ctx: RunContext) -> DataResult:
    """Simulate (or load) transactions and split them by time with a label-delay gap."""
    cfg = _config(ctx)
    warnings: list[str] = []
    source = ctx.data_path.name if ctx.data_path is not None else None
    if ctx.data_path is not None:
        tx = load_transactions(ctx.data_path, warnings)
        check_classes(tx, ctx.data_path)
        sim = None
    else:
        sim = simulate(SimParams.from_config(cfg), ctx.rng)
        tx = sim.transactions
        checks.check_simulation(tx, cfg)
    n_days = int(tx["day"].max()) + 1 if sim is None else cfg.n_days
    windows = checks.split_windows(cfg, n_days, source)
    main, val = split(tx, windows), split(tx, windows.shifted(cfg.delay_days + cfg.test_days))
    checks.check_windows(tx, main, val, source)
    ctx.state.update(tx=tx, sim=sim, split=main, val_split=val)
    warnings += checks.config_warnings(cfg, tx)

    y = tx["is_fraud"].to_numpy()
    summary: dict[str, Any] = {
        "source": "simulator" if sim is not None else "real data",
        "transactions": len(tx),
        "customers": int(tx["customer_id"].nunique()),
        "terminals": int(tx["terminal_id"].nunique()),
        "days": n_days,
        "frauds": int(y.sum()),
        "fraud_rate": float(y.mean()),
        "train_window_days": f"{windows.train_start}-{windows.train_end - 1}",
        "gap_days (label delay)": f"{windows.train_end}-{windows.test_start - 1}",
        "test_window_days": f"{windows.test_start}-{windows.test_end - 1}",
        "validation_fit_days": f"{val.windows.train_start}-{val.windows.train_end - 1}",
        "validation_window_days": f"{val.windows.test_start}-{val.windows.test_end - 1}",
        "test_rows_removed_known_compromised": main.removed_known,
        "test_cards_removed_known_compromised": main.removed_cards,
        "test_frauds": int(y[main.test].sum()),
        "test_fraud_rate": float(y[main.test].mean()),
        # The accuracy paradox in one number: "never fraud" is right this often on the test window.
        "test_accuracy_of_never_fraud": float(1 - y[main.test].mean()),
    }
    if sim is not None:
        counts = tx["scenario"].value_counts()
        for code in (1, 2, 3):
            summary[f"frauds_{SCENARIO_NAMES[code].replace(' ', '_')}"] = int(counts.get(code, 0))
        summary["compromised_terminals"] = len(sim.compromised_terminals)
        summary["compromised_cards"] = len(sim.compromised_cards)
    if warnings:
        summary["warnings"] = warnings
    return DataResult(
        train=tx[main.train], test=tx[main.test], time_column="timestamp", id_column="transaction_id", summary=summary
    )


# --------------------------------------------------------------------------- step 5


def features(ctx: RunContext) -> dict[str, Any]:
    """Point-in-time features of every transaction (history needed by the windows)."""
    cfg = _config(ctx)
    X = build_features(ctx.state["tx"], cfg.delay_days)
    ctx.state["X"] = X
    return {
        "n_features": len(FEATURES),
        "features": ", ".join(FEATURES),
        "windows_days": ", ".join(str(w) for w in WINDOWS),
        "terminal_windows_shifted_by_days": cfg.delay_days,
        "rows_featurised": len(X),
    }


# --------------------------------------------------------------------------- step 6


def _ladder(cfg: FraudConfig, seed: int) -> dict[str, Any]:
    return {
        "never_fraud": NeverFraud(),
        "amount_rule": AmountRule(),
        "logistic_regression": Logistic(cfg.lr_c),
        "tree_ensemble": TreeEnsemble(
            cfg.tree_model,
            cfg.tree_iterations,
            cfg.tree_learning_rate,
            cfg.tree_max_leaf_nodes,
            cfg.tree_max_depth,
            cfg.tree_negative_fraction,
            random_state=seed,
        ),
    }


def models(ctx: RunContext) -> LadderResult:
    """Fit the ladder on the training window; thresholds by cost on the validation window; score the test window."""
    cfg = _config(ctx)
    tx, X = ctx.state["tx"], ctx.state["X"]
    main: Split = ctx.state["split"]
    val: Split = ctx.state["val_split"]
    y = tx["is_fraud"].to_numpy()
    amounts = tx["amount"].to_numpy()
    seed = int(ctx.rng("tree_ensemble").integers(2**31 - 1))
    test = tx[main.test]
    results, scores, thresholds, fitted = {}, {}, {}, {}
    with threadpool_limits(1):
        for name, model in _ladder(cfg, seed).items():
            # The validation copy is fitted delay + test days earlier, so its scores on the
            # validation window only use labels released before the test window starts.
            val_model = _ladder(cfg, seed)[name].fit(X[val.train], y[val.train])
            vs = val_model.score(X[val.test])
            thresholds[name] = choose_threshold(y[val.test], vs, amounts[val.test], cfg.review_cost)
            fitted[name] = model.fit(X[main.train], y[main.train])
            scores[name] = fitted[name].score(X[main.test])
    truth = oracle_scores(tx, ctx.state["sim"].compromised_terminals if ctx.state["sim"] else None, cfg.outlier_amount)
    scores["oracle"] = truth[main.test]
    thresholds["oracle"] = 0.5
    for name, s in scores.items():
        results[name] = evaluate(test, s, thresholds[name], cfg.review_cost, cfg.max_fpr)

    primary = DESIGN.metrics.primary
    best = max(LADDER[1:], key=lambda n: results[n][primary])
    ctx.state.update(models=fitted, scores=scores, thresholds=thresholds, best=best)

    daily = {n: daily_card_precision(test, s) for n, s in scores.items() if n != "never_fraud"}
    plots.precision_recall(
        test["is_fraud"].to_numpy(),
        {n: s for n, s in scores.items() if n != "never_fraud"},
        {n: r["average_precision"] for n, r in results.items()},
        ctx.add_plot(6, "precision_recall.png", "Precision-recall curve per model on the test window."),
    )
    plots.card_precision_per_day(
        daily, ctx.add_plot(6, "card_precision_per_day.png", "Card precision@100 per test day, per model.")
    )
    acc = {n: results[n]["accuracy"] for n in results}
    notes = {
        "never_fraud": f"scores 0: accuracy {acc['never_fraud']:.4f} yet recall 0 and the highest cost "
        f"({results['never_fraud']['expected_cost']:,.0f}) - accuracy misleads at this imbalance",
        "amount_rule": f"alert above amount {thresholds['amount_rule']:.2f} (chosen by cost on validation)",
        "logistic_regression": f"standardised features + L2 logistic regression; threshold {thresholds[BASELINE]:.4f}",
        "tree_ensemble": (
            f"histogram gradient boosting on all frauds + {cfg.tree_negative_fraction:.0%} of legit rows"
            if cfg.tree_model == "hgb"
            else "random forest with balanced class weights"
        )
        + f"; threshold {thresholds['tree_ensemble']:.4f}",
        "oracle": "simulator truth: compromised terminal windows, the fraudster's card transactions, amount outliers"
        if ctx.state["sim"] is not None
        else "perfect ranking of the test labels (real data)",
    }
    return LadderResult(models=results, naive=NAIVE, baseline=BASELINE, best=best, notes=notes)


# --------------------------------------------------------------------------- step 7


def testing(ctx: RunContext) -> TestingResult:
    """Behavioural checks, slice metrics, the accuracy paradox and the A/B test plan."""
    cfg = _config(ctx)
    tx, X, main = ctx.state["tx"], ctx.state["X"], ctx.state["split"]
    best = ctx.state["best"]
    model, threshold = ctx.state["models"][best], ctx.state["thresholds"][best]
    with threadpool_limits(1):
        checks = behaviour.run_checks(
            model.score, tx, X, main.test, threshold, cfg.delay_days, cfg.outlier_amount, ctx.rng("behaviour")
        )
    test = tx[main.test]
    s = ctx.state["scores"][best]
    y = test["is_fraud"].to_numpy()
    slices: dict[str, dict[str, dict[str, float]]] = {}
    if "scenario" in test:
        slices["scenario"] = {
            SCENARIO_NAMES[int(code)]: {"rows": float(len(idx)), "alert_rate": flag_rate(s[idx], threshold)}
            for code, idx in sorted(test.groupby("scenario").indices.items())
        }
    bands = pd.cut(test["amount"], AMOUNT_BANDS, right=False, labels=["<50", "50-100", "100-220", ">=220"])
    slices["amount band"] = {}
    for band, idx in test.groupby(bands, observed=True).indices.items():
        alerted = s[idx] >= threshold
        slices["amount band"][str(band)] = {
            "rows": float(len(idx)),
            "fraud_rate": float(y[idx].mean()),
            "alert_rate": float(alerted.mean()),
            "precision": float(y[idx][alerted].mean()) if alerted.any() else 0.0,
            "recall": float(alerted[y[idx] == 1].mean()) if y[idx].any() else 0.0,
        }
    slices["accuracy paradox"] = {}
    for name in LADDER:
        sc, th = ctx.state["scores"][name], ctx.state["thresholds"][name]
        alerted = sc >= th
        slices["accuracy paradox"][name] = {
            "accuracy": float(np.mean(alerted == (y == 1))),
            "recall": float(alerted[y == 1].mean()),
            "alerts": float(alerted.sum()),
            "expected_cost": float(
                test["amount"].to_numpy()[(y == 1) & ~alerted].sum() + alerted.sum() * cfg.review_cost
            ),
        }
    return TestingResult(behavioural=checks, slices=slices, ab_test=_ab_plan(ctx, y))


def _ab_plan(ctx: RunContext, y: np.ndarray) -> dict[str, Any]:
    """Cards and days needed to detect a recall lift of the challenger over the baseline (two proportions).

    The lift planned for is the offline lift at the cost thresholds, but at least
    ``MIN_LIFT`` (smaller lifts are not worth a rollout, and a negative offline lift
    would make the test pointless).
    """
    best = ctx.state["best"]
    rate = {n: float(np.mean(ctx.state["scores"][n][y == 1] >= ctx.state["thresholds"][n])) for n in (BASELINE, best)}
    p1 = rate[BASELINE]
    lift = rate[best] - p1
    p2 = min(p1 + max(lift, MIN_LIFT), 0.999)
    alpha, power = 0.05, 0.8
    za, zb = norm.ppf(1 - alpha / 2), norm.ppf(power)
    pbar = (p1 + p2) / 2
    frauds = (za * np.sqrt(2 * pbar * (1 - pbar)) + zb * np.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2
    fraud_rate = float(y.mean())
    per_day = DESIGN.problem.capacity.requests_per_day
    share = 0.1  # the challenger scores 10% of cards; the champion keeps the rest
    days = frauds / fraud_rate / (per_day * share)
    return {
        "unit": "card (all of a card's transactions stay in one arm)",
        "primary_online_metric": "fraud caught rate (recall on confirmed frauds)",
        "control": BASELINE,
        "treatment": best,
        "control_recall_offline": round(p1, 4),
        "treatment_recall_offline": round(rate[best], 4),
        "minimum_detectable_lift": round(p2 - p1, 4),
        "alpha": alpha,
        "power": power,
        "frauds_per_arm": int(np.ceil(frauds)),
        "transactions_per_arm": int(np.ceil(frauds / fraud_rate)),
        "treatment_traffic_share": share,
        "hours_of_traffic": round(float(days * 24), 2),
        "read_out_after_days": f"traffic + {_config(ctx).delay_days} (labels arrive after the delay)",
        "guardrails": "false-decline rate, review queue <= 100 cards/day, p99 latency",
    }


# --------------------------------------------------------------------------- step 8


def deployment(ctx: RunContext) -> ServingResult:
    """Replay test-window transactions one at a time through the SQLite-backed scorer; compare with batch."""
    cfg = _config(ctx)
    tx, X, main = ctx.state["tx"], ctx.state["X"], ctx.state["split"]
    best = ctx.state["best"]
    model = ctx.state["models"][best]
    day = tx["day"].to_numpy()
    start = int(np.argmax(day >= main.windows.test_start))
    n = min(cfg.serving_requests, len(tx) - start)
    workdir = Path(tempfile.mkdtemp(prefix="fraud-serving-"))
    try:
        # The served artifact: the same fitted model, trees flattened for one-row scoring.
        scorer = OnlineScorer(online_scorer(model), cfg.delay_days, workdir / "features.sqlite")
        with threadpool_limits(1):
            result = replay(scorer, tx, start, n, cfg.delay_days)
            batch = model.score(X.iloc[start : start + n])
        scorer.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    sla = sum(DESIGN.architecture.component(c).latency_ms for c in ("feature_store_primary", "scorer_a"))
    return ServingResult(
        p50_ms=round(float(np.percentile(result.latencies_ms, 50)), 4),
        p99_ms=round(float(np.percentile(result.latencies_ms, 99)), 4),
        sla_ms=sla,
        requests=n,
        extra={
            "model": best,
            "throughput_tx_per_s": round(n / result.wall_s, 1),
            "max_abs_score_diff_vs_batch": float(np.max(np.abs(result.scores - batch))),
            "history_rows_loaded": result.history_rows,
            "labels_released_during_replay": result.labels_released,
            "store": "SQLite (WAL), one indexed range query per entity per transaction",
            "served_artifact": type(online_scorer(model).__self__).__name__,
        },
    )


# --------------------------------------------------------------------------- step 9


def monitoring_step(ctx: RunContext) -> MonitoringResult:
    """Inject a spending shift and a new fraud pattern through the simulator and detect them."""
    cfg = _config(ctx)
    spec = DESIGN.monitoring
    thresholds = monitoring.Thresholds(
        psi=spec.psi_alert, ks=spec.ks_alert, metric_drop=spec.metric_degradation_alert, card_k=cfg.monitor_card_k
    )
    model = ctx.state["models"][ctx.state["best"]]
    if ctx.state["sim"] is None:
        return _monitor_real(ctx, model, thresholds)
    w = cfg.monitor_window_days
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
        out = monitoring.run_windows(tx, X, model.score, first, w, thresholds)
    quiet, drifted = out["no_drift"], out["drift"]
    ref_ap, ref_cp = out["metrics"]["reference"]
    masks = out["masks"]
    active = masks["reference"] | masks["no_drift"] | masks["drift"]
    plots.drift(
        {k: tx.loc[m, "amount"].to_numpy() for k, m in masks.items()},
        monitoring.daily_series(tx, out["scores"], active, cfg.monitor_card_k),
        [first + w, drift_start],
        cfg.monitor_card_k,
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
        metric="average_precision",
        metric_before=ref_ap,
        metric_after=drifted.average_precision,
        alerts=drifted.alerts,
        thresholds={"psi": thresholds.psi, "ks": thresholds.ks, "metric_drop": thresholds.metric_drop},
        extra={
            "card_precision_k": cfg.monitor_card_k,
            "card_precision_before": ref_cp,
            "card_precision_after": drifted.card_precision,
            "no_drift_alerts": quiet.alerts,
            "no_drift_average_precision": quiet.average_precision,
            "no_drift_card_precision": quiet.card_precision,
            "no_drift_max_psi": max(v["psi"] for v in quiet.drift.values()),
            "no_drift_max_ks": max(v["ks"] for v in quiet.drift.values()),
            "drift_max_psi": max(v["psi"] for v in drifted.drift.values()),
            "burst_frauds_in_drift_window": int((tx.loc[masks["drift"], "scenario"] == 4).sum()),
        },
    )


def _monitor_real(ctx: RunContext, model: Any, thresholds: monitoring.Thresholds) -> MonitoringResult:
    """Real data cannot be drifted on purpose: compare the training window with the test window."""
    tx, X, main = ctx.state["tx"], ctx.state["X"], ctx.state["split"]
    with threadpool_limits(1):
        ref_scores = model.score(X[main.train])
    ref = monitoring.watched_frame(X[main.train], ref_scores)
    cur = monitoring.watched_frame(X[main.test], ctx.state["scores"][ctx.state["best"]])
    k = thresholds.card_k
    ref_m = monitoring.window_metrics(tx[main.train], ref_scores, k)
    cur_m = monitoring.window_metrics(tx[main.test], ctx.state["scores"][ctx.state["best"]], k)
    report = monitoring.compare(ref, ref_m, cur, cur_m, thresholds)
    return MonitoringResult(
        scenario="real data, no injected drift: the test window compared with the training window "
        "(metric_before is in-sample, so a drop is expected)",
        feature_drift=report.drift,
        metric="average_precision",
        metric_before=ref_m[0],
        metric_after=cur_m[0],
        alerts=report.alerts,
        thresholds={"psi": thresholds.psi, "ks": thresholds.ks, "metric_drop": thresholds.metric_drop},
        extra={"card_precision_k": k, "card_precision_before": ref_m[1], "card_precision_after": cur_m[1]},
    )


STEPS = CaseSteps(
    data=data, features=features, models=models, testing=testing, deployment=deployment, monitoring=monitoring_step
)
