"""Fraudsters who adapt to the deployed model: lower amounts, fewer alerts, measured every run."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cases.fraud import adversary
from cases.fraud.features import build_features
from cases.fraud.simulator import CARD


def test_adaptation_is_measured_and_hurts_recall(small_run):
    extra = small_run.records["monitoring"].extra
    assert extra["adversary_frauds"] > 0
    assert extra["adversary_recall_after"] <= extra["adversary_recall_before"]
    assert extra["adversary_window_recall_after"] <= extra["adversary_window_recall_before"]
    assert extra["adversary_input_alerts"] <= len(extra["adversary_alerts"])
    assert "alert" in extra["adversary_monitoring"]


def _toy(n_days: int = 40) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    n = n_days * 50
    time_s = np.sort(rng.integers(0, n_days * 86_400, n))
    tx = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 20, n),
            "terminal_id": rng.integers(0, 30, n),
            "amount": np.round(rng.uniform(5, 50, n), 2),
            "time_s": time_s,
            "timestamp": pd.Timestamp("2024-04-01") + pd.to_timedelta(time_s, unit="s"),
            "day": time_s // 86_400,
        }
    )
    fraud = (tx["customer_id"] < 4) & (tx["day"] >= 30) & (rng.uniform(size=n) < 0.5)
    tx["amount"] = np.where(fraud, tx["amount"] * 5, tx["amount"])
    tx["is_fraud"] = fraud.astype(int)
    tx["scenario"] = np.where(fraud, CARD, 0)
    return tx, build_features(tx, 7)


def _amount_model(X: pd.DataFrame) -> np.ndarray:
    return (X["amount"] / X["customer_avg_amount_30d"]).to_numpy()


def test_adapted_fraudsters_stay_under_the_threshold_and_nothing_else_moves():
    tx, X = _toy()
    window = tx["day"].to_numpy() >= 30
    threshold = 1.8
    res = adversary.adapt(tx, X, window, _amount_model, threshold, 1.0, 7, np.random.default_rng(1))
    a = res.adapted
    y = res.tx["is_fraud"].to_numpy()
    before = _amount_model(X[window]) >= threshold
    after = res.scores >= threshold
    assert res.n_cards == 4 and a.sum() == ((tx["scenario"] == CARD) & window).sum()
    assert adversary.recall(y[a], after[a]) < adversary.recall(y[a], before[a])
    # Only the adapted frauds' amounts change, and only downwards.
    old = tx.loc[window, "amount"].to_numpy()
    new = res.tx["amount"].to_numpy()
    assert np.array_equal(old[~a], new[~a]) and np.all(new[a] <= old[a])
    # The rebuilt features equal a full rebuild with the adapted amounts.
    rebuilt = tx.copy()
    rebuilt.loc[window, "amount"] = new
    np.testing.assert_allclose(res.X.to_numpy(), build_features(rebuilt, 7)[window].to_numpy())


def test_no_share_no_change():
    tx, X = _toy()
    window = tx["day"].to_numpy() >= 30
    res = adversary.adapt(tx, X, window, _amount_model, 1.8, 0.0, 7, np.random.default_rng(1))
    assert res.n_cards == 0 and not res.adapted.any()
    np.testing.assert_array_equal(res.scores, _amount_model(X[window]))
