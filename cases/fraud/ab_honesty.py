"""What the A/B plan must say plainly: the treatment against today's control on money, and guardrails with bounds."""

from __future__ import annotations

from typing import Any

from scipy.stats import chi2

CONFIDENCE = 0.95


def poisson_upper(count: float, confidence: float = CONFIDENCE) -> float:
    """Exact (Garwood) one-sided upper confidence bound on a Poisson mean after ``count`` events."""
    return float(chi2.ppf(confidence, 2 * (round(count) + 1)) / 2)


def money_verdict(treatment_cost: float, control: str, control_cost: float, control_alerts: float) -> str:
    """The treatment's test cost against the control's as it runs today, said whichever way it falls."""
    gap = treatment_cost - control_cost
    if gap > 0:
        return (
            f"on money the treatment loses: it costs {treatment_cost:,.0f} on the test window against "
            f"{control_cost:,.0f} for {control} as it runs today ({control_alerts:,.0f} alerts at its own validation "
            f"threshold), {gap:,.0f} more. The recall lift the A/B is sized for counts frauds, not money: do not run "
            "this treatment until a policy that keeps both guardrails beats the control's cost on the validation "
            "window, and make fraud loss (amount-weighted, in basis points of volume) the primary metric with the "
            "false-decline rate as a guardrail"
        )
    return (
        f"on money the treatment also wins on the test window: {treatment_cost:,.0f} against {control_cost:,.0f} "
        f"for {control} as it runs today ({control_alerts:,.0f} alerts at its own validation threshold), "
        f"{-gap:,.0f} less; the A/B's recall lift counts frauds, so fraud loss (amount-weighted) belongs next to it"
    )


def guardrail_bounds(
    row: dict[str, float], legit_rows: int, fdr_limit: float, queue_limit: float, cards: bool = True
) -> dict[str, Any]:
    """Upper bounds of the treatment's false-decline rate and queue from the few honest declines they rest on.

    The queue is scaled up from flagged honest card-days (they dominate it at production prevalence), so
    its bound scales with the same ratio; both are approximate and optimistic for the queue. Without
    cards (anonymous data) only the false-decline bound is given: the queue counts cards.
    """
    declines = row["false_decline_rate"] * legit_rows
    upper = poisson_upper(declines)
    ratio = upper / declines if declines > 0 else 0.0
    fdr_upper = upper / max(legit_rows, 1)
    if not cards:
        keeps = fdr_upper <= fdr_limit
        return {
            "honest_declines_on_test": declines,
            "false_decline_rate_upper_95": fdr_upper,
            "guardrails_hold_at_upper_bound": keeps,
            "guardrail_uncertainty": f"the verdict rests on {declines:,.0f} honest declines among {legit_rows:,} "
            f"legitimate test transactions: the {CONFIDENCE:.0%} upper bound is {upper:,.1f}, a false-decline rate "
            f"up to {fdr_upper:.3%} (limit {fdr_limit:.2%}); the review queue counts cards, which the file does "
            "not name, so it has no bound here",
        }
    queue_upper = row["review_queue_cards_per_day"] * ratio if declines > 0 else None
    keeps = fdr_upper <= fdr_limit and queue_upper is not None and queue_upper <= queue_limit
    queue_said = (
        f"a queue of roughly {queue_upper:,.0f} cards a day (limit {queue_limit:,.0f}, scaling the point estimate by "
        "the same ratio)"
        if queue_upper is not None
        else f"no bound on the queue (limit {queue_limit:,.0f}): with no honest decline there is nothing to scale"
    )
    text = (
        f"the verdicts rest on {declines:,.0f} honest declines among {legit_rows:,} legitimate test transactions: "
        f"the {CONFIDENCE:.0%} upper bound is {upper:,.1f}, a false-decline rate up to {fdr_upper:.3%} (limit "
        f"{fdr_limit:.2%}) and {queue_said}: "
        + (
            "both upper bounds stay under their limits"
            if keeps
            else "a guardrail 'pass' here is a point estimate; require the upper bound under the limit (or a "
            "margin) and pool more days before shipping"
        )
    )
    return {
        "honest_declines_on_test": declines,
        "false_decline_rate_upper_95": fdr_upper,
        "review_queue_upper_95": queue_upper,
        "guardrails_hold_at_upper_bound": keeps,
        "guardrail_uncertainty": text,
    }
