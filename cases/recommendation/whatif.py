"""What-if figures of the recommendation case: cache size, batch scoring volume and A/B test length."""

from __future__ import annotations

from typing import TYPE_CHECKING

from framework.whatif import Figure

if TYPE_CHECKING:
    from framework.runmetrics import RunMetrics
    from framework.specs import CaseDesign

LIST_LENGTH = 10  # songs per cached list
BYTES_PER_SONG_ID = 8  # a 64-bit song id
CANDIDATES_PER_USER = 500  # songs a two-stage batch job ranks per user (ANN retrieval first)
REFRESHES_PER_DAY = 6  # a refresh every few hours
WEEK_DAYS = 7
DEFAULT_TRAFFIC_SHARE = 0.01  # the config's default cap per arm, for a run that does not record it


def figures(design: CaseDesign, metrics: RunMetrics | None) -> list[Figure]:
    """Cache size, batch scoring volume and (with a run's A/B plan) the test's share of traffic and length.

    Args:
        design: the design with the what-if constraints.
        metrics: the last run's metrics (its A/B plan's users per arm), or None.
    """
    users = design.problem.constraints.daily_active_users
    entry = LIST_LENGTH * BYTES_PER_SONG_ID  # as step 8 reports it: song ids only, before key overhead
    out = [
        Figure(
            "cache",
            "cache size (top-10 per daily user)",
            users * entry / 1e9,
            "GB",
            f"daily users x {LIST_LENGTH} song ids x {BYTES_PER_SONG_ID} B (ids only; keys and replicas add to it)",
        ),
        Figure(
            "batch",
            "user-song pairs scored per refresh",
            users * CANDIDATES_PER_USER,
            "pairs",
            f"daily users x {CANDIDATES_PER_USER} retrieved candidates per user",
        ),
        Figure(
            "batch",
            "user-song pairs scored per day",
            users * CANDIDATES_PER_USER * REFRESHES_PER_DAY,
            "pairs",
            f"pairs per refresh x {REFRESHES_PER_DAY} refreshes a day",
        ),
    ]
    plan = _ab_plan(metrics)
    if plan is not None:
        per_arm, share = plan
        days_by_traffic = per_arm / (users * share)
        out += [
            Figure(
                "A/B test",
                "days to fill one arm at the traffic cap",
                days_by_traffic,
                "days",
                f"users per arm (this run's plan) / (daily users x {share:.0%} per arm)",
            ),
            Figure(
                "A/B test",
                "test length in whole weeks",
                WEEK_DAYS * max(1, -(-days_by_traffic // WEEK_DAYS)),
                "days",
                "days to fill one arm, rounded up to whole weeks (weekday listening differs)",
            ),
            Figure(
                "A/B test",
                "one arm's share of a day's users",
                per_arm / users,
                "share",
                "users per arm / daily users",
            ),
        ]
    return out


def _ab_plan(metrics: RunMetrics | None) -> tuple[float, float] | None:
    """Users per arm and the traffic cap per arm of the run's A/B plan, when the run has one."""
    if metrics is None or metrics.testing.ab_plan is None:
        return None
    per_arm = metrics.testing.ab_plan.get("per_arm")
    if not isinstance(per_arm, int | float) or per_arm <= 0:
        return None
    return float(per_arm), float(metrics.config.get("ab_traffic_share", DEFAULT_TRAFFIC_SHARE))
