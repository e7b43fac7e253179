"""The review queue at the design's volume, and the threshold that keeps both decision guardrails.

The simulated portfolio is far more fraud-dense than a production one (about one card in a
hundred has a fraud on a given day), so scaling its alerted cards straight to the design's
20 M cards would size the queue by the simulator's prevalence. Instead the queue is split into
its two parts, each measured on card-days of the window and scaled separately:

    cards reviewed per day = active cards x (P x card recall + (1 - P) x legit card alert rate)

with ``P`` the assumed production share of active cards that have a fraud on a day
(:data:`cases.fraud.design.PRODUCTION_FRAUD_CARD_SHARE`). A card-day is alerted when any of
its transactions that day is declined; it is fraudulent when any of them is a fraud.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cases.fraud.design import DESIGN, PRODUCTION_FRAUD_CARD_SHARE


@dataclass(frozen=True)
class Queue:
    """Review queue of one set of declines, measured on card-days and scaled to the design.

    Attributes:
        at_design: cards reviewed per day at the design's active cards and assumed prevalence.
        card_recall: share of fraudulent card-days with at least one decline.
        legit_card_alert_rate: share of legitimate card-days with at least one decline.
        simulated_fraud_card_share: share of the window's card-days that are fraudulent.
        cards_per_day: distinct declined cards per day on the window itself.
    """

    at_design: float
    card_recall: float
    legit_card_alert_rate: float
    simulated_fraud_card_share: float
    cards_per_day: float


def card_days(frame: pd.DataFrame, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per (day, card): whether it is fraudulent, and the largest of ``values`` on it."""
    grouped = pd.DataFrame(
        {"day": frame["day"].to_numpy(), "card": frame["customer_id"].to_numpy(), "y": frame["is_fraud"].to_numpy()}
    ).assign(v=np.asarray(values, dtype=float))
    per = grouped.groupby(["day", "card"], sort=False).agg(y=("y", "max"), v=("v", "max"))
    return per["y"].to_numpy() == 1, per["v"].to_numpy()


def at_design(card_recall: float, legit_card_alert_rate: float) -> float:
    """Cards reviewed per day at the design's active cards, at the assumed production prevalence."""
    p = PRODUCTION_FRAUD_CARD_SHARE
    return DESIGN.problem.constraints.daily_active_users * (p * card_recall + (1 - p) * legit_card_alert_rate)


def review_queue(frame: pd.DataFrame, declined: np.ndarray) -> Queue:
    """The queue that ``declined`` (one flag per row of ``frame``) sends to investigators."""
    fraud, alerted = card_days(frame, np.asarray(declined, dtype=float))
    hit = alerted > 0
    recall = float(hit[fraud].mean()) if fraud.any() else 0.0
    legit_rate = float(hit[~fraud].mean()) if (~fraud).any() else 0.0
    days = max(frame["day"].nunique(), 1)
    return Queue(
        at_design=at_design(recall, legit_rate),
        card_recall=recall,
        legit_card_alert_rate=legit_rate,
        simulated_fraud_card_share=float(fraud.mean()) if len(fraud) else 0.0,
        cards_per_day=float(hit.sum()) / days,
    )


def guardrail_threshold(
    frame: pd.DataFrame, scores: np.ndarray, false_decline_limit: float, queue_limit: float
) -> float:
    """The lowest threshold at which ``frame`` (the validation window) keeps both guardrails.

    Both the false-decline rate and the queue fall as the threshold rises, so the answer is
    the smallest candidate score meeting both; ``inf`` (decline nothing) when none does.
    """
    scores = np.asarray(scores, dtype=float)
    legit = np.sort(scores[frame["is_fraud"].to_numpy() == 0])
    fraud_days, top = card_days(frame, scores)
    legit_days, fraud_top = np.sort(top[~fraud_days]), np.sort(top[fraud_days])
    candidates = np.unique(scores)
    fd = 1 - np.searchsorted(legit, candidates, side="left") / max(len(legit), 1)
    legit_rate = 1 - np.searchsorted(legit_days, candidates, side="left") / max(len(legit_days), 1)
    recall = 1 - np.searchsorted(fraud_top, candidates, side="left") / max(len(fraud_top), 1)
    p, cards = PRODUCTION_FRAUD_CARD_SHARE, DESIGN.problem.constraints.daily_active_users
    queue = cards * (p * recall + (1 - p) * legit_rate)
    ok = np.flatnonzero((fd <= false_decline_limit) & (queue <= queue_limit))
    return float(candidates[ok[0]]) if len(ok) else float("inf")
