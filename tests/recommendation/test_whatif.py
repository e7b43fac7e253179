"""The recommendation case's what-if figures scale with daily users where they should, and nowhere else."""

from __future__ import annotations

import pytest

from framework import runmetrics
from framework.registry import get_case
from framework.runmetrics import RunMetrics
from framework.whatif import what_if

SCALES_WITH_USERS = {
    "requests per day",
    "average QPS",
    "peak QPS",
    "storage per day",
    "storage retained",
    "cache size (top-10 per daily user)",
    "user-song pairs scored per refresh",
    "user-song pairs scored per day",
}
SHRINKS_WITH_USERS = {"days to fill one arm at the traffic cap", "one arm's share of a day's users"}


def _metrics(per_arm: int) -> RunMetrics:
    """A run's metrics holding only what the figures read: the A/B plan and the traffic cap."""
    testing = runmetrics.Testing.model_construct(ab_plan={"per_arm": per_arm})
    return RunMetrics.model_construct(testing=testing, config={"ab_traffic_share": 0.01})


def test_ten_times_the_users_moves_only_the_figures_that_scale() -> None:
    case = get_case("recommendation")
    users = case.design.problem.constraints.daily_active_users
    metrics = _metrics(55_000)
    before = {f.name: f.value for f in what_if(case, [], metrics)}
    after = {f.name: f.value for f in what_if(case, [f"daily_active_users={users * 10}"], metrics)}
    assert set(before) == set(after)
    assert SCALES_WITH_USERS | SHRINKS_WITH_USERS <= set(before)
    for name in before:
        if name in SCALES_WITH_USERS:
            assert after[name] == pytest.approx(10 * before[name]), name
        elif name in SHRINKS_WITH_USERS:
            assert after[name] == pytest.approx(before[name] / 10), name
        else:
            assert after[name] == before[name], name


def test_without_a_run_there_are_no_ab_figures() -> None:
    names = {f.name for f in what_if(get_case("recommendation"), [], None)}
    assert "cache size (top-10 per daily user)" in names
    assert not names & SHRINKS_WITH_USERS
