"""The decision policy is chosen on the validation window, read on the test window, and is what the A/B test sizes."""

from __future__ import annotations

import numpy as np
import pytest

from cases.fraud import calibration, decisions
from cases.fraud.artifacts import FraudData, FraudModels
from cases.fraud.design import DESIGN
from cases.fraud.policy_choice import DEPLOYED, cheapest_keeping, choose
from cases.fraud.step_testing import ab_plan, equal_budget_recall
from framework.results import Measured

LIMITS = {g.name: g.limit for g in DESIGN.metrics.guardrails}


def _row(cost: float, ok: bool = True) -> dict[str, float]:
    scale = 0.5 if ok else 2.0
    return {
        "expected_cost": cost,
        "false_decline_rate": LIMITS["false_decline_rate"] * scale,
        "review_queue_cards_per_day": LIMITS["review_queue_cards_per_day"] * scale,
        "frauds_challenged": 0.5,
    }


BROKEN = Measured(values={"false_decline_rate": 1.0, "review_queue_cards_per_day": 1e9})


def test_the_choice_ignores_the_test_window():
    # 'b' is cheapest on test, 'a' on validation: the validation choice stands, the gap is reported.
    validation = {DEPLOYED: _row(900, ok=False), "a": _row(100), "b": _row(200)}
    test = {DEPLOYED: _row(900, ok=False), "a": _row(300), "b": _row(250)}
    choice = choose(BROKEN, test, validation, "m")
    assert (choice.chosen, choice.test_optimum) == ("a", "b")
    assert choice.figures["chosen_test_cost"] == 300 and choice.figures["choice_gap_to_test_optimum"] == 50
    assert choice.verdict.startswith("not shippable as is") and "'a'" in choice.verdict and "'b'" in choice.verdict
    # Choosing on the test window itself (the old, optimistic way) has no gap by construction.
    hindsight = choose(BROKEN, test, test, "m")
    assert hindsight.chosen == hindsight.test_optimum == "b"
    assert hindsight.figures["choice_gap_to_test_optimum"] == 0


def test_a_policy_breaking_a_guardrail_on_validation_is_never_chosen():
    validation = {DEPLOYED: _row(10, ok=False), "a": _row(50)}
    assert cheapest_keeping(validation) == "a"
    none = choose(BROKEN, {DEPLOYED: _row(1)}, {DEPLOYED: _row(1, ok=False)}, "m")
    assert none.chosen is None and "nothing goes into the A/B test" in none.verdict
    # A chosen policy that breaks a guardrail on test is flagged, and its lower cost is not called a saving.
    flagged = choose(
        BROKEN,
        {DEPLOYED: _row(90, ok=False), "a": _row(10, ok=False), "b": _row(40)},
        {DEPLOYED: _row(90, ok=False), "a": _row(5), "b": _row(40)},
        "m",
    )
    assert flagged.chosen == "a" and flagged.figures["chosen_keeps_guardrails_on_test"] is False
    assert "broken guardrail" in flagged.verdict and float(flagged.figures["choice_gap_to_test_optimum"]) < 0


def test_cross_fitted_calibration_never_sees_the_row_label():
    rng = np.random.default_rng(0)
    s = rng.random(4000)
    y = (rng.random(4000) < s * 0.2).astype(int)
    folds = np.arange(4000) % 2
    p = calibration.cross_fitted(s, y, folds)
    flipped = y.copy()
    flipped[folds == 0] = 1 - flipped[folds == 0]
    # Changing fold 0's labels moves fold 1's probabilities only, never fold 0's own.
    q = calibration.cross_fitted(s, flipped, folds)
    assert np.array_equal(p[folds == 1], q[folds == 1]) is False
    assert np.array_equal(p[folds == 0], q[folds == 0])


def test_the_run_chooses_on_validation_and_reports_the_test_figures(small_run):
    testing = small_run.records["testing"]
    table, validation = testing.slices["decision policy"], testing.slices["decision policy (validation window)"]
    assert set(table) == set(validation)
    ab = testing.ab_test
    chosen = cheapest_keeping(validation)
    assert ab["policy_chosen_on_validation"] == (chosen or "none")
    assert ab["policy_test_optimum"] == (cheapest_keeping(table) or "none")
    if chosen is not None:
        assert ab["chosen_test_cost"] == table[chosen]["expected_cost"]
        assert ab["chosen_validation_cost"] == validation[chosen]["expected_cost"]
    if chosen is not None and ab["policy_test_optimum"] != "none":
        optimum = table[ab["policy_test_optimum"]]["expected_cost"]
        assert ab["choice_gap_to_test_optimum"] == pytest.approx(table[chosen]["expected_cost"] - optimum)


def test_the_ab_plan_sizes_the_policy_that_is_tested(small_run):
    testing = small_run.records["testing"]
    ab, table = testing.ab_test, testing.slices["decision policy"]
    policy = ab["treatment_policy"]
    chosen = ab["policy_chosen_on_validation"]
    assert policy == (chosen if chosen != "none" else DEPLOYED)
    # Plan and treatment agree: the declines and step-ups sized are the policy's own on the test window.
    assert ab["treatment_declines_offline"] == table[policy]["declines"]
    assert ab["treatment_step_ups_offline"] == table[policy]["step_ups"]
    assert ab["control_budget_offline"] == ab["treatment_declines_offline"] + ab["treatment_step_ups_offline"]
    if policy != DEPLOYED:
        assert policy in testing.ab_plan.treatment
    # The control is read at the treatment's whole challenge budget, not the ranker's declines.
    trained, data = small_run.get(FraudModels), small_run.get(FraudData)
    y = data.tx[data.split.test]["is_fraud"].to_numpy() == 1
    control = testing.ab_plan.control.split(",")[0]
    expected = equal_budget_recall(trained, control, ab["control_budget_offline"], y)
    assert ab["control_recall_offline"] == pytest.approx(min(max(expected, 0.001), 0.999 - 0.02))


def test_more_step_ups_buy_the_control_a_larger_budget(small_run):
    ladder, trained, data = small_run.records["models"], small_run.get(FraudModels), small_run.get(FraudData)
    test = data.tx[data.split.test]
    best = ladder.best
    threshold = decisions.threshold_actions(trained.scores[best], trained.thresholds[best])
    stepped = np.where(
        (threshold == decisions.APPROVE) & (trained.scores[best] >= np.quantile(trained.scores[best], 0.9)),
        decisions.STEP_UP,
        threshold,
    )
    _, plain = ab_plan(ladder, trained, test, 7, actions=threshold)
    _, more = ab_plan(ladder, trained, test, 7, actions=stepped, policy="more step-ups")
    assert more["control_budget_offline"] > plain["control_budget_offline"]
    assert more["control_recall_offline"] >= plain["control_recall_offline"]
    assert more["treatment_recall_offline"] >= plain["treatment_recall_offline"]
