"""The simulator's expected fraud rate from its knobs, and the knobs that scale it to a target rate (e.g. ~0.1%)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.special import ndtr

REALISTIC_FRAUD_RATE = 0.001  # card fraud in production is about 0.1% of transactions (the handbook runs ~0.8%)
# The simulator's spending profiles: each customer's mean amount is uniform on this range, its spread half the mean.
MEAN_AMOUNT_RANGE = (5.0, 100.0)
_MEANS = np.linspace(*MEAN_AMOUNT_RANGE, 2001)


def outlier_share(threshold: float | np.ndarray) -> np.ndarray:
    """Expected share of legitimate amounts above ``threshold`` (amounts ~ Normal(m, m / 2), m uniform)."""
    t = np.atleast_1d(np.asarray(threshold, np.float64))[:, None]
    return 1 - ndtr((t - _MEANS) / (_MEANS / 2)).mean(axis=1)


def _active_days(per_day: float, days_each: float, n_days: float) -> float:
    """Entity-days under compromise: ``per_day`` new ones a day for ``days_each`` days each, cut at the end."""
    d = min(days_each, n_days)
    return per_day * (n_days * d - d * d / 2)


def expected_rate(knobs: Mapping[str, float]) -> dict[str, float]:
    """Expected share of transactions per fraud scenario (and ``total``) for a simulator setting.

    A compromised terminal makes every transaction on it fraud while it is compromised; a
    compromised card makes ``card_fraud_share`` of its transactions fraud; amounts above
    ``outlier_amount`` are fraud. Terminals and cards are used evenly, so each scenario's share
    is its share of entity-days under compromise (the ramp-up at the simulation's end included).
    """
    n_days = float(knobs["n_days"])
    terminal = _active_days(knobs["compromised_terminals_per_day"], knobs["terminal_compromise_days"], n_days)
    card = _active_days(knobs["compromised_cards_per_day"], knobs["card_compromise_days"], n_days)
    shares = {
        "amount outlier": float(outlier_share(knobs["outlier_amount"])[0]),
        "compromised terminal": min(terminal / (knobs["n_terminals"] * n_days), 1.0),
        "compromised card": min(card / (knobs["n_customers"] * n_days), 1.0) * knobs["card_fraud_share"],
    }
    return {**shares, "total": sum(shares.values())}


def scaled_knobs(knobs: Mapping[str, float], target: float) -> dict[str, float]:
    """The scenario knobs that bring the expected fraud rate to ``target``, every scenario scaled alike.

    Compromised terminals and cards per day are multiplied by ``target / expected``; the outlier
    amount moves so that the outlier share is multiplied by the same factor (the scenario mix
    stays the handbook's).
    """
    factor = target / max(expected_rate(knobs)["total"], 1e-12)
    grid = np.geomspace(1.0, 1e4, 4000)
    share = outlier_share(grid)  # decreasing in the threshold
    wanted = factor * float(outlier_share(knobs["outlier_amount"])[0])
    keep = share > 0
    outlier = float(np.exp(np.interp(np.log(wanted), np.log(share[keep][::-1]), np.log(grid[keep][::-1]))))
    return {
        "compromised_terminals_per_day": knobs["compromised_terminals_per_day"] * factor,
        "compromised_cards_per_day": knobs["compromised_cards_per_day"] * factor,
        "outlier_amount": round(outlier, 2),
    }
