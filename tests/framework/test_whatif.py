"""What-if numbers: constraints changed on the command line recompute the design-level figures."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from framework.checks import REPO_ROOT
from framework.errors import BadInput
from framework.registry import case_names, get_case
from framework.whatif import what_if


def _by_name(figures):
    return {f.name: f.value for f in figures}


@pytest.mark.parametrize("case_name", case_names())
def test_ten_times_the_users_is_ten_times_the_qps_and_storage(case_name):
    case = get_case(case_name)
    users = case.design.problem.constraints.daily_active_users
    before = _by_name(what_if(case, []))
    after = _by_name(what_if(case, [f"daily_active_users={users * 10}"]))
    for name in ("requests per day", "average QPS", "peak QPS", "storage per day", "storage retained"):
        assert after[name] == pytest.approx(10 * before[name]), name
    assert after["serving path budget"] == before["serving path budget"]  # users do not change the path


def test_a_tighter_sla_eats_the_headroom():
    case = get_case("eta")
    sla = case.design.problem.constraints.latency_sla_ms
    before = _by_name(what_if(case, []))
    after = _by_name(what_if(case, [f"latency_sla_ms={sla / 2}"]))
    assert after["SLA headroom"] == pytest.approx(before["SLA headroom"] - sla / 2)


@pytest.mark.parametrize(
    "pair, named",
    [
        ("no_such=1", "unknown constraint 'no_such'"),
        ("daily_active_users=-5", "daily_active_users"),
        ("x", "key=value"),
    ],
)
def test_bad_what_if_input_is_named(pair, named):
    with pytest.raises(BadInput, match=named):
        what_if(get_case("eta"), [pair])


def test_spec_set_prints_the_table_and_refuses_bad_input_with_exit_2():
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "COLUMNS": "100"}
    base = [sys.executable, "-m", "cases.eta", "spec"]
    users = get_case("eta").design.problem.constraints.daily_active_users
    ok = subprocess.run([*base, "--set", f"daily_active_users={users * 10}"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "(10x)" in ok.stdout and "peak QPS" in ok.stdout
    bad = subprocess.run([*base, "--set", "dau=5"], env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stdout == ""
    assert len(bad.stderr.strip().splitlines()) == 1 and "'dau'" in bad.stderr
