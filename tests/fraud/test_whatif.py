"""What-if figures of the fraud case: ten times the active cards moves the volume figures and nothing else."""

from __future__ import annotations

import pytest

from cases.fraud import case
from cases.fraud.whatif import figures
from framework.whatif import with_constraints

SCALES = {
    "fraudulent cards per day",
    "review capacity",
    "false declines allowed per day",
    "review queue at the shipped policy",
    "honest transactions declined per day",
}
INVERSE = {"days of the treatment arm's traffic"}
FIXED = {"queue over capacity", "frauds needed per arm", "card-days through the treatment arm in that time"}


class _Metrics:
    """The part of a run's metrics the figures read (a queue, a false-decline rate and the A/B sizing)."""

    def model_dump(self) -> dict:
        policy = {"review_queue_cards_per_day": 16_000.0, "false_decline_rate": 0.0003}
        ab = {
            "treatment_policy": "threshold within both guardrails",
            "frauds_per_arm": 18_000,
            "frauds_per_fraudulent_card_day": 1.2,
            "treatment_traffic_share": 0.1,
        }
        return {"testing": {"slices": {"decision policy": {ab["treatment_policy"]: policy}}, "ab_test": ab}}


def _values(metrics, users_factor: float) -> dict[str, float]:
    users = case.design.problem.constraints.daily_active_users
    design = with_constraints(case.design, [f"daily_active_users={users * users_factor:.0f}"])
    return {f.name: f.value for f in figures(design, metrics)}


def test_spec_alone_gives_the_volume_figures_without_a_run():
    names = {f.name for f in figures(case.design, None)}
    assert names == {"fraudulent cards per day", "review capacity", "false declines allowed per day"}


def test_ten_times_the_cards_moves_what_scales_and_nothing_else():
    metrics = _Metrics()
    before, after = _values(metrics, 1), _values(metrics, 10)
    assert set(before) == SCALES | INVERSE | FIXED
    for name in SCALES:
        assert after[name] == pytest.approx(10 * before[name]), name
    for name in INVERSE:
        assert after[name] == pytest.approx(before[name] / 10), name
    for name in FIXED:
        assert after[name] == pytest.approx(before[name]), name


def test_the_queue_figure_is_the_runs_own_queue_at_the_design_volume():
    assert _values(_Metrics(), 1)["review queue at the shipped policy"] == pytest.approx(16_000.0)
    assert _values(_Metrics(), 1)["queue over capacity"] == pytest.approx(0.8)
