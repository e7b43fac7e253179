"""The run's speed-ups give exactly the numbers of the slower code they replaced."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cases.fraud.artifacts import FraudData, FraudModels
from cases.fraud.evaluation import daily_card_precision
from cases.fraud.plots import _pr_curve
from framework import metrics


def test_daily_card_precision_equals_one_call_per_day(small_run):
    data, trained = small_run.get(FraudData), small_run.get(FraudModels)
    test = data.tx[data.split.test]
    for name in ("logistic_regression", "tree_ensemble", "amount_rule"):
        s = trained.scores[name]
        fast = daily_card_precision(test, s, k=10)
        slow = {
            int(day): metrics.card_precision_at_k(
                test["day"].to_numpy()[idx],
                test["customer_id"].to_numpy()[idx],
                test["is_fraud"].to_numpy()[idx],
                s[idx],
                k=10,
            )
            for day, idx in test.groupby("day").indices.items()
        }
        pd.testing.assert_series_equal(fast, pd.Series(slow, name="card_precision").sort_index())


def test_thinned_pr_curve_keeps_the_points_average_precision_sums_over():
    rng = np.random.default_rng(0)
    y = (rng.random(5000) < 0.02).astype(int)
    s = np.round(rng.random(5000) + y * 0.5, 2)  # ties included
    recall, precision = _pr_curve(y, s)
    assert len(recall) <= y.sum() + 1 and recall[-1] == 1
    ap = float(np.sum(np.diff(np.r_[0, recall]) * precision))
    assert abs(ap - metrics.average_precision(y, s)) < 1e-12
