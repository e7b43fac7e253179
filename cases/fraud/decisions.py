"""Amount-aware decisions on calibrated fraud probabilities: approve, step-up authentication, or decline.

Costs per transaction, in the currency of the amounts (the ladder's cost model plus a middle action):
approve costs the amount when it is a fraud; decline costs ``decline_cost`` (the ladder's review
cost of an alert) and stops the fraud; step-up costs ``step_up_cost`` of friction for everyone
asked, and a fraud gets through it with probability ``step_up_pass``. With a calibrated
probability ``p`` the cheapest action in expectation follows from ``x = p * amount`` alone:
approve while ``x < step_up_cost / (1 - step_up_pass)``, decline once
``x > (decline_cost - step_up_cost) / step_up_pass``, step up in between.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

APPROVE, STEP_UP, DECLINE = 0, 1, 2


@dataclass(frozen=True)
class ActionCosts:
    """What each action costs (see the module docstring)."""

    decline_cost: float
    step_up_cost: float
    step_up_pass: float

    def bands(self) -> tuple[float, float]:
        """Where ``p * amount`` stops being approved and starts being declined by the cheapest expected action.

        With ``decline above <= approve below`` the middle band is empty (step-up never pays).
        """
        approve_below = self.step_up_cost / (1 - self.step_up_pass) if self.step_up_pass < 1 else np.inf
        decline_above = (self.decline_cost - self.step_up_cost) / self.step_up_pass if self.step_up_pass > 0 else np.inf
        if decline_above <= approve_below:  # step-up never cheapest: approve/decline at the decline cost
            return self.decline_cost, self.decline_cost
        return float(approve_below), float(decline_above)

    def expected(self, p: np.ndarray, amounts: np.ndarray) -> np.ndarray:
        """Expected cost of approve, step-up and decline per row, shape (n, 3)."""
        loss = np.asarray(p, np.float64) * np.asarray(amounts, np.float64)
        return np.column_stack(
            [loss, self.step_up_cost + self.step_up_pass * loss, np.full(len(loss), self.decline_cost)]
        )

    def realised(self, actions: np.ndarray, y: np.ndarray, amounts: np.ndarray) -> np.ndarray:
        """What each row cost once its label is known (a stepped-up fraud loses ``step_up_pass`` of its amount)."""
        fraud_amount = np.where(y == 1, np.asarray(amounts, np.float64), 0.0)
        return np.select(
            [actions == APPROVE, actions == STEP_UP],
            [fraud_amount, self.step_up_cost + self.step_up_pass * fraud_amount],
            default=self.decline_cost,
        )


def three_actions(p: np.ndarray, amounts: np.ndarray, costs: ActionCosts) -> np.ndarray:
    """The cheapest action in expectation per row (ties go to the milder action)."""
    return np.argmin(costs.expected(p, amounts), axis=1)


def two_actions(p: np.ndarray, amounts: np.ndarray, decline_cost: float) -> np.ndarray:
    """Amount-aware approve/decline: decline when the expected loss ``p * amount`` exceeds the decline cost."""
    return np.where(np.asarray(p) * np.asarray(amounts) > decline_cost, DECLINE, APPROVE)


def threshold_actions(scores: np.ndarray, threshold: float) -> np.ndarray:
    """The single-threshold policy: decline at or above ``threshold``, approve below."""
    return np.where(scores >= threshold, DECLINE, APPROVE)


def capped_threshold(legit_scores: np.ndarray, max_rate: float) -> float:
    """The lowest threshold that declines at most ``max_rate`` of ``legit_scores`` (inf when none is low enough).

    A capacity- or guardrail-aware alternative to the cost-chosen threshold, fitted on the
    validation window's legitimate transactions.
    """
    s = np.sort(np.asarray(legit_scores, np.float64))[::-1]
    allowed = int(np.floor(max_rate * len(s)))
    if allowed >= len(s):
        return float(s[-1]) if len(s) else float("inf")
    # Declining scores >= t must not reach rank `allowed`: t just above the score at that rank.
    return float(np.nextafter(s[allowed], np.inf))


def policy_summary(
    actions: np.ndarray, y: np.ndarray, amounts: np.ndarray, costs: ActionCosts, cards_per_day: float
) -> dict[str, float]:
    """Cost and guardrail figures of one policy on a window.

    Args:
        actions: action per row (APPROVE, STEP_UP, DECLINE).
        y: labels.
        amounts: amounts.
        costs: the action costs.
        cards_per_day: distinct declined cards per day at the design's volume (computed by the caller).
    """
    legit = y == 0
    fraud_amount = float(np.where(y == 1, amounts, 0.0).sum())
    realised = costs.realised(actions, y, amounts)
    prevented = (actions == DECLINE) | (actions == STEP_UP)
    stopped = np.where(actions == DECLINE, 1.0, np.where(actions == STEP_UP, 1 - costs.step_up_pass, 0.0))
    return {
        "expected_cost": float(realised.sum()),
        "false_decline_rate": float((actions[legit] == DECLINE).mean()) if legit.any() else 0.0,
        "legit_step_up_rate": float((actions[legit] == STEP_UP).mean()) if legit.any() else 0.0,
        "declines": float((actions == DECLINE).sum()),
        "step_ups": float((actions == STEP_UP).sum()),
        "fraud_amount_stopped": float((stopped * np.where(y == 1, amounts, 0.0)).sum() / fraud_amount)
        if fraud_amount > 0
        else 0.0,
        "frauds_challenged": float(prevented[y == 1].mean()) if (y == 1).any() else 0.0,
        "review_queue_cards_per_day": cards_per_day,
    }
