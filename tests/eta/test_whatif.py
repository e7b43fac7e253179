"""What-if figures of the ETA case: ten times the users moves the per-request figures and nothing else."""

from __future__ import annotations

import pytest

from cases.eta import case
from framework.whatif import what_if

# Figures that follow the request volume (or its inverse); the table's size does not depend on users.
SCALES_WITH_USERS = {"requests per day", "average QPS", "peak QPS", "storage per day", "storage retained"}
SCALES_WITH_USERS |= {"table reads per second at peak"}


def test_ten_times_the_users_moves_only_the_volume_figures():
    before = {f.name: f.value for f in what_if(case, [])}
    users = case.design.problem.constraints.daily_active_users * 10
    after = {f.name: f.value for f in what_if(case, [f"daily_active_users={users}"])}
    assert "table reads per second at peak" in before and "keys" in before
    for name, value in before.items():
        if name in SCALES_WITH_USERS:
            assert after[name] == pytest.approx(10 * value), name
        else:
            assert after[name] == pytest.approx(value), name


def test_the_double_buffered_refresh_is_twice_the_table():
    figures = {f.name: f.value for f in what_if(case, [])}
    assert figures["memory while a refresh double-buffers"] == pytest.approx(2 * figures["table size"])
