"""Step 6 of the fraud case: fit the ladder, choose thresholds by cost on validation, score the test window."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from cases.fraud import plots
from cases.fraud.artifacts import FraudData, FraudFeatures, FraudModels
from cases.fraud.config import FraudConfig
from cases.fraud.design import DESIGN
from cases.fraud.evaluation import cost_per_transaction, daily_card_precision, evaluate
from cases.fraud.models import (
    AmountRule,
    LadderModel,
    Logistic,
    NeverFraud,
    TreeEnsemble,
    choose_threshold,
    oracle_scores,
)
from framework.case import RunContext
from framework.ladder import build_ladder
from framework.results import LadderResult

ORACLE_THRESHOLD = 0.5  # the oracle scores 0 or 1


def _ladder(cfg: FraudConfig, seed: int) -> dict[str, LadderModel]:
    """Fresh, unfitted models of every candidate rung, in the design's ladder order."""
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


def models(ctx: RunContext[FraudConfig], data: FraudData, features: FraudFeatures) -> tuple[LadderResult, FraudModels]:
    """Fit the ladder on the training window; thresholds by cost on the validation window; score the test window.

    The deployed model is the framework's choice on expected cost (the design's decision
    metric), from each model's cost per test transaction.
    """
    cfg = ctx.config
    tx, X, main, val = data.tx, features.X, data.split, data.val_split
    y = tx["is_fraud"].to_numpy()
    amounts = tx["amount"].to_numpy()
    seed = int(ctx.rng("tree_ensemble").integers(2**31 - 1))
    test = tx[main.test]
    scores: dict[str, np.ndarray] = {}
    thresholds: dict[str, float] = {}
    fitted: dict[str, LadderModel] = {}
    val_scores: dict[str, np.ndarray] = {}
    with threadpool_limits(1):
        for name, model in _ladder(cfg, seed).items():
            # The validation copy is fitted delay + test days earlier, so its scores on the
            # validation window only use labels released before the test window starts.
            val_model = _ladder(cfg, seed)[name].fit(X[val.train], y[val.train])
            vs = val_scores[name] = val_model.score(X[val.test])
            thresholds[name] = choose_threshold(y[val.test], vs, amounts[val.test], cfg.review_cost)
            fitted[name] = model.fit(X[main.train], y[main.train])
            scores[name] = fitted[name].score(X[main.test])
            if cfg.threshold_window == "test":  # the monday-report drill: tuned on the window it is scored on
                thresholds[name] = choose_threshold(y[main.test], scores[name], amounts[main.test], cfg.review_cost)
    units = {n: cost_per_transaction(test, s, thresholds[n], cfg.review_cost) for n, s in scores.items()}
    if data.synthetic:  # real data has no generator truth: no oracle, rather than a perfect copy of the labels
        oracle = DESIGN.models.names("oracle")[0]
        scores[oracle] = oracle_scores(tx, data.compromised_terminals, cfg.outlier_amount)[main.test]
        thresholds[oracle] = ORACLE_THRESHOLD
    results = {
        n: evaluate(test, s, thresholds[n], cfg.review_cost, cfg.max_fpr, data.has_cards) for n, s in scores.items()
    }

    # never_fraud scores a constant: no curve to draw.
    drawn = {n: s for n, s in scores.items() if n != "never_fraud"}
    plots.precision_recall(
        test["is_fraud"].to_numpy(),
        drawn,
        {n: r["average_precision"] for n, r in results.items()},
        ctx.add_plot(6, "precision_recall.png", "Precision-recall curve per model on the test window."),
    )
    if data.has_cards:  # anonymous data names no cards: no card precision to draw
        plots.card_precision_per_day(
            {n: daily_card_precision(test, s) for n, s in drawn.items()},
            ctx.add_plot(6, "card_precision_per_day.png", "Card precision@100 per test day, per model."),
        )
    ladder = build_ladder(
        DESIGN,
        models=results,
        decision_units=units,
        rng=ctx.rng("bootstrap"),
        notes=_notes(cfg, data, results, thresholds),
    )
    return ladder, FraudModels(fitted=fitted, scores=scores, thresholds=thresholds, val_scores=val_scores)


def _notes(
    cfg: FraudConfig, data: FraudData, results: dict[str, dict[str, float]], thresholds: dict[str, float]
) -> dict[str, str]:
    """One line per model for the report."""
    never = results["never_fraud"]
    tree = (
        f"histogram gradient boosting on all frauds + {cfg.tree_negative_fraction:.0%} of legit rows"
        if cfg.tree_model == "hgb"
        else "random forest with balanced class weights"
    )
    notes = {
        "never_fraud": f"scores 0 and alerts nothing: accuracy {never['accuracy']:.4f} yet recall 0 and "
        + (
            "the highest cost"
            if never["expected_cost"] >= max(r["expected_cost"] for r in results.values())
            else "a cost of"
        )
        + f" ({never['expected_cost']:,.0f}) - accuracy misleads at this imbalance",
        "amount_rule": f"alert above amount {thresholds['amount_rule']:.2f} (chosen by cost on validation)",
        "logistic_regression": "standardised features + L2 logistic regression; threshold "
        f"{thresholds['logistic_regression']:.4f}",
        "tree_ensemble": f"{tree}; threshold {thresholds['tree_ensemble']:.4f}",
    }
    if data.synthetic:
        notes["oracle"] = (
            "simulator truth: compromised terminal windows, the fraudster's card transactions, amount outliers; "
            "every label is a function of these, so the true fraud probability is 0 or 1 and no ranking beats it. "
            "It reads hidden state no deployable model has (which terminal is compromised right now), so the "
            "ratio deployed/oracle below is a bound, not headroom"
        )
    return notes
