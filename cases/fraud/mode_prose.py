"""Sentences the design notes quote whose content depends on the data mode (cards, terminals, split unit).

The notes are templates filled from ``metrics.json``; a sentence about card precision or the card
review queue cannot be a template when the anonymous mode has no cards. These functions write such
a sentence from this run's figures (the same words as before on synthetic data), or say why the
figure is absent.
"""

from __future__ import annotations

from typing import Any

from cases.fraud.split import Windows

NO_CARDS = "the file names no cards"


def data_sentences(
    summary: dict[str, Any], windows: Windows, has_cards: bool, has_terminals: bool, delay_days: float
) -> dict[str, str]:
    """``cards_said``, ``card_precision_note``, ``split_said`` and the window lengths of the data summary.

    Args:
        summary: the data summary so far (customers, review share, removed cards...).
        windows: the main split.
        has_cards: False in the anonymous mode.
        has_terminals: False without terminal ids.
        delay_days: the label delay in days.
    """
    unit = windows.unit
    said = {
        "train_window_said": f"{windows.train_days}-{unit}",
        "validation_shift_said": f"{windows.delay_days} + {windows.test_days}"
        + ("" if unit == "day" else f" {unit}s, scaled to the data's span"),
    }
    if windows.unit == "day":
        span = (
            f"Split {windows.train_days} training days, a {windows.delay_days}-day gap as long as the label delay, "
            f"{windows.test_days} test days"
        )
    else:
        span = (
            f"Split {windows.train_days} training hours, a {windows.delay_days}-hour gap as long as the label delay "
            f"({delay_days:g} days), {windows.test_days} test hours (scaled to the data's span)"
        )
    if not has_cards:
        return said | {
            "cards_said": f" ({NO_CARDS})",
            "card_precision_note": f"Card precision@100 is absent on this run: {NO_CARDS}, so no card can be ranked "
            "per day; the ranking is read by average precision, ROC-AUC and recall at the FPR.",
            "split_said": f"{span}; {NO_CARDS}, so no test row is dropped as a card already known to be compromised.",
        }
    k = summary["investigated_cards_per_day"]
    if summary.get("test_cards_per_day", k) < k:
        note = (
            f"Card precision@{k} cannot separate models on this run: the test window has about "
            f"{summary['test_cards_per_day']:,.1f} cards a day, fewer than the {k} investigated, so every model's "
            f"top {k} holds every card (never_fraud included) and the metric is just the share of fraudulent "
            "cards; monitoring does not alert on it. Read the ranking by average precision and ROC-AUC."
        )
        return said | {
            "cards_said": f" of {summary['customers']:,} cards",
            "card_precision_note": note,
            "split_said": f"{span}; test rows of cards whose fraud was already released are dropped "
            f"({summary['test_cards_removed_known_compromised']:,} cards: they are blocked).",
        }
    return said | {
        "cards_said": f" of {summary['customers']:,} cards",
        "card_precision_note": f"Card precision@100 investigates {summary['investigated_cards_per_day']} cards a day "
        f"out of a {'simulated' if summary['source'] == 'simulator' else 'real'} portfolio of "
        f"{summary['customers']:,}, {summary['investigated_share_of_cards']:.1%} of it; at the design's volume "
        f"the same share would be a queue far beyond any team (sized at {summary['review_capacity_share']:.1%} of "
        "active cards), so it reads as 'precision of the top slice', not as the team's workload.",
        "split_said": f"{span}; test rows of cards whose fraud was already released are dropped "
        f"({summary['test_cards_removed_known_compromised']:,} cards: they are blocked).",
    }


def features_said(names: list[str], windows_days: str | None, has_terminals: bool, given: tuple[str, ...]) -> str:
    """What the features are, for the note ``{features[n_features]} features in all: ...``."""
    if windows_days is None:
        return (
            f"the amount and the file's own numeric columns ({', '.join(given) or 'none'}); {NO_CARDS}, so no windows"
        )
    text = f"amount, weekend and night flags, and for windows of {windows_days} days the card's count and mean amount"
    if has_terminals:
        return text + " and the terminal's count and fraud share"
    return text + "; no terminal features (the file names no terminal)"


def patterns_said(synthetic: bool, outlier_amount: float, card_factor: float, has_cards: bool) -> str:
    """Why trees may beat the logistic regression: the simulator's patterns, or only the inputs on real data."""
    if synthetic:
        return (
            f"The patterns are not linear (an amount step above {outlier_amount:g}, a card suddenly spending "
            f"{card_factor:g} times its usual amount): trees can cut them directly, while the logistic regression "
            "gets them only through the amount and card-average features"
        )
    inputs = "the amount and card-average features" if has_cards else "the amount and the file's own columns"
    return (
        "Real data's patterns are not known in advance: trees can cut interactions and steps directly, while the "
        f"logistic regression gets them only through {inputs}"
    )


def testing_sentences(
    has_cards: bool, best: dict[str, float], guardrails: dict[str, float], limit: float, table: dict[str, Any]
) -> dict[str, str]:
    """``review_queue_note``, ``review_queue_said`` and ``card_precision_said`` of the A/B table.

    Args:
        has_cards: False in the anonymous mode.
        best: the deployed model's metrics.
        guardrails: the measured guardrail values.
        limit: the review-queue limit.
        table: the A/B table (production and simulated fraud-card shares).
    """
    if not has_cards:
        return {
            "review_queue_note": f". The review queue in cards a day is not measured: {NO_CARDS}.",
            "review_queue_said": f"its review queue in cards a day is not measured ({NO_CARDS})",
            "card_precision_said": f"no card precision ({NO_CARDS})",
        }
    from cases.fraud.design import DESIGN

    queue = guardrails["review_queue_cards_per_day"]
    said = f"sends {queue:,.0f} cards a day to review (limit {limit:,.0f})"
    return {
        "review_queue_note": f" and, at {DESIGN.problem.constraints.daily_active_users:,} active cards a day, sends "
        f"{queue:,.0f} cards a day to review (limit {limit:,.0f}, the team's share of active cards). The queue is "
        f"scaled with an assumed production prevalence of {table['production_fraud_card_share']:.2%} fraudulent "
        f"cards a day; the simulator has {table['simulated_fraud_card_share']:.2%}, and scaling that instead would "
        "fill any queue with real frauds, the oracle's included.",
        "review_queue_said": said,
        "card_precision_said": f"card precision at the review budget (100 cards a day) "
        f"{best['card_precision_at_100']:.3f}",
    }


def monitoring_sentences(extra: dict[str, Any], synthetic: bool) -> dict[str, str]:
    """``fraud_cards_said``, ``card_precision_said``, ``card_precision_moves`` and ``card_k_answer``."""
    if "card_precision_k" not in extra:
        return {
            "fraud_cards_said": f"{NO_CARDS}, so fraudulent cards a day cannot be counted",
            "card_precision_said": f" (card precision is not monitored: {NO_CARDS})",
            "card_precision_moves": "",
            "card_k_answer": f"Not used on this run: {NO_CARDS}, so no card precision is monitored.",
        }
    k, per_day = extra["card_precision_k"], extra["fraud_cards_per_day"]
    moves = (
        f" Card precision@{k} barely moves while average precision falls: the many small card-testing frauds "
        "dilute the ranking metric, so the money impact of this drift is smaller than the loud alert suggests."
    )
    return {
        "fraud_cards_said": f"about {per_day:.0f} a day",
        "card_precision_said": f" and card precision@{k} {extra['card_precision_before']:.3f} -> "
        f"{extra['card_precision_after']:.3f}",
        "card_precision_moves": moves if synthetic else "",
        "card_k_answer": f"The {'simulated' if synthetic else 'real'} portfolio has about {per_day:.0f} fraudulent "
        "cards a day; with a k far above that every one of them is in the top k anyway and the metric cannot "
        "drop. k is scaled with the portfolio.",
    }
