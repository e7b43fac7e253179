"""Adversarial adaptation: after deployment, some card fraudsters keep their amounts under the model's alert.

A share of the compromised cards of a monitoring window is run by fraudsters who probe the
deployed model: for each fraudulent transaction they try a ladder of smaller amounts and keep
the largest one the model does not alert on (or the full amount when none evades). The probe
moves only that row's amount and its own customer averages; the measured figures then rebuild
the customer features of the adapted cards exactly and rescore them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cases.fraud.features import WINDOWS, build_features
from cases.fraud.simulator import CARD

# Amount factors a fraudster tries, largest first.
STEPS: tuple[float, ...] = (1.0, 0.8, 0.6, 0.45, 0.3, 0.2, 0.1)
CUSTOMER_COLUMNS = [f"customer_{kind}_{w}d" for w in WINDOWS for kind in ("nb_tx", "avg_amount")]


@dataclass(frozen=True)
class Adaptation:
    """A window after adaptation.

    Attributes:
        tx: the window's transactions with the adapted amounts.
        X: their features, customer windows rebuilt.
        scores: the deployed model's scores of the adapted window.
        adapted: rows whose fraudster adapts (card frauds of the adapted cards).
        n_cards: cards whose fraudster adapts.
    """

    tx: pd.DataFrame
    X: pd.DataFrame
    scores: np.ndarray
    adapted: np.ndarray
    n_cards: int


def _probe(X: pd.DataFrame, score: Callable[[pd.DataFrame], np.ndarray], threshold: float) -> np.ndarray:
    """Per row, the largest factor of :data:`STEPS` the model does not alert on (1.0 when none)."""
    amount = X["amount"].to_numpy()
    tries = []
    for f in STEPS:
        new = np.round(amount * f, 2)
        cand = X.assign(amount=new)
        for w in WINDOWS:  # the row's own customer averages include its amount
            count = X[f"customer_nb_tx_{w}d"].to_numpy()
            cand[f"customer_avg_amount_{w}d"] = X[f"customer_avg_amount_{w}d"].to_numpy() + (new - amount) / count
        tries.append(cand)
    scores = score(pd.concat(tries, ignore_index=True)).reshape(len(STEPS), len(X))
    evades = scores < threshold
    first = np.argmax(evades, axis=0)
    return np.where(evades.any(axis=0), np.asarray(STEPS)[first], 1.0)


def adapt(
    tx: pd.DataFrame,
    X: pd.DataFrame,
    window: np.ndarray,
    score: Callable[[pd.DataFrame], np.ndarray],
    threshold: float,
    share: float,
    delay_days: int,
    rng: np.random.Generator,
) -> Adaptation:
    """Let ``share`` of the window's compromised cards adapt to the deployed model.

    Args:
        tx: the whole monitoring simulation (history is needed for the customer windows).
        X: its features.
        window: rows of the window the adaptation happens in.
        score: the deployed model's scoring function.
        threshold: its alert threshold (alert when ``score >= threshold``).
        share: share of the window's compromised cards whose fraudster adapts.
        delay_days: label delay, to rebuild features.
        rng: picks the adapted cards.
    """
    card_fraud = window & (tx["scenario"].to_numpy() == CARD)
    cards = np.unique(tx.loc[card_fraud, "customer_id"].to_numpy())
    n_cards = int(round(share * len(cards)))
    chosen = rng.choice(cards, n_cards, replace=False) if n_cards else cards[:0]
    adapted = card_fraud & tx["customer_id"].isin(chosen).to_numpy()
    amount = tx["amount"].to_numpy().copy()
    if adapted.any() and np.isfinite(threshold):
        factor = _probe(X[adapted], score, threshold)
        amount[adapted] = np.where(factor < 1, np.round(amount[adapted] * factor, 2), amount[adapted])
    new_tx = tx.assign(amount=amount)
    new_X = X.copy()
    # Customer windows read only the card's own rows: rebuild them on the adapted cards' history.
    own = tx["customer_id"].isin(chosen).to_numpy()
    if own.any():
        rebuilt = build_features(new_tx[own], delay_days)
        new_X.loc[own, CUSTOMER_COLUMNS] = rebuilt[CUSTOMER_COLUMNS].to_numpy()
        new_X.loc[own, "amount"] = amount[own]
    scores = score(new_X[window])
    return Adaptation(tx=new_tx[window], X=new_X[window], scores=scores, adapted=adapted[window], n_cards=n_cards)


def recall(y: np.ndarray, alerted: np.ndarray) -> float:
    """Share of the frauds in ``y`` that are alerted (0 when there are none)."""
    return float(alerted[y == 1].mean()) if (y == 1).any() else 0.0


def stolen(y: np.ndarray, amounts: np.ndarray, alerted: np.ndarray) -> float:
    """Fraud amount that goes through unalerted."""
    return float(amounts[(y == 1) & ~alerted].sum())
