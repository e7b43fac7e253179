"""Step 7 of the fraud case: behavioural checks, slice metrics, the accuracy paradox and the A/B test plan."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from cases.fraud import (
    ab_honesty,
    behaviour,
    calibration,
    capacity,
    decision_slices,
    decisions,
    mode_prose,
    modes,
    policy_choice,
)
from cases.fraud.artifacts import FraudData, FraudFeatures, FraudModels
from cases.fraud.config import FraudConfig
from cases.fraud.design import DESIGN, PRODUCTION_FRAUD_CARD_SHARE
from cases.fraud.evaluation import flag_rate
from cases.fraud.simulator import SCENARIO_NAMES
from framework.abtest import ALPHA, POWER, design_effect, two_proportion_sample_size, whole_weeks
from framework.case import RunContext
from framework.results import AbPlan, LadderResult, Measured, TestingResult

MDE = 0.02  # the smallest recall lift worth a rollout: the A/B test is sized for it, chosen before the test
MIN_RECALL = 0.001  # a control recall of 0 (alerting on nothing) is sized as if it caught 0.1%
TREATMENT_SHARE = 0.1  # the challenger scores 10% of cards; the champion keeps the rest


def testing(
    ctx: RunContext[FraudConfig], data: FraudData, features: FraudFeatures, ladder: LadderResult, trained: FraudModels
) -> TestingResult:
    """Behavioural checks of the deployed model, its slices, the accuracy paradox and the A/B plan."""
    cfg = ctx.config
    tx, main = data.tx, data.split
    best = ladder.best
    threshold = trained.thresholds[best]
    features_delay = data.delay_days if cfg.terminal_risk_delay_days is None else cfg.terminal_risk_delay_days
    not_applicable: list[str] = []
    with threadpool_limits(1):
        checks = behaviour.run_checks(
            trained.fitted[best].score,
            tx,
            features.X,
            main.test,
            threshold,
            lambda frame: modes.build(frame, features_delay, data.mode, data.given),
            data.outlier_amount,
            ctx.rng("behaviour"),
            data.ordinary_amount,
            getattr(trained.fitted[best], "reads", None),
            not_applicable,
            whole_history=data.frame is None,
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
    bands = pd.cut(test["amount"], list(data.amount_bands), right=False, labels=band_labels(data.amount_bands))
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
    extra, policies = expert_slices(ctx, data, trained, ladder)
    slices.update(extra)
    measured = guardrails(test, trained.alerted(best), best, data.has_cards)
    # The policy is chosen on the validation window and only read on the test window.
    choice = policy_choice.choose(measured, policies.test, policies.validation, best)
    treatment = choice.chosen or policy_choice.DEPLOYED
    plan, plan_table = ab_plan(
        ladder,
        trained,
        test,
        cfg.delay_days,  # the production label delay: the A/B runs on production traffic, not on this file
        holdout_share=cfg.holdout_share,
        actions=policies.actions[treatment],
        policy=treatment,
        step_up_pass=cfg.step_up_fraud_pass,
    )
    plan_table["go_no_go"] = choice.verdict
    queue_limit = next(g.limit for g in DESIGN.metrics.guardrails if g.name == "review_queue_cards_per_day")
    plan_table.update(
        mode_prose.testing_sentences(data.has_cards, ladder.models[best], measured.values, queue_limit, plan_table)
    )
    if not data.has_cards:
        plan_table["transactions_per_arm"] = plan_table.pop("cards_per_arm")
        plan = plan.model_copy(update={"unit": "transaction"})
        plan_table["randomised_by"] = "transaction"
        plan_table.pop("cards_per_arm_basis", None)
        plan_table["transactions_per_arm_basis"] = (
            "each transaction is its own unit: transactions_per_arm = frauds_per_arm / the test window's fraud share "
            f"of transactions ({plan_table['test_window_fraud_card_share']:.2%})"
        )
        plan_table["unit"] = (
            "transaction: the file names no cards, so each transaction is randomised on its own and the card "
            "clustering of frauds (the design effect) cannot be measured"
        )
    plan_table.update(choice.figures)
    within = policies.test.get("threshold within both guardrails")
    plan_table["within_queue_said"] = (
        policy_choice.queue_said(within).replace("sending", "sends", 1) if within else "is not built on this run"
    )
    if not_applicable:
        plan_table["behavioural_checks_not_applicable"] = "; ".join(not_applicable)
    plan_table.update(_honest_figures(ladder, trained, test, policies.test[treatment], plan_table, data.has_cards))
    if plan_table["money_vs_control"].startswith("on money the treatment loses"):
        plan_table["go_no_go"] += (
            ", on the recall the test is sized for; on money it loses to today's control, so hold it until a "
            "policy beats that control on the validation window"
        )
    if choice.chosen is None:
        plan_table["treatment"] = (
            f"none yet: no measured policy built on {best} keeps both guardrails on the validation window (sized "
            "below for its cost threshold, for reference)"
        )
    elif choice.chosen != policy_choice.DEPLOYED:
        plan_table["treatment"] = f"the '{choice.chosen}' policy built on {best}, chosen on the validation window"
    if best == ladder.naive:  # the ladder keeps today's rules engine: treatment and control are the same
        plan_table["treatment"] = (
            f"none: the deployed model {best} is the rules engine running today, so there is no change to test "
            "(sized below for reference only)"
        )
        plan = plan.model_copy(update={"treatment": plan_table["treatment"]})
    return TestingResult(
        behavioural=checks,
        slices=slices,
        ab_test=plan_table,
        ab_plan=plan,
        guardrails=measured,
    )


def expert_slices(
    ctx: RunContext[FraudConfig], data: FraudData, trained: FraudModels, ladder: LadderResult
) -> tuple[dict[str, dict[str, dict[str, float]]], decision_slices.PolicyTables]:
    """Calibration after undersampling, amount-aware decisions with a step-up, and selective labels (extra tables).

    Returns:
        The tables, and the decision policies (test and validation figures, test-window actions).
    """
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
    queue_limit = next(g.limit for g in DESIGN.metrics.guardrails if g.name == "review_queue_cards_per_day")
    val = data.tx[data.val_split.test]
    within = capacity.guardrail_threshold(val, trained.val_scores[best], limit, queue_limit)
    policies = decision_slices.policy_table(
        cfg, data, trained, best, isotonic, limit, within, ctx.rng("policy_bootstrap")
    )
    if not data.has_cards:  # each transaction would count as its own card: a queue in cards is not measured
        for table in (policies.test, policies.validation):
            for row in table.values():
                row.pop("review_queue_cards_per_day", None)
    out["decision policy"] = policies.test
    out["decision policy (validation window)"] = policies.validation
    out["decision bands (p x amount)"] = policies.bands
    others = [n for n in trained.fitted if n != best and n != ladder.naive]
    if others:
        challenger = min(others, key=lambda n: ladder.models[n]["expected_cost"])
        out["selective labels"], out["random-approve holdout"] = decision_slices.selective_label_tables(
            cfg,
            test,
            trained,
            best,
            challenger,
            capacity.review_queue(test, trained.alerted(best)).at_design,
            ctx.rng("holdout"),
        )
    return out, policies


def band_labels(edges: tuple[float, ...]) -> list[str]:
    """``<50, 50-100, 100-220, >=220`` for the edges ``0, 50, 100, 220, inf``."""
    inner = [f"{a:g}-{b:g}" for a, b in zip(edges[1:-2], edges[2:-1], strict=True)]
    return [f"<{edges[1]:g}", *inner, f">={edges[-2]:g}"]


def guardrails(test: pd.DataFrame, alerted: np.ndarray, model: str, cards: bool = True) -> Measured:
    """False-decline rate and review queue of the deployed model at its threshold, on the test window.

    The review queue is measured on card-days (card recall and legitimate cards alerted) and
    scaled to the design's active cards at the assumed production prevalence (see
    :mod:`cases.fraud.capacity`).

    Args:
        test: test-window transactions (``is_fraud``, ``day``, ``customer_id``).
        alerted: which of them the deployed model declines at its validation threshold.
        model: the deployed model's name.
        cards: False for anonymous data: the review queue counts cards, which it cannot measure there.
    """
    y = test["is_fraud"].to_numpy()
    legit = y == 0
    false_declines = float(alerted[legit].mean()) if legit.any() else 0.0
    if not cards:
        return Measured(
            values={"false_decline_rate": false_declines},
            details={
                "false_decline_rate": f"{model} at its validation threshold: {int(alerted[legit].sum()):,} of "
                f"{int(legit.sum()):,} legitimate test transactions declined",
                "review_queue_cards_per_day": "not measured: the file names no cards, so cards a day cannot be "
                "counted (the decision tables count each transaction as its own card)",
            },
        )
    q = capacity.review_queue(test, alerted)
    active = DESIGN.problem.constraints.daily_active_users
    return Measured(
        values={"false_decline_rate": false_declines, "review_queue_cards_per_day": q.at_design},
        details={
            "false_decline_rate": f"{model} at its validation threshold: {int(alerted[legit].sum()):,} of "
            f"{int(legit.sum()):,} legitimate test transactions declined",
            "review_queue_cards_per_day": f"{model} declines on {q.card_recall:.1%} of fraudulent and "
            f"{q.legit_card_alert_rate:.2%} of legitimate card-days of the test window; at {active:,} active "
            f"cards with {PRODUCTION_FRAUD_CARD_SHARE:.2%} fraudulent (assumed production prevalence; the "
            f"simulator has {q.simulated_fraud_card_share:.2%}) that is {q.at_design:,.0f} cards a day",
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


def equal_budget_recall(trained: FraudModels, control: str, budget: int, y: np.ndarray) -> float:
    """The control's recall when it declines its ``budget`` highest-scored test transactions."""
    if budget <= 0 or not y.any():
        return 0.0
    scores = np.asarray(trained.scores[control], dtype=float)
    order = np.argsort(-scores, kind="stable")[:budget]
    top = np.zeros(len(scores), bool)
    top[order] = scores[order] > scores.min()  # a constant scorer (never fraud) declines nothing
    return float(top[y].mean())


def ab_control(ladder: LadderResult) -> str:
    """What runs today, the A/B's control: the baseline, or the rules engine (the last naive rung).

    The rules engine is the control when the deployed model is the baseline or a naive rung
    itself (keeping or switching off the rules is then the change under test).
    """
    naive = set(DESIGN.models.names("naive"))
    return ladder.naive if ladder.best == ladder.baseline or ladder.best in naive else ladder.baseline


def ab_plan(
    ladder: LadderResult,
    trained: FraudModels,
    test: pd.DataFrame,
    delay_days: float,
    holdout_share: float = 0.01,
    actions: np.ndarray | None = None,
    policy: str = policy_choice.DEPLOYED,
    step_up_pass: float = 0.1,
) -> tuple[AbPlan, dict[str, Any]]:
    """Cards and days needed to detect a recall lift of ``MDE`` over what runs in production today.

    The treatment is the decision policy that goes live (``actions``: approve, step-up or
    decline per test transaction; the deployed model at its cost threshold when None). The
    control is what runs today (``ab_control``). Both arms challenge the same number of transactions
    (the control declines as many as the treatment declines or steps up), so a recall lift
    cannot be bought with more interventions; the control's offline recall is read at that
    budget. The effect is the chosen minimum detectable recall lift ``MDE`` (absolute, in
    recall), never the lift seen offline. Days are planned at the assumed production prevalence,
    not the simulator's. Frauds are the measured units but cards are
    randomised, and a compromised card makes several frauds whose catches are correlated: the
    sample is inflated by the design effect ``1 + (m - 1) rho`` (m frauds per fraudulent card,
    size-weighted; rho the intra-card correlation of the control's catches on the test window).

    Args:
        ladder: the ladder (roles and the deployed model).
        trained: test scores and thresholds of every model.
        test: test-window transactions.
        delay_days: label delay: the read-out waits for it.
        holdout_share: share of declines approved at random for labels.
        actions: the treatment policy's action per test transaction.
        policy: the treatment policy's name.
        step_up_pass: share of stepped-up frauds that get through (a stepped-up fraud is caught otherwise).

    Returns:
        The plan, and the table the report prints.
    """
    if actions is None:
        actions = decisions.threshold_actions(trained.scores[ladder.best], trained.thresholds[ladder.best])
    declines, step_ups = int(np.sum(actions == decisions.DECLINE)), int(np.sum(actions == decisions.STEP_UP))
    control = ab_control(ladder)
    y = test["is_fraud"].to_numpy() == 1
    cards = test["customer_id"].to_numpy()
    caught = trained.alerted(control)[y]
    p1 = min(max(equal_budget_recall(trained, control, declines + step_ups, y), MIN_RECALL), 0.999 - MDE)
    stopped = np.where(actions == decisions.DECLINE, 1.0, np.where(actions == decisions.STEP_UP, 1 - step_up_pass, 0.0))
    treatment_recall = float(stopped[y].mean()) if y.any() else 0.0
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
    sim_traffic_days = frauds / (DESIGN.problem.capacity.requests_per_day * fraud_rate * TREATMENT_SHARE)
    fraud_card_days = test.loc[y, ["day", "customer_id"]].drop_duplicates().shape[0]
    frauds_per_card_day = float(y.sum()) / fraud_card_days if fraud_card_days else 1.0
    production_frauds_per_day = (
        DESIGN.problem.constraints.daily_active_users * PRODUCTION_FRAUD_CARD_SHARE * frauds_per_card_day
    )
    traffic_days = frauds / (production_frauds_per_day * TREATMENT_SHARE)
    card_days_total = test[["day", "customer_id"]].drop_duplicates().shape[0]
    days = whole_weeks(traffic_days, 1.0)
    plan = AbPlan(
        metric=f"fraud caught rate (recall on confirmed frauds; the effect is absolute, +{MDE * 100:g} percentage "
        "points) at an equal decline budget",
        control=control,
        treatment=ladder.best if policy == policy_choice.DEPLOYED else f"{ladder.best} with the '{policy}' policy",
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
        "randomised_by": "card",
        "primary_online_metric": plan.metric,
        "control": plan.control if control == ladder.baseline else f"{control}, the rules engine running today",
        "treatment": plan.treatment,
        "equal_budget": "the control's threshold is set so it declines as many transactions as the treatment "
        "declines or steps up (an equal challenge budget)",
        "treatment_policy": policy,
        "treatment_declines_offline": declines,
        "treatment_step_ups_offline": step_ups,
        "treatment_decline_rate": declines / max(len(y), 1),
        "treatment_step_up_rate": step_ups / max(len(y), 1),
        "treatment_recall_offline": treatment_recall,
        "control_budget_offline": declines + step_ups,
        "control_recall_offline": p1,
        "minimum_detectable_lift": MDE,
        "mde_percentage_points": round(MDE * 100, 6),
        "secondary": "expected cost per card (missed fraud amounts + review cost)",
        "alpha": ALPHA,
        "power": POWER,
        "frauds_per_fraudulent_card": round(frauds_per_card, 2),
        "intra_card_correlation": round(rho, 3),
        "design_effect": plan.design_effect,
        "frauds_per_arm": frauds,
        "cards_per_arm": per_arm,
        "treatment_traffic_share": TREATMENT_SHARE,
        "frauds_per_fraudulent_card_day": round(frauds_per_card_day, 3),
        "production_fraud_card_share": PRODUCTION_FRAUD_CARD_SHARE,
        "simulated_fraud_card_share": fraud_card_days / max(card_days_total, 1),
        "production_fraud_cards_per_day": DESIGN.problem.constraints.daily_active_users * PRODUCTION_FRAUD_CARD_SHARE,
        "days_of_traffic_needed": round(traffic_days, 3),
        "days_at_simulator_prevalence": round(sim_traffic_days, 3),
        "test_window_days": int(test["day"].nunique()),
        "mean_frauds_per_fraudulent_card": round(mean_frauds_per_card, 3),
        "test_window_fraud_card_share": fraud_card_share,
        "cards_per_arm_basis": f"one basis, the whole {int(test['day'].nunique())}-day test window: cards_per_arm = "
        f"frauds_per_arm / mean frauds per fraudulent card over the window ({mean_frauds_per_card:.2f}, unweighted; "
        f"the design effect uses the size-weighted {frauds_per_card:.2f}) / share of the window's cards with at "
        f"least one fraud ({fraud_card_share:.2%}); simulated_fraud_card_share "
        f"({fraud_card_days / max(card_days_total, 1):.2%}) "
        "is per card-day (a daily share) and is not used here. The days are planned at the assumed production "
        "prevalence, which needs far more traffic for the same frauds",
        "days_planned": days,
        "read_out_after_days": days + delay_days,
        "labels": f"declined frauds never charge back and investigations follow each arm's alerts: both arms "
        f"approve a random {holdout_share:.0%} of their declines (propensity logged) and recall is "
        f"estimated from the weighted labels. At {holdout_share:.0%} the holdout yields about "
        f"{holdout_share * declines:.1f} labels per {int(test['day'].nunique())}-day test window (the tested "
        f"policy's {declines:,} declines; the random-approve table counts the deployed threshold's alerts "
        f"instead); each inverse-propensity weight is {1 / holdout_share:.0f}x, so the declining arm's recall "
        "rests on about "
        f"{holdout_share:.0%} of its declined frauds (effective sample about the share times the declined frauds) "
        "and the sizing above cannot measure it as planned. Labels must come another way: cardholders confirm "
        "declines (app or SMS), step-up outcomes, chargebacks on approvals; or the primary metric becomes fraud "
        "loss on approved traffic plus the decline rate, which needs no holdout",
        "guardrails": "false-decline rate, review queue, scoring p99, failover drill",
    }
    return plan, table


def _honest_figures(
    ladder: LadderResult,
    trained: FraudModels,
    test: pd.DataFrame,
    row: dict[str, float],
    table: dict[str, Any],
    cards: bool = True,
) -> dict[str, Any]:
    """The treatment against today's control on money, guardrail bounds and the A/B on one (production) basis."""
    control = ab_control(ladder)
    legit = int((test["is_fraud"].to_numpy() == 0).sum())
    limits = {g.name: g.limit for g in DESIGN.metrics.guardrails}
    arm_cards = DESIGN.problem.constraints.daily_active_users * TREATMENT_SHARE
    days = table["days_of_traffic_needed"]
    return {
        "money_vs_control": ab_honesty.money_verdict(
            row["expected_cost"],
            control,
            ladder.models[control]["expected_cost"],
            float(trained.alerted(control).sum()),
        ),
        **ab_honesty.guardrail_bounds(
            row, legit, limits["false_decline_rate"], limits["review_queue_cards_per_day"], cards
        ),
        "production_basis": f"one basis, production: {table['frauds_per_arm']:,} frauds per arm take the whole "
        f"{TREATMENT_SHARE:.0%} arm (about {arm_cards:,.0f} active cards a day) for about {days:.0f} days at the "
        "assumed production prevalence; the cards-per-arm count is the simulator's (its cards are far denser in "
        "fraud) and understates production's"
        if cards
        else "assumed production prevalence; the file names no cards, so cards per arm and the card clustering "
        "of frauds are not measured on this data (each transaction is counted as its own card)",
    }
