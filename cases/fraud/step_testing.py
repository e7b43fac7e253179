"""Step 7 of the fraud case: behavioural checks, slice metrics, the accuracy paradox and the A/B test plan."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from cases.fraud import behaviour, calibration, decision_slices
from cases.fraud.artifacts import FraudData, FraudFeatures, FraudModels
from cases.fraud.config import FraudConfig
from cases.fraud.design import DESIGN
from cases.fraud.evaluation import flag_rate
from cases.fraud.simulator import SCENARIO_NAMES
from framework.abtest import ALPHA, POWER, design_effect, two_proportion_sample_size
from framework.case import RunContext
from framework.results import AbPlan, LadderResult, Measured, TestingResult

AMOUNT_BANDS = (0, 50, 100, 220, np.inf)
AMOUNT_LABELS = ("<50", "50-100", "100-220", ">=220")
MDE = 0.02  # the smallest recall lift worth a rollout: the A/B test is sized for it, chosen before the test
MIN_RECALL = 0.001  # a control recall of 0 (alerting on nothing) is sized as if it caught 0.1%
WEEK = 7  # the test runs whole weekly cycles
TREATMENT_SHARE = 0.1  # the challenger scores 10% of cards; the champion keeps the rest


def testing(
    ctx: RunContext[FraudConfig], data: FraudData, features: FraudFeatures, ladder: LadderResult, trained: FraudModels
) -> TestingResult:
    """Behavioural checks of the deployed model, its slices, the accuracy paradox and the A/B plan."""
    cfg = ctx.config
    tx, main = data.tx, data.split
    best = ladder.best
    threshold = trained.thresholds[best]
    with threadpool_limits(1):
        checks = behaviour.run_checks(
            trained.fitted[best].score,
            tx,
            features.X,
            main.test,
            threshold,
            cfg.delay_days,
            cfg.outlier_amount,
            ctx.rng("behaviour"),
        )
    test = tx[main.test]
    s = trained.scores[best]
    y = test["is_fraud"].to_numpy()
    slices: dict[str, dict[str, dict[str, float]]] = {}
    if data.synthetic:  # only the simulator knows which scenario a fraud came from
        slices["scenario"] = {
            SCENARIO_NAMES[int(code)]: {"rows": float(len(idx)), "alert_rate": flag_rate(s[idx], threshold)}
            for code, idx in sorted(test.groupby("scenario").indices.items())
        }
    bands = pd.cut(test["amount"], AMOUNT_BANDS, right=False, labels=list(AMOUNT_LABELS))
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
    for name in (n for n in ladder.models if n != ladder.oracle):
        alerted = trained.alerted(name)
        slices["accuracy paradox"][name] = {
            "accuracy": ladder.models[name]["accuracy"],
            "recall": float(alerted[y == 1].mean()),
            "alerts": float(alerted.sum()),
            "expected_cost": ladder.models[name]["expected_cost"],
        }
    plan, plan_table = ab_plan(ladder, trained, test, cfg.delay_days)
    slices.update(expert_slices(ctx, data, trained, ladder))
    return TestingResult(
        behavioural=checks,
        slices=slices,
        ab_test=plan_table,
        ab_plan=plan,
        guardrails=guardrails(test, trained.alerted(best), best),
    )


def expert_slices(
    ctx: RunContext[FraudConfig], data: FraudData, trained: FraudModels, ladder: LadderResult
) -> dict[str, dict[str, dict[str, float]]]:
    """Calibration after undersampling, amount-aware decisions with a step-up, and selective labels (extra tables)."""
    cfg, best = ctx.config, ladder.best
    test = data.tx[data.split.test]
    summary, reliability, maps = decision_slices.calibration_tables(data, trained)
    out = {"calibration": summary}
    if reliability:
        out["reliability of tree_ensemble"] = reliability
    isotonic = maps.get(best) or calibration.fit_isotonic(
        trained.val_scores[best], data.tx["is_fraud"].to_numpy()[data.val_split.test]
    )
    limit = next(g.limit for g in DESIGN.metrics.guardrails if g.name == "false_decline_rate")
    out["decision policy"], out["decision bands (p x amount)"] = decision_slices.policy_table(
        cfg,
        data,
        trained,
        best,
        isotonic,
        limit,
        lambda declined: review_queue(test, declined)[0],
        ctx.rng("policy_bootstrap"),
    )
    others = [n for n in trained.fitted if n != best and n != ladder.naive]
    if others:
        challenger = min(others, key=lambda n: ladder.models[n]["expected_cost"])
        out["selective labels"], out["random-approve holdout"] = decision_slices.selective_label_tables(
            cfg, test, trained, best, challenger, review_queue(test, np.zeros(len(test), bool))[2], ctx.rng("holdout")
        )
    return out


def review_queue(test: pd.DataFrame, alerted: np.ndarray) -> tuple[float, float, float, float]:
    """Distinct alerted cards per day: at the design's volume, on the test window; the scale factor; tx per test day."""
    days = max(test["day"].nunique(), 1)
    tx_per_day = len(test) / days
    cards_per_day = test.loc[alerted, ["day", "customer_id"]].drop_duplicates().shape[0] / days
    scale = DESIGN.problem.capacity.requests_per_day / tx_per_day
    return cards_per_day * scale, cards_per_day, scale, tx_per_day


def guardrails(test: pd.DataFrame, alerted: np.ndarray, model: str) -> Measured:
    """False-decline rate and review queue of the deployed model at its threshold, on the test window.

    The review queue is the distinct cards alerted per test day, scaled from the simulated
    portfolio's transactions per day to the design's volume.

    Args:
        test: test-window transactions (``is_fraud``, ``day``, ``customer_id``).
        alerted: which of them the deployed model alerts at its validation threshold.
        model: the deployed model's name.
    """
    y = test["is_fraud"].to_numpy()
    legit = y == 0
    false_declines = float(alerted[legit].mean()) if legit.any() else 0.0
    queue, cards_per_day, scale, tx_per_day = review_queue(test, alerted)
    return Measured(
        values={"false_decline_rate": false_declines, "review_queue_cards_per_day": queue},
        details={
            "false_decline_rate": f"{model} at its validation threshold: {int(alerted[legit].sum()):,} of "
            f"{int(legit.sum()):,} legitimate test transactions alerted",
            "review_queue_cards_per_day": f"{model} alerts {cards_per_day:,.1f} distinct cards/day on "
            f"{tx_per_day:,.0f} test-window transactions/day; scaled x{scale:,.0f} to the design's "
            f"{DESIGN.problem.capacity.requests_per_day:,.0f} transactions/day",
        },
    )


def intra_card_correlation(caught: np.ndarray, card: np.ndarray) -> float:
    """One-way ANOVA estimate of the correlation of two frauds of the same card being caught, in [0, 1].

    A card with one fraud adds no within-card information; when every fraud is caught (or
    none is) there is no variance to split, and the conservative 1 is returned.
    """
    frame = pd.DataFrame({"card": card, "y": caught.astype(float)})
    groups = frame.groupby("card")["y"]
    sizes, means = groups.size().to_numpy(float), groups.mean().to_numpy()
    k, n = len(sizes), float(sizes.sum())
    if k < 2 or n <= k:
        return 1.0
    grand = frame["y"].mean()
    msb = float(np.sum(sizes * (means - grand) ** 2) / (k - 1))
    msw = float(((frame["y"] - groups.transform("mean")) ** 2).sum() / (n - k))
    n0 = (n - float(np.sum(sizes**2)) / n) / (k - 1)
    denom = msb + (n0 - 1) * msw
    if denom <= 0:
        return 1.0
    return float(min(max((msb - msw) / denom, 0.0), 1.0))


def ab_plan(
    ladder: LadderResult, trained: FraudModels, test: pd.DataFrame, delay_days: int
) -> tuple[AbPlan, dict[str, Any]]:
    """Cards and days needed to detect a recall lift of ``MDE`` over what runs in production today.

    The control is the baseline, or the amount rule (the rules engine running today) when the
    baseline is itself the deployed model. The effect is the chosen minimum detectable recall
    lift ``MDE``, never the lift seen offline. Frauds are the measured units but cards are
    randomised, and a compromised card makes several frauds whose catches are correlated: the
    sample is inflated by the design effect ``1 + (m - 1) rho`` (m frauds per fraudulent card,
    size-weighted; rho the intra-card correlation of the control's catches on the test window).

    Args:
        ladder: the ladder (roles and the deployed model).
        trained: test scores and thresholds of every model.
        test: test-window transactions.
        delay_days: label delay: the read-out waits for it.

    Returns:
        The plan, and the table the report prints.
    """
    control = ladder.naive if ladder.best == ladder.baseline else ladder.baseline
    y = test["is_fraud"].to_numpy() == 1
    cards = test["customer_id"].to_numpy()
    caught = trained.alerted(control)[y]
    p1 = min(max(float(caught.mean()) if y.any() else 0.0, MIN_RECALL), 0.999 - MDE)
    p2 = p1 + MDE
    per_card = pd.Series(cards[y]).value_counts().to_numpy(float)
    frauds_per_card = float(np.sum(per_card**2) / np.sum(per_card)) if len(per_card) else 1.0
    rho = intra_card_correlation(caught, cards[y]) if y.any() else 1.0
    deff = round(design_effect(frauds_per_card, rho), 4)
    frauds = math.ceil(two_proportion_sample_size(p1, p2, ALPHA, POWER) * deff)
    mean_frauds_per_card = float(per_card.mean()) if len(per_card) else 1.0
    fraud_cards = math.ceil(frauds / mean_frauds_per_card)
    active_cards = max(len(np.unique(cards)), 1)
    fraud_card_share = max(len(per_card) / active_cards, 1 / active_cards)
    per_arm = math.ceil(fraud_cards / fraud_card_share)
    fraud_rate = max(float(y.mean()), 1 / max(len(y), 1))
    frauds_per_day = DESIGN.problem.capacity.requests_per_day * fraud_rate * TREATMENT_SHARE
    traffic_days = frauds / frauds_per_day
    days = max(WEEK, math.ceil(traffic_days / WEEK) * WEEK)
    today = "" if control == ladder.baseline else " (the rules engine running today)"
    plan = AbPlan(
        metric="fraud caught rate (recall on confirmed frauds)",
        control=f"{control}{today}",
        treatment=ladder.best,
        unit="card",
        minimum_detectable_effect=MDE,
        relative=False,
        alpha=ALPHA,
        power=POWER,
        design_effect=deff,
        per_arm=per_arm,
        days=days,
    )
    table: dict[str, Any] = {
        "unit": "card (all of a card's transactions stay in one arm)",
        "primary_online_metric": plan.metric,
        "control": plan.control,
        "treatment": plan.treatment,
        "control_recall_offline": p1,
        "minimum_detectable_lift": MDE,
        "alpha": ALPHA,
        "power": POWER,
        "frauds_per_fraudulent_card": round(frauds_per_card, 2),
        "intra_card_correlation": round(rho, 3),
        "design_effect": plan.design_effect,
        "frauds_per_arm": frauds,
        "cards_per_arm": per_arm,
        "treatment_traffic_share": TREATMENT_SHARE,
        "days_of_traffic_needed": round(traffic_days, 3),
        "days_planned": days,
        "read_out_after_days": days + delay_days,
        "guardrails": "false-decline rate, review queue, scoring p99, availability",
    }
    return plan, table
