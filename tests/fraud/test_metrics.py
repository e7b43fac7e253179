"""Metric sanity on the fraud ladder: perfect, random and constant scores, and the cost threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cases.fraud.evaluation import daily_card_precision, evaluate
from cases.fraud.models import choose_threshold
from framework import metrics


@pytest.fixture(scope="module")
def window() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 20_000
    return pd.DataFrame(
        {
            "day": rng.integers(0, 7, n),
            "customer_id": rng.integers(0, 3000, n),
            "amount": rng.gamma(2, 30, n),
            "is_fraud": (rng.random(n) < 0.01).astype(int),
        }
    )


def test_perfect_random_and_constant_scores(window):
    y = window["is_fraud"].to_numpy()
    perfect = evaluate(window, y.astype(float), 0.5, 5.0, 0.01)
    assert perfect["average_precision"] == 1.0 and perfect["roc_auc"] == 1.0 and perfect["recall_at_fpr"] == 1.0
    assert perfect["expected_cost"] == pytest.approx(y.sum() * 5.0)
    random = evaluate(window, np.random.default_rng(1).random(len(y)), 0.5, 5.0, 0.01)
    assert random["average_precision"] < 0.03 and abs(random["roc_auc"] - 0.5) < 0.05
    never = evaluate(window, np.zeros(len(y)), np.inf, 5.0, 0.01)
    # The accuracy paradox: "never fraud" is ~99% accurate and catches nothing.
    assert never["accuracy"] == pytest.approx(1 - y.mean()) and never["accuracy"] > 0.98
    assert never["recall_at_fpr"] == 0.0
    assert never["expected_cost"] == pytest.approx(window.loc[y == 1, "amount"].sum())
    assert perfect["card_precision_at_100"] >= random["card_precision_at_100"]


def test_daily_card_precision_averages_to_the_metric(window):
    s = np.random.default_rng(2).random(len(window))
    daily = daily_card_precision(window, s)
    assert len(daily) == 7
    assert daily.mean() == pytest.approx(
        metrics.card_precision_at_k(window["day"], window["customer_id"], window["is_fraud"], s, k=100)
    )


def test_cost_threshold_is_the_brute_force_minimum(window):
    rng = np.random.default_rng(3)
    y = window["is_fraud"].to_numpy()
    s = np.round(np.clip(y * 0.4 + rng.random(len(y)) * 0.7, 0, 1), 3)  # ties on purpose
    a = window["amount"].to_numpy()
    th = choose_threshold(y, s, a, review_cost=5.0)
    candidates = np.r_[np.unique(s), np.inf]
    costs = [metrics.expected_cost(y, s, c, a, 5.0) for c in candidates]
    assert metrics.expected_cost(y, s, th, a, 5.0) == pytest.approx(min(costs))
    # Expensive reviews: alerting on nothing becomes optimal.
    assert choose_threshold(y, s, a, review_cost=1e9) == np.inf
