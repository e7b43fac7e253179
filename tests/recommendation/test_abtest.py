"""A/B test maths against hand-worked values, and the simulated test against the generator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cases.recommendation.abtest import (
    intra_user_correlation,
    list_probabilities,
    simulate,
    slot_attention,
)
from framework.abtest import design_effect, ratio_ci, two_proportion_sample_size, whole_weeks


def test_sample_size_matches_the_hand_computed_formula():
    # The framework formula this case sizes its tests with.
    # p1=0.10, p2=0.12, alpha=0.05 two-sided, power 0.8:
    # pbar=0.11; 1.959964*sqrt(2*0.11*0.89)=0.867270; 0.841621*sqrt(0.09+0.1056)=0.372222
    # n = (0.867270+0.372222)^2 / 0.02^2 = 1.536340 / 0.0004 = 3840.85 -> 3841 per arm
    assert two_proportion_sample_size(0.10, 0.12) == 3841
    # p1=0.05, p2=0.06: (1.959964*0.322413 + 0.841621*0.322335)^2 / 0.0001 = 8157.7 -> 8158
    assert two_proportion_sample_size(0.05, 0.06) == 8158
    assert two_proportion_sample_size(0.12, 0.10) == 3841  # symmetric
    assert two_proportion_sample_size(0.10, 0.12, power=0.9) > 3841
    with pytest.raises(ValueError):
        two_proportion_sample_size(0.1, 0.1)


def test_ratio_ci_by_hand():
    # CTR = 10/40 = 0.25; residuals c - 0.25*n = [-1.5, -0.5, 0.5, 1.5], sample variance 5/3;
    # se = sqrt(5/3 / 4) / 10 = 0.0645497
    ctr, se, low, high = ratio_ci(np.array([1, 2, 3, 4]), np.array([10, 10, 10, 10]))
    assert ctr == 0.25
    assert math.isclose(se, math.sqrt(5 / 12) / 10)
    assert math.isclose(high - ctr, 1.959964 * se, rel_tol=1e-6) and math.isclose(ctr - low, high - ctr)


def test_simulation_recovers_known_click_rates():
    n = 4000
    treated = np.random.default_rng(0).random(n) < 0.5
    res = simulate(np.full((n, 10), 0.10), np.full((n, 10), 0.12), treated, 5.0, np.random.default_rng(1))
    assert res["control_ctr_ci_low"] < 0.10 < res["control_ctr_ci_high"]
    assert res["treatment_ctr_ci_low"] < 0.12 < res["treatment_ctr_ci_high"]
    assert res["significant_at_5pct"] and res["lift_abs"] > 0
    assert res["lift_abs_ci_low"] < res["lift_abs"] < res["lift_abs_ci_high"]
    assert res["control_users"] + res["treatment_users"] == n


def test_list_probabilities_reads_the_truth_and_zeroes_padding(small_world):
    users = np.array([0, 3])
    lists = np.array([[5, 1, -1], [2, -1, -1]])
    p = small_world.click_probability(users)
    got = list_probabilities(small_world, users, lists)
    assert np.array_equal(got, [[p[0, 5], p[0, 1], 0.0], [p[1, 2], 0.0, 0.0]])


def test_simulated_ab_on_the_case(small_run, small_config):
    testing, ladder = small_run.records["testing"], small_run.records["models"]
    ab, plan = testing.ab_test, testing.ab_plan
    # The control is what runs today (the logging app), not the popularity baseline.
    assert plan.control.startswith("today's production feed") and plan.treatment == ladder.best == ab["treatment"]
    assert plan.unit == "user" and plan.days >= 7 and plan.days % 7 == 0
    # Sized from the chosen effect on the pre-period CTR, never from the observed lift.
    assert plan.minimum_detectable_effect == small_config.ab_min_detectable_lift and plan.relative
    ctr = ab["pre_period_ctr_per_slot_shown"]
    per_impression = two_proportion_sample_size(ctr, ctr * (1 + small_config.ab_min_detectable_lift))
    # The correlation used is never below the conservative floor, whatever the simulated pre-period measures.
    icc = ab["intra_user_correlation_used"]
    assert icc == max(ab["intra_user_correlation_measured"], small_config.ab_icc_floor)
    assert plan.design_effect == design_effect(ab["impressions_per_user"], icc)
    assert plan.per_arm == math.ceil(per_impression * plan.design_effect / ab["impressions_per_user"])
    # The simulation runs the sized sample.
    assert plan.simulated_per_arm is not None and plan.simulated_per_arm >= plan.per_arm
    assert ab["control_users"] == ab["treatment_users"] == plan.per_arm
    # Feed CTRs in a realistic range, and the deployed model wins.
    assert 0.01 <= ab["control_ctr"] <= 0.05 and 0.01 <= ab["treatment_ctr"] <= 0.06
    assert ab["treatment_ctr"] > ab["control_ctr"] and ab["significant_at_alpha"] == "yes"
    # The relative lift reads as a percentage, the p-value as the plot prints it.
    assert ab["lift_relative"] == f"{(ab['treatment_ctr'] - ab['control_ctr']) / ab['control_ctr']:+.1%}"
    assert ab["p_value"] == "< 1e-16" or float(ab["p_value"]) < 0.05
    # The traffic share is what the sized sample needs over the whole-week test.
    assert ab["daily_user_share_per_arm"] * 50_000_000 == pytest.approx(plan.per_arm)
    # The logs' CTR (per logged impression) and the sizing CTR (per slot shown) are both stated.
    assert ab["logged_ctr_per_logged_impression"] > ab["pre_period_ctr_per_slot_shown"]
    assert f"{ab['pre_period_ctr_per_slot_shown']:.2%}" in ab["ctr_definitions"]


def test_plan_size_does_not_follow_the_observed_lift(small_run, small_config, small_ctx):
    # A larger chosen effect needs fewer users; nothing in the plan reads the simulated lift.
    from cases.recommendation.step_testing import _size

    ab = small_run.records["testing"].ab_test
    args = (ab["pre_period_ctr_per_slot_shown"], ab["intra_user_correlation_used"], ab["impressions_per_user"])
    small = _size(small_config, *args)[1]
    large = _size(small_config.model_copy(update={"ab_min_detectable_lift": 0.1}), *args)[1]
    assert large < small == small_run.records["testing"].ab_plan.per_arm


def test_intra_user_correlation_by_hand():
    # Two users of 4 impressions: clicks 4/4 and 0/4 -> all variance is between users, rho = 1.
    assert intra_user_correlation(np.array([4, 0]), np.array([4, 4])) == 1.0
    # Identical users: MSB = 0 -> rho clipped to 0.
    assert intra_user_correlation(np.array([2, 2, 2]), np.array([4, 4, 4])) == 0.0
    # clicks [3, 1], n [4, 4]: mean 0.5; MSB = (1 + 1) / 4 / 1 = 0.5; MSW = (0.75 + 0.75) / 6 = 0.25;
    # n0 = 4 -> rho = (0.5 - 0.25) / (0.5 + 3 * 0.25) = 0.2
    assert math.isclose(intra_user_correlation(np.array([3, 1]), np.array([4, 4])), 0.2)


def test_slot_attention_is_the_ndcg_discount():
    assert np.allclose(slot_attention(3, 0.2), [0.2, 0.2 / math.log2(3), 0.1])
    assert whole_weeks(10, 1000.0) == 7 and whole_weeks(8000, 1000.0) == 14
