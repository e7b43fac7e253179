"""The A/B plan's plain statements: treatment vs today's control on money, and guardrails with upper bounds."""

from __future__ import annotations

import pytest

from cases.fraud.ab_honesty import guardrail_bounds, money_verdict, poisson_upper


def test_poisson_upper_bound_is_above_the_count_and_known_values():
    assert poisson_upper(0) == pytest.approx(2.996, abs=1e-3)  # the rule of three
    assert poisson_upper(8) == pytest.approx(14.43, abs=0.01)


def test_money_verdict_says_which_way_it_falls():
    assert money_verdict(8_554, "amount_rule", 7_080, 50).startswith("on money the treatment loses")
    assert "1,474 more" in money_verdict(8_554, "amount_rule", 7_080, 50)
    assert money_verdict(6_000, "amount_rule", 7_080, 50).startswith("on money the treatment also wins")


def test_a_pass_on_a_few_declines_fails_at_its_upper_bound_and_more_data_fixes_it():
    row = {"false_decline_rate": 8 / 24_000, "review_queue_cards_per_day": 16_000.0}
    few = guardrail_bounds(row, 24_000, 0.001, 20_000)
    assert few["honest_declines_on_test"] == pytest.approx(8)
    assert few["review_queue_upper_95"] > 20_000 and not few["guardrails_hold_at_upper_bound"]
    many = guardrail_bounds(row, 2_400_000, 0.001, 20_000)  # the same rates over a hundred times the data
    assert many["review_queue_upper_95"] < 20_000 and many["guardrails_hold_at_upper_bound"]
