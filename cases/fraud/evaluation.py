"""Offline metrics of one model's scores on a window, with the cost-chosen threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd

from framework import metrics

CARD_K = 100  # cards an investigation team can check per day (the handbook's setting)


def card_codes(frame: pd.DataFrame) -> np.ndarray:
    """Integer code per card, in order of first appearance (groups and breaks ties exactly like the ids)."""
    return pd.factorize(frame["customer_id"])[0]


def evaluate(
    frame: pd.DataFrame, scores: np.ndarray, threshold: float, review_cost: float, max_fpr: float, cards: bool = True
) -> dict[str, float]:
    """Every offline metric of the design for ``scores`` on ``frame``.

    Args:
        frame: evaluated transactions with ``is_fraud``, ``amount``, ``day`` and ``customer_id``.
        scores: the model's scores for those rows.
        threshold: alert threshold (chosen on the validation window).
        review_cost: cost of one alert.
        max_fpr: false-positive rate at which recall is read.
        cards: False when the transactions name no cards (anonymous data): the card precisions are
            left out rather than reported as a fake zero.

    Returns:
        Metric name -> value, named as in the design's MetricsSpec.
    """
    y = frame["is_fraud"].to_numpy()
    amounts = frame["amount"].to_numpy()
    out = {
        "average_precision": metrics.average_precision(y, scores),
        "roc_auc": metrics.roc_auc(y, scores),
        "card_precision_at_100": metrics.card_precision_at_k(
            frame["day"].to_numpy(), frame["customer_id"].to_numpy(), y, scores, k=CARD_K
        ),
        "card_precision_at_100_blocked": metrics.card_precision_at_k_blocked(
            frame["day"].to_numpy(), frame["customer_id"].to_numpy(), y, scores, k=CARD_K
        ),
        "recall_at_fpr": metrics.recall_at_fpr(y, scores, max_fpr=max_fpr),
        "expected_cost": metrics.expected_cost(y, scores, threshold, amounts, review_cost),
        "accuracy": metrics.accuracy_at_threshold(y, scores, threshold),
    }
    return out if cards else {k: v for k, v in out.items() if not k.startswith("card_precision")}


def cost_per_transaction(frame: pd.DataFrame, scores: np.ndarray, threshold: float, review_cost: float) -> np.ndarray:
    """What each transaction costs at ``threshold``: its amount when a fraud is missed, ``review_cost`` when alerted.

    The per-unit values the deployed model is chosen by; they sum to ``expected_cost``.
    """
    alerted = scores >= threshold
    missed = (frame["is_fraud"].to_numpy() == 1) & ~alerted
    return np.where(alerted, float(review_cost), np.where(missed, frame["amount"].to_numpy(np.float64), 0.0))


def daily_card_precision(frame: pd.DataFrame, scores: np.ndarray, k: int = CARD_K) -> pd.Series:
    """Card precision@k of each day (the per-day values that ``card_precision_at_100`` averages).

    One grouped pass over every day at once (not one metric call per day), equal to
    :func:`framework.metrics.card_precision_at_k` on each day's rows: same per-card maxima,
    same first-appearance tie-break.
    """
    per_card = (
        pd.DataFrame(
            {
                "day": frame["day"].to_numpy(),
                "card": card_codes(frame),
                "y": frame["is_fraud"].to_numpy().astype(np.int64),
                "s": np.asarray(scores, dtype=float),
            }
        )
        .groupby(["day", "card"], sort=False)
        .agg(y=("y", "max"), s=("s", "max"))
        .reset_index()
        .sort_values(["day", "s"], ascending=[True, False], kind="mergesort")
    )
    daily = per_card.groupby("day", sort=False).head(k).groupby("day")["y"].sum() / k
    daily.index = daily.index.astype(int).rename(None)
    return daily.rename("card_precision").sort_index()


def flag_rate(scores: np.ndarray, threshold: float) -> float:
    """Share of rows alerted at ``threshold`` (0 for an empty slice)."""
    return float(np.mean(scores >= threshold)) if len(scores) else 0.0
