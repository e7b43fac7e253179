"""A/B test maths against hand-worked values, and the simulated test against the generator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cases.recommendation.abtest import list_probabilities, simulate
from framework.abtest import ratio_ci, two_proportion_sample_size


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


def test_simulated_ab_on_the_case(small_run):
    ab = small_run.records["testing"].ab_test
    ladder = small_run.records["models"]
    assert ab["control_model"] == ladder.baseline == "popularity" and ab["treatment_model"] == ladder.best
    assert ab["treatment_ctr"] > ab["control_ctr"] and ab["p_value"] < 0.05
    assert ab["sample_size_per_arm_impressions"] == two_proportion_sample_size(ab["control_ctr"], ab["treatment_ctr"])
