"""The trained ladder at small scale: ordering of the rungs and the behavioural checks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cases.fraud import steps
from cases.fraud.behaviour import amount_times
from cases.fraud.features import build_features


def test_ladder_order_and_oracle(small_ctx):
    ladder = small_ctx.state["ladder_result"]
    m = ladder.models
    assert set(m) == {"never_fraud", "amount_rule", "logistic_regression", "tree_ensemble", "oracle"}
    assert m["oracle"]["average_precision"] == 1.0
    assert m[ladder.baseline]["average_precision"] > m["never_fraud"]["average_precision"] * 10
    assert m[ladder.best]["average_precision"] >= m[ladder.baseline]["average_precision"]
    # Accuracy misleads: never_fraud is the most "accurate" and the most expensive.
    assert m["never_fraud"]["accuracy"] > 0.99
    assert m["never_fraud"]["expected_cost"] == max(v["expected_cost"] for v in m.values())


def test_thresholds_come_from_validation_not_test(small_ctx):
    # Re-choosing the threshold on the test window itself must not be what the run used
    # (it would be at least as cheap on test, usually cheaper).
    from cases.fraud.models import choose_threshold

    tx, main = small_ctx.state["tx"], small_ctx.state["split"]
    test = tx[main.test]
    name = small_ctx.state["best"]
    s = small_ctx.state["scores"][name]
    on_test = choose_threshold(test["is_fraud"].to_numpy(), s, test["amount"].to_numpy(), small_ctx.config.review_cost)
    assert small_ctx.state["thresholds"][name] != on_test


def test_behavioural_checks_pass_on_the_trained_model(small_ctx):
    result = steps.testing(small_ctx)
    failed = [c.name + ": " + c.detail for c in result.behavioural if not c.passed]
    assert not failed, failed
    assert {c.kind for c in result.behavioural} == {"directional", "invariance", "minimum_functionality"}
    assert "compromised card" in result.slices["scenario"] and ">=220" in result.slices["amount band"]
    assert result.ab_test["frauds_per_arm"] > 0 and result.ab_test["power"] == 0.8


def test_amount_perturbation_matches_recomputed_features(small_ctx):
    # Multiplying one transaction's amount and rebuilding features equals the perturbation helper.
    tx, X = small_ctx.state["tx"], small_ctx.state["X"]
    i = int(np.flatnonzero(small_ctx.state["split"].test)[5])
    changed = tx.copy()
    changed.loc[changed.index[i], "amount"] *= 5
    rebuilt = build_features(changed, small_ctx.config.delay_days).iloc[[i]]
    pd.testing.assert_frame_equal(amount_times(X.iloc[[i]], 5.0), rebuilt, rtol=1e-9)
