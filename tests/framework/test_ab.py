"""A/B helpers of the framework: whole-week test durations."""

from framework.abtest import whole_weeks


def test_whole_weeks_rounds_up_to_full_weekly_cycles_and_runs_at_least_one():
    assert whole_weeks(0, 100) == 7 and whole_weeks(10, 100) == 7
    assert whole_weeks(700, 100) == 7 and whole_weeks(701, 100) == 14
    assert whole_weeks(2_000, 100) == 21
