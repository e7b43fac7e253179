"""The go/no-go: the decision policy is chosen on the validation window, then read on the test window."""

from __future__ import annotations

from dataclasses import dataclass

from cases.fraud.design import DESIGN
from framework.results import Measured

Table = dict[str, dict[str, float]]
SHORT = {"false_decline_rate": "false declines", "review_queue_cards_per_day": "review queue"}
DEPLOYED = "deployed threshold"
NONE = "none"


@dataclass(frozen=True)
class PolicyChoice:
    """Which policy goes into the A/B test, chosen without the test labels, and what hindsight would have chosen.

    Attributes:
        verdict: the go/no-go sentence the report prints.
        chosen: the cheapest policy on the validation window among those keeping both decision
            guardrails there (None when none does: nothing goes into the A/B test).
        test_optimum: the cheapest policy on the test window among those keeping both guardrails
            there (None when none does): the test-tuned choice the report used to make.
        figures: the chosen policy's and the test optimum's costs, and the gap between them.
    """

    verdict: str
    chosen: str | None
    test_optimum: str | None
    figures: dict[str, str | float | bool]


def _fmt(unit: str, value: float) -> str:
    return f"{value:.2%}" if unit == "share" else f"{value:,.0f} {unit}"


def failures(row: dict[str, float]) -> list[str]:
    """The decision guardrails a policy's figures break, each with its value and limit (absent figures are skipped)."""
    return [
        f"{SHORT[g.name]} {_fmt(g.unit, row[g.name])} (limit {_fmt(g.unit, g.limit)})"
        for g in DESIGN.metrics.guardrails
        if g.name in SHORT and row.get(g.name) is not None and row[g.name] > g.limit
    ]


def queue_said(row: dict[str, float]) -> str:
    """How many cards a day a policy sends to review, or why that is not measured."""
    if "review_queue_cards_per_day" not in row:
        return "its review queue in cards a day is not measured (the file names no cards)"
    return f"sending {row['review_queue_cards_per_day']:,.0f} cards a day to review"


def cheapest_keeping(table: Table) -> str | None:
    """The lowest-cost policy of ``table`` that keeps both decision guardrails (None when none does)."""
    keeping = {name: row for name, row in table.items() if not failures(row)}
    return min(keeping, key=lambda n: keeping[n]["expected_cost"]) if keeping else None


def choose(measured: Measured, test: Table, validation: Table, model: str) -> PolicyChoice:
    """Ship or not: the deployed model as is on test, then the policy chosen on validation and its test figures.

    Every policy's parameters (thresholds, calibration, cost bands) are fixed on the validation
    window, and so is the choice among them: the cheapest on validation of those keeping both
    guardrails there. Its test-window cost is then an honest estimate; the policy that would
    have been picked on the test window itself is reported next to it with the gap.

    Args:
        measured: the deployed model's guardrails at its cost threshold on the test window.
        test: the policy table on the test window.
        validation: the same policies on the validation window.
        model: the deployed model's name.
    """
    failed = failures(dict(measured.values))
    as_is = (
        f"{model} at its cost threshold keeps the false-decline and review-queue guardrails on the test window"
        if not failed
        else f"{model} at its cost threshold fails {' and '.join(failed)} on the test window"
    )
    chosen, optimum = cheapest_keeping(validation), cheapest_keeping(test)
    figures: dict[str, str | float | bool] = {  # a policy name or "none", then costs where defined
        "policy_chosen_on_validation": chosen or NONE,
        "policy_test_optimum": optimum or NONE,
    }
    if chosen is None:
        verdict = (
            f"{'go' if not failed else 'not shippable as is'}: {as_is}; no measured policy keeps both guardrails "
            "on the validation window, so nothing is chosen and nothing goes into the A/B test"
        )
        return PolicyChoice(verdict, None, optimum, figures)
    row, val_row = test[chosen], validation[chosen]
    on_test = failures(row)
    figures |= {
        "chosen_validation_cost": val_row["expected_cost"],
        "chosen_test_cost": row["expected_cost"],
        "chosen_keeps_guardrails_on_test": not on_test,
    }
    if optimum is not None:  # no test-tuned optimum, no gap (rather than a NaN in metrics.json)
        optimum_cost = test[optimum]["expected_cost"]
        gap = row["expected_cost"] - optimum_cost
        figures |= {"test_optimum_cost": optimum_cost, "choice_gap_to_test_optimum": gap}
    if optimum is None:
        hindsight = "no policy keeps both guardrails on the test window, so there is no test-tuned optimum to compare"
    elif optimum == chosen:
        hindsight = "the policy the test window itself would pick is the same one: a gap of 0"
    elif row["expected_cost"] >= optimum_cost:
        hindsight = (
            f"with hindsight the test window would pick '{optimum}' at {optimum_cost:,.0f}: choosing without the "
            f"test labels costs {row['expected_cost'] - optimum_cost:,.0f} more on the test window"
        )
    else:  # cheaper than every policy keeping the guardrails on test, because it breaks one there
        hindsight = (
            f"with hindsight the test window would pick '{optimum}' at {optimum_cost:,.0f}, dearer by "
            f"{optimum_cost - row['expected_cost']:,.0f} because the chosen policy buys its cost with a broken "
            "guardrail"
        )
    verdict = (
        f"{'not shippable as is' if failed else 'go'}: {as_is}. "
        f"Chosen on the validation window (the cheapest there of the policies keeping both guardrails, "
        f"{val_row['expected_cost']:,.0f}): '{chosen}'. On the test window it challenges "
        f"{row['frauds_challenged']:.1%} of frauds at a cost of {row['expected_cost']:,.0f} (deployed threshold "
        f"{test[DEPLOYED]['expected_cost']:,.0f}), declining {row['false_decline_rate']:.2%} of legitimate "
        f"transactions and {queue_said(row)}: "
        + (
            "it keeps both guardrails there too"
            if not on_test
            else f"on the test window it fails {' and '.join(on_test)}, a risk the A/B test's guardrails must catch"
        )
        + f"; {hindsight}. It is the A/B treatment"
    )
    return PolicyChoice(verdict, chosen, optimum, figures)
