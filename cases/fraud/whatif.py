"""What-if figures of the fraud case: review queue, false declines and A/B duration at the design's volume."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cases.fraud.design import (
    DESIGN,
    FALSE_DECLINE_LIMIT,
    PRODUCTION_FRAUD_CARD_SHARE,
    REVIEW_CAPACITY_SHARE,
)
from framework.whatif import Figure

if TYPE_CHECKING:
    from framework.runmetrics import RunMetrics
    from framework.specs import CaseDesign

SHIPPED = "threshold within both guardrails"  # the policy the A/B ships, when the run chose it


def figures(design: CaseDesign, metrics: RunMetrics | None) -> list[Figure]:
    """The fraud case's design-level figures at ``design``'s constraints (measured rates from ``metrics``).

    Args:
        design: the design, possibly with what-if constraints.
        metrics: the last run's metrics, or None (only the figures the spec alone gives).
    """
    c = design.problem.constraints
    cards, tx = c.daily_active_users, c.daily_active_users * c.requests_per_user_per_day
    out = [
        Figure(
            "review queue",
            "fraudulent cards per day",
            cards * PRODUCTION_FRAUD_CARD_SHARE,
            "cards/day",
            f"active cards x assumed production share of cards with a fraud ({PRODUCTION_FRAUD_CARD_SHARE:.2%})",
        ),
        Figure(
            "review queue",
            "review capacity",
            cards * REVIEW_CAPACITY_SHARE,
            "cards/day",
            f"active cards x the share the team can review ({REVIEW_CAPACITY_SHARE:.1%})",
        ),
        Figure(
            "false declines",
            "false declines allowed per day",
            tx * FALSE_DECLINE_LIMIT,
            "transactions/day",
            f"transactions per day x the false-decline limit ({FALSE_DECLINE_LIMIT:.1%})",
        ),
    ]
    if metrics is None:
        return out
    return out + _measured(metrics.model_dump(), cards, tx)


def _measured(m: dict[str, Any], cards: float, tx: float) -> list[Figure]:
    """Figures that scale this run's measured rates to ``cards`` active cards and ``tx`` transactions a day."""
    policies = m["testing"]["slices"].get("decision policy", {})
    ab = m["testing"].get("ab_test") or {}
    name = ab.get("treatment_policy", SHIPPED)
    policy = policies.get(name)
    out: list[Figure] = []
    if policy:
        # The run's queue is computed at the design's own active cards: a rate per active card.
        per_card = policy["review_queue_cards_per_day"] / DESIGN.problem.constraints.daily_active_users
        out += [
            Figure(
                "review queue",
                "review queue at the shipped policy",
                per_card * cards,
                "cards/day",
                f"active cards x the '{name}' policy's queue per active card on the test window",
            ),
            Figure(
                "review queue",
                "queue over capacity",
                per_card / REVIEW_CAPACITY_SHARE,
                "x",
                "queue per active card / reviewable share (does not change with volume)",
            ),
            Figure(
                "false declines",
                "honest transactions declined per day",
                policy["false_decline_rate"] * tx,
                "transactions/day",
                f"transactions per day x the '{name}' policy's false-decline rate on the test window",
            ),
        ]
    needed = ab.get("frauds_per_arm")
    per_day = ab.get("frauds_per_fraudulent_card_day")
    share = ab.get("treatment_traffic_share")
    if needed and per_day and share:
        frauds_per_day = cards * PRODUCTION_FRAUD_CARD_SHARE * per_day * share
        days = needed / frauds_per_day
        out += [
            Figure(
                "A/B test",
                "frauds needed per arm",
                float(needed),
                "frauds",
                "two-proportion sample size x design effect (does not change with volume)",
            ),
            Figure(
                "A/B test",
                "days of the treatment arm's traffic",
                days,
                "days",
                "frauds per arm / (active cards x production fraud share x frauds per fraudulent card-day x "
                "treatment share)",
            ),
            Figure(
                "A/B test",
                "card-days through the treatment arm in that time",
                cards * share * days,
                "card-days",
                "active cards x treatment share x days (more volume: fewer days, the same card-days)",
            ),
        ]
    return out
