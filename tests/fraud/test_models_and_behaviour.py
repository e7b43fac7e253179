"""The trained ladder at small scale: ordering of the rungs, the cost-chosen deployment and the behavioural checks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cases.fraud.artifacts import FraudData, FraudFeatures, FraudModels
from cases.fraud.behaviour import amount_times
from cases.fraud.design import DESIGN, PRODUCTION_FRAUD_CARD_SHARE
from cases.fraud.evaluation import cost_per_transaction
from cases.fraud.features import build_features
from cases.fraud.models import Logistic, choose_threshold
from cases.fraud.step_testing import MDE, ab_plan, intra_card_correlation
from framework import metrics


def test_ladder_order_and_oracle(small_run):
    ladder = small_run.records["models"]
    m = ladder.models
    assert list(m) == [d.name for d in DESIGN.models.ladder]
    assert (ladder.naive, ladder.baseline, ladder.oracle) == ("amount_rule", "logistic_regression", "oracle")
    assert m["oracle"]["average_precision"] == 1.0
    assert m[ladder.baseline]["average_precision"] > m["never_fraud"]["average_precision"] * 10
    # Accuracy misleads: never_fraud is the most "accurate" and the most expensive.
    assert m["never_fraud"]["accuracy"] > 0.99
    assert m["never_fraud"]["expected_cost"] == max(v["expected_cost"] for v in m.values())


def test_deployed_model_is_chosen_on_expected_cost(small_run, small_ctx):
    ladder = small_run.records["models"]
    data, trained = small_run.get(FraudData), small_run.get(FraudModels)
    assert ladder.decision_metric == "expected_cost"
    costs = {n: ladder.models[n]["expected_cost"] for n in trained.fitted}
    # The deployed model is the cheapest unless a simpler one is a bootstrap tie with it.
    cheapest = min(costs, key=costs.__getitem__)
    names = list(costs)
    assert ladder.best == cheapest or names.index(ladder.best) < names.index(cheapest)
    versus = {c.model: c for c in ladder.comparisons}
    assert set(versus) == set(names) - {ladder.best}
    for name, c in versus.items():
        assert math.isclose(c.difference, costs[name] - costs[ladder.best], rel_tol=1e-9)
        assert c.low <= c.difference <= c.high
        # A simpler model that the interval cannot tell apart would have been deployed instead.
        if names.index(name) < names.index(ladder.best):
            assert not c.tie
    # The per-transaction costs the framework resamples add up to each model's expected cost.
    test = data.tx[data.split.test]
    for name, cost in costs.items():
        units = cost_per_transaction(test, trained.scores[name], trained.thresholds[name], small_ctx.config.review_cost)
        assert len(units) == len(test) and math.isclose(units.sum(), cost, rel_tol=1e-12)


def test_thresholds_come_from_validation_not_test(small_run, small_ctx):
    cfg = small_ctx.config
    data, X, trained = small_run.get(FraudData), small_run.get(FraudFeatures).X, small_run.get(FraudModels)
    tx, val = data.tx, data.val_split
    y, amounts = tx["is_fraud"].to_numpy(), tx["amount"].to_numpy()
    # Each threshold is the cost minimum on the validation window, scored by a model fitted before it.
    rule = amounts[val.test]
    assert trained.thresholds["amount_rule"] == choose_threshold(y[val.test], rule, rule, cfg.review_cost)
    val_scores = Logistic(cfg.lr_c).fit(X[val.train], y[val.train]).score(X[val.test])
    expected = choose_threshold(y[val.test], val_scores, amounts[val.test], cfg.review_cost)
    assert trained.thresholds["logistic_regression"] == expected
    # Read on the test window, no threshold beats the test window's own minimum: the validation
    # choice costs at least that much (it would cost exactly that if it had peeked at the test labels).
    test = tx[data.split.test]
    for name in trained.fitted:
        s = trained.scores[name]
        on_test = choose_threshold(test["is_fraud"].to_numpy(), s, test["amount"].to_numpy(), cfg.review_cost)
        floor = metrics.expected_cost(test["is_fraud"], s, on_test, test["amount"], cfg.review_cost)
        assert floor <= small_run.records["models"].models[name]["expected_cost"] + 1e-9


def test_behavioural_checks_pass_on_the_trained_model(small_run, small_ctx):
    result = small_run.records["testing"]
    failed = [c.name + ": " + c.detail for c in result.behavioural if not c.passed]
    assert not failed, failed
    assert {c.kind for c in result.behavioural} == {"directional", "invariance", "minimum_functionality"}
    assert "compromised card" in result.slices["scenario"] and ">=220" in result.slices["amount band"]
    plan = result.ab_plan
    best = small_run.records["models"].best
    assert plan.treatment.startswith(best) and not plan.control.startswith(best)
    assert plan.unit == "card" and plan.power == 0.8 and plan.design_effect >= 1
    assert plan.minimum_detectable_effect == MDE and not plan.relative
    assert plan.days >= 7 and plan.days % 7 == 0 and plan.simulated_per_arm is None
    table = result.ab_test
    assert table["frauds_per_arm"] > 0 and table["cards_per_arm"] == plan.per_arm
    assert table["read_out_after_days"] == plan.days + small_ctx.config.delay_days


def test_amount_perturbation_matches_recomputed_features(small_run, small_ctx):
    # Multiplying one transaction's amount and rebuilding features equals the perturbation helper.
    # Rebuilt from the whole simulation (data.tx holds only the split's days, not their history).
    data, X = small_run.get(FraudData), small_run.get(FraudFeatures).X
    i = int(np.flatnonzero(data.split.test)[5])
    changed = data.frame.copy()
    j = int(np.flatnonzero(changed["transaction_id"].to_numpy() == data.tx["transaction_id"].iloc[i])[0])
    changed.loc[changed.index[j], "amount"] *= 5
    rebuilt = build_features(changed, small_ctx.config.delay_days).iloc[[j]].set_axis(X.index[[i]])
    pd.testing.assert_frame_equal(amount_times(X.iloc[[i]], 5.0), rebuilt, rtol=1e-9)


def test_ab_control_is_the_rung_the_deployed_model_replaces(small_run):
    ladder, trained = small_run.records["models"], small_run.get(FraudModels)
    data = small_run.get(FraudData)
    test = data.tx[data.split.test]
    y = test["is_fraud"].to_numpy()
    for best, control in (("tree_ensemble", ladder.baseline), (ladder.baseline, ladder.naive)):
        plan, table = ab_plan(ladder.model_copy(update={"best": best}), trained, test, delay_days=7)
        assert plan.control.split(" (")[0] == control and plan.treatment == best
        # The control is read at the treatment's decline budget: recall cannot be bought with declines.
        budget = int(trained.alerted(best).sum())
        assert table["treatment_declines_offline"] == budget
        top = np.argsort(-trained.scores[control], kind="stable")[:budget]
        caught = np.zeros(len(y), bool)
        caught[top] = trained.scores[control][top] > trained.scores[control].min()
        assert table["control_recall_offline"] == max(float(caught[y == 1].mean()), 0.001)
        # Sized from the chosen effect, not from the offline lift of the treatment.
        assert table["minimum_detectable_lift"] == MDE


def test_ab_plan_inflates_the_sample_by_the_design_effect(small_run):
    from framework.abtest import two_proportion_sample_size

    table = small_run.records["testing"].ab_test
    p1 = table["control_recall_offline"]
    plain = two_proportion_sample_size(p1, p1 + MDE)
    assert table["frauds_per_arm"] == math.ceil(plain * table["design_effect"])


def test_intra_card_correlation_is_one_for_identical_cards_and_zero_for_mixed_ones():
    card = np.repeat(np.arange(20), 4)
    assert intra_card_correlation(np.repeat(np.arange(20) % 2, 4), card) == 1.0
    assert intra_card_correlation(np.tile([0, 1, 0, 1], 20), card) == 0.0


def test_guardrails_measured_by_the_testing_step(small_run):
    data, trained = small_run.get(FraudData), small_run.get(FraudModels)
    best = small_run.records["models"].best
    test = data.tx[data.split.test]
    alerted = trained.alerted(best)
    g = small_run.records["testing"].guardrails
    legit = test["is_fraud"].to_numpy() == 0
    assert g.values["false_decline_rate"] == alerted[legit].mean()
    # The queue: card-days with a decline, split into fraudulent and legitimate, scaled to the design's active
    # cards at the assumed production prevalence (not the simulator's).
    per = test.assign(a=alerted).groupby(["day", "customer_id"]).agg(y=("is_fraud", "max"), a=("a", "max"))
    recall, legit_rate = per.loc[per.y == 1, "a"].mean(), per.loc[per.y == 0, "a"].mean()
    p = PRODUCTION_FRAUD_CARD_SHARE
    expected = DESIGN.problem.constraints.daily_active_users * (p * recall + (1 - p) * legit_rate)
    assert g.values["review_queue_cards_per_day"] == pytest.approx(expected)
    assert set(g.details) == {"false_decline_rate", "review_queue_cards_per_day"}
    # The oracle (perfect recall, no legitimate declines) fits the queue: the limit is meaningful.
    limit = next(x.limit for x in DESIGN.metrics.guardrails if x.name == "review_queue_cards_per_day")
    assert DESIGN.problem.constraints.daily_active_users * p < limit


def test_go_no_go_verdict_names_failed_guardrails_and_the_policy_chosen_on_validation(small_run):
    from cases.fraud.decision_slices import GUARDRAIL_POLICY
    from cases.fraud.policy_choice import cheapest_keeping

    testing = small_run.records["testing"]
    verdict, g = testing.ab_test["go_no_go"], testing.guardrails.values
    limits = {x.name: x.limit for x in DESIGN.metrics.guardrails}
    failing = [n for n in ("false_decline_rate", "review_queue_cards_per_day") if g[n] > limits[n]]
    assert verdict.startswith("not shippable as is" if failing else "go")
    policies = testing.slices["decision policy"]
    assert GUARDRAIL_POLICY in policies
    chosen = cheapest_keeping(testing.slices["decision policy (validation window)"])
    assert repr(chosen) in verdict or "no measured policy" in verdict


def test_guardrail_threshold_keeps_both_limits_on_its_own_window(small_run):
    from cases.fraud import capacity

    data, trained = small_run.get(FraudData), small_run.get(FraudModels)
    best = small_run.records["models"].best
    val = data.tx[data.val_split.test]
    scores = trained.val_scores[best]
    limits = {x.name: x.limit for x in DESIGN.metrics.guardrails}
    t = capacity.guardrail_threshold(val, scores, limits["false_decline_rate"], limits["review_queue_cards_per_day"])
    declined = scores >= t
    legit = val["is_fraud"].to_numpy() == 0
    assert declined[legit].mean() <= limits["false_decline_rate"]
    assert capacity.review_queue(val, declined).at_design <= limits["review_queue_cards_per_day"]
    # The lowest such threshold: one score lower breaks a limit (or declines everything it can).
    lower = np.unique(scores)
    below = lower[lower < t]
    if len(below):
        d2 = scores >= below[-1]
        assert (
            d2[legit].mean() > limits["false_decline_rate"]
            or capacity.review_queue(val, d2).at_design > limits["review_queue_cards_per_day"]
        )


def test_ab_days_are_planned_at_production_prevalence(small_run):
    table = small_run.records["testing"].ab_test
    plan = small_run.records["testing"].ab_plan
    assert plan.days == max(7, math.ceil(table["days_of_traffic_needed"] / 7) * 7)
    assert table["days_of_traffic_needed"] > table["days_at_simulator_prevalence"]
    assert table["mde_percentage_points"] == pytest.approx(MDE * 100)


def test_ab_treatment_is_the_policy_that_passes_and_cards_per_arm_reproduces(small_run):
    testing = small_run.records["testing"]
    table = testing.ab_test
    chosen = table["policy_chosen_on_validation"]
    if chosen not in ("none", "deployed threshold"):
        assert repr(chosen) in table["treatment"] and "chosen on the validation window" in table["treatment"]
    frauds, mean, share = (
        table["frauds_per_arm"],
        table["mean_frauds_per_fraudulent_card"],
        table["test_window_fraud_card_share"],
    )
    assert abs(table["cards_per_arm"] - frauds / mean / share) / table["cards_per_arm"] < 0.01
    assert "inverse-propensity" in table["labels"]
