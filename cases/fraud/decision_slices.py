"""Step 7's measured extras: calibration after undersampling, amount-aware three-action decisions, selective labels.

Each function returns report tables (``TestingResult.slices``); none changes a ladder number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cases.fraud import calibration, capacity, decisions
from cases.fraud.artifacts import FraudData, FraudModels
from cases.fraud.config import FraudConfig
from cases.fraud.models import TreeEnsemble
from cases.fraud.selective_labels import selective_labels
from framework.ladder import paired_bootstrap

CALIBRATED = ("logistic_regression", "tree_ensemble")  # the rungs that output probabilities
LARGER_HOLDOUT = 0.1  # a holdout big enough for this small portfolio, to show the estimator converge
HOLDOUT_DRAWS = 1000
GUARDRAIL_POLICY = "threshold within both guardrails"

Table = dict[str, dict[str, float]]


def undersampling_beta(model: TreeEnsemble, y_train: np.ndarray) -> float:
    """The share of legitimate rows the tree effectively trained on, relative to the frauds.

    Boosting keeps ``negative_fraction`` of them; the forest's balanced class weights scale the
    legitimate rows by (frauds / legitimate rows).
    """
    if model.kind == "hgb":
        return float(model.negative_fraction)
    frauds = float((y_train == 1).sum())
    legit = float((y_train == 0).sum())
    return frauds / legit if frauds and legit else 1.0


def calibration_tables(data: FraudData, trained: FraudModels) -> tuple[Table, Table, dict[str, Callable]]:
    """Brier score and calibration error on the test window, raw and after each correction fitted on validation.

    Returns:
        The summary (one row per model and method), the tree's reliability table (raw vs
        prior-corrected, per predicted-probability bin), and each calibrated rung's isotonic map.
    """
    y = data.tx["is_fraud"].to_numpy()
    y_test, y_val = y[data.split.test], y[data.val_split.test]
    summary: Table = {}
    maps: dict[str, Callable] = {}
    reliability: Table = {}
    for name in (n for n in CALIBRATED if n in trained.val_scores):
        raw, val = trained.scores[name], trained.val_scores[name]
        summary[f"{name} raw"] = calibration.calibration_summary(y_test, raw)
        model = trained.fitted[name]
        if isinstance(model, TreeEnsemble):
            beta = undersampling_beta(model, y[data.split.train])
            corrected = calibration.prior_correction(raw, beta)
            summary[f"{name} prior-corrected"] = {
                **calibration.calibration_summary(y_test, corrected),
                "beta": beta,
            }
            reliability = _side_by_side(
                calibration.reliability(y_test, raw), calibration.reliability(y_test, corrected)
            )
        maps[name] = calibration.fit_isotonic(val, y_val)
        summary[f"{name} isotonic"] = calibration.calibration_summary(y_test, maps[name](raw))
    for row in summary.values():
        row.setdefault("beta", 1.0)
    return summary, reliability, maps


def _side_by_side(raw: Table, corrected: Table) -> Table:
    """One row per probability bin with the raw and the corrected figures (0 where a bin is empty)."""
    table: Table = {}
    for edges in calibration.bin_labels():
        r, c = raw.get(edges, {}), corrected.get(edges, {})
        if r or c:
            table[edges] = {
                "raw_rows": r.get("rows", 0.0),
                "raw_predicted": r.get("mean_predicted", 0.0),
                "raw_fraud_rate": r.get("fraud_rate", 0.0),
                "corrected_rows": c.get("rows", 0.0),
                "corrected_predicted": c.get("mean_predicted", 0.0),
                "corrected_fraud_rate": c.get("fraud_rate", 0.0),
            }
    return table


@dataclass(frozen=True)
class PolicyTables:
    """The decision policies measured on the test and on the validation window.

    Attributes:
        test: policy -> cost and guardrails on the test window, with the saving against the
            deployed threshold and its bootstrap interval.
        validation: policy -> cost and guardrails on the validation window (the amount-aware
            policies on out-of-fold calibrated probabilities): what the policy is chosen on.
        bands: the amount-aware policies' bands of ``p x amount``.
        actions: policy -> action of every test-window transaction (what an A/B arm would do).
    """

    test: Table
    validation: Table
    bands: Table
    actions: dict[str, np.ndarray]


def policy_actions(
    scores: np.ndarray, p: np.ndarray, amounts: np.ndarray, costs: decisions.ActionCosts, thresholds: dict[str, float]
) -> dict[str, np.ndarray]:
    """Every policy's action per row of one window.

    Args:
        scores: the deployed model's scores.
        p: their calibrated fraud probabilities.
        amounts: the amounts.
        costs: the action costs.
        thresholds: ``deployed`` (cost-chosen), ``capped`` (false-decline cap) and ``guardrail``
            (both guardrails), all chosen on the validation window.
    """
    return {
        "deployed threshold": decisions.threshold_actions(scores, thresholds["deployed"]),
        "approve or decline by p x amount": decisions.two_actions(p, amounts, costs.decline_cost),
        "approve, step-up or decline": decisions.three_actions(p, amounts, costs),
        "threshold capped at the false-decline limit": decisions.threshold_actions(scores, thresholds["capped"]),
        GUARDRAIL_POLICY: decisions.threshold_actions(scores, thresholds["guardrail"]),
    }


def _summaries(frame: pd.DataFrame, actions: dict[str, np.ndarray], costs: decisions.ActionCosts) -> Table:
    """Cost and guardrail figures of each policy on ``frame`` (queue at the design's volume)."""
    y, amounts = frame["is_fraud"].to_numpy(), frame["amount"].to_numpy()
    return {
        name: decisions.policy_summary(
            a, y, amounts, costs, capacity.review_queue(frame, a == decisions.DECLINE).at_design
        )
        for name, a in actions.items()
    }


def policy_table(
    cfg: FraudConfig,
    data: FraudData,
    trained: FraudModels,
    deployed: str,
    isotonic: Callable,
    false_decline_limit: float,
    guardrail_threshold: float,
    rng: np.random.Generator,
) -> PolicyTables:
    """Cost and guardrails of the deployed model's single threshold and four alternatives, on validation and test.

    The alternatives act on the deployed model's probability calibrated on the validation window:
    approve/decline by ``p x amount`` against the decline cost, approve/step-up/decline by the
    cheapest expected action, a single threshold capped so that at most ``false_decline_limit``
    of the validation window's legitimate transactions are declined, and ``guardrail_threshold``
    (chosen on validation to keep both the false-decline and the review-queue guardrails).
    On the validation window the probabilities are calibrated out of fold (two halves of the
    cards), so the window that compares the policies did not calibrate the row it scores.
    Each policy's test-window saving against the deployed threshold comes with a 95% paired
    bootstrap interval over cards (a card's transactions are resampled together: its frauds correlate).
    """
    tx = data.tx
    test, val = tx[data.split.test], tx[data.val_split.test]
    y, amounts = test["is_fraud"].to_numpy(), test["amount"].to_numpy()
    val_y = val["is_fraud"].to_numpy()
    costs = decisions.ActionCosts(cfg.review_cost, cfg.step_up_cost, cfg.step_up_fraud_pass)
    scores, val_scores = trained.scores[deployed], trained.val_scores[deployed]
    thresholds = {
        "deployed": trained.thresholds[deployed],
        "capped": decisions.capped_threshold(val_scores[val_y == 0], false_decline_limit),
        "guardrail": guardrail_threshold,
    }
    policies = policy_actions(scores, isotonic(scores), amounts, costs, thresholds)
    folds = pd.factorize(val["customer_id"])[0] % 2
    val_p = calibration.cross_fitted(val_scores, val_y, folds)
    validation = _summaries(val, policy_actions(val_scores, val_p, val["amount"].to_numpy(), costs, thresholds), costs)
    cards = pd.factorize(test["customer_id"])[0]
    deployed_cost = np.bincount(cards, costs.realised(policies["deployed threshold"], y, amounts))
    table: Table = {}
    for name, row in _summaries(test, policies, costs).items():
        actions = policies[name]
        saving = deployed_cost - np.bincount(cards, costs.realised(actions, y, amounts), minlength=len(deployed_cost))
        diff, low, high = paired_bootstrap(saving, rng, total=True)
        table[name] = {**row, "saving_vs_deployed": diff, "saving_low": low, "saving_high": high}
    approve_below, decline_above = costs.bands()
    bands = {
        "approve or decline by p x amount": {"approve_below": costs.decline_cost, "decline_above": costs.decline_cost},
        "approve, step-up or decline": {"approve_below": approve_below, "decline_above": decline_above},
    }
    return PolicyTables(test=table, validation=validation, bands=bands, actions=policies)


def selective_label_tables(
    cfg: FraudConfig,
    test: pd.DataFrame,
    trained: FraudModels,
    deployed: str,
    challenger: str,
    declined_cards_per_day_at_design: float,
    rng: np.random.Generator,
) -> tuple[Table, Table]:
    """What declined-never-labelled does to evaluation, and what a random-approve holdout costs and buys.

    Returns:
        The estimates table (see :func:`selective_labels`) with rows named "configured holdout"
        and "larger holdout", and the holdout table: per holdout its share, labelled declined cards
        per day at the design's volume (the review queue's card-days at the assumed production
        prevalence, times the share), the labels it yields on the test window, and the fraud it
        lets through on the test window.
    """
    y, amounts = test["is_fraud"].to_numpy(), test["amount"].to_numpy()
    alerted = trained.alerted(deployed)
    shares = {"configured holdout": cfg.holdout_share, "larger holdout": max(LARGER_HOLDOUT, cfg.holdout_share)}
    estimates = selective_labels(y, alerted, trained.alerted(challenger), shares, HOLDOUT_DRAWS, rng)
    alerted_fraud_amount = float(amounts[alerted & (y == 1)].sum())
    holdout = {
        label: {
            "share": share,
            "labelled_per_day_at_design_volume": declined_cards_per_day_at_design * share,
            "labels_on_test_window": float(alerted.sum()) * share,
            "fraud_let_through_on_test_window": share * alerted_fraud_amount,
        }
        for label, share in shares.items()
    }
    return estimates, holdout
