"""Step 4's sentences that depend on the run: which split was made, which feedback was read, how ALS weighs it.

The design's data and model notes name these as ``{data[prose][...]}``, so a synthetic run, a
ratings file with timestamps and one without each state what was actually done.
"""

from __future__ import annotations

from cases.recommendation.config import RecConfig
from cases.recommendation.loader import TEST_FRACTION

_PER_USER = "per-user hold-out of each user's latest {share:.0%} of ratings (by timestamp)"
_FEEDBACK = {
    "explicit": "Every rating counts as one interaction whatever its score: that matches the click task but "
    "throws away the dislike signal of low ratings",
    "implicit": "Every played pair counts as an interaction weighted by its log play count: repeat plays raise "
    "ALS's confidence, but nothing marks a dislike (a pair played once and dropped looks like a mild like)",
    "binary": "Every line counts as one click: the file has no rating column, so there is neither a "
    "strength of liking nor a dislike signal",
}

_ALS_WEIGHT = {
    "explicit": "on this file ALS gives every rated pair the same confidence (each rating is one interaction, "
    "whatever its score), so here it differs from item-CF in its factors, not in its weights",
    "implicit": "on this file ALS turns play counts into confidence (log-scaled), so items played often weigh "
    "more in the fit",
    "binary": "on this file every line is one click, so ALS gives every pair the same confidence and differs "
    "from item-CF in its factors, not in its weights",
}


def synthetic_prose(cfg: RecConfig, reconciliation: str) -> dict[str, str]:
    """The notes of a synthetic run: a global time split of the simulated log (or the drill's random one).

    Args:
        cfg: the run's config.
        reconciliation: how the cleaning counts reconcile with the injected mess.
    """
    if cfg.split == "time":
        split = (
            f"Split by time: the last {cfg.test_fraction:.0%} of the {cfg.days}-day log window is the test "
            "window; every training event is earlier than every test event"
        )
        split_tradeoff = (
            "One global time cut: every training click is earlier than every held-out one, so no model sees the "
            "future; users with no click before the cut are evaluated as cold start"
        )
    else:
        split = (
            f"Split at random (the drill's flaw): {cfg.test_fraction:.0%} of the events of the {cfg.days}-day "
            "window are held out at random, so training holds clicks from the same days as the test"
        )
        split_tradeoff = "A random split of the log leaks later tastes into training: the drill's flaw"
    return {
        "relevant": "Relevant = songs clicked in the held-out window and never clicked before (the feed only "
        "shows new songs)",
        "mess": "The logs are messy on purpose (retries, mixed-case ids, epoch timestamps, truncated JSON, "
        "unknown ids); cleaning counts every dropped line by reason, and the counts reconcile with what was "
        f"injected: {reconciliation}",
        "exposure": f"Impressions come from the current app (taste-driven plus {cfg.explore:.0%} random "
        "exploration), so clicks only exist for songs it chose to show",
        "split": split,
        "split_tradeoff": split_tradeoff,
        "feedback_tradeoff": "Only clicks count as positives: an impression without a click is kept in the log "
        "but no model uses it as a negative",
        "split_question": "Why not a random split of the click log?",
        "split_answer": "It trains on clicks from the same days as the held-out ones, so later tastes leak into "
        "training. The log has timestamps, so the last days are held out instead, as serving would face them",
        "positive": "a clicked impression is a positive and nothing is an explicit negative: ALS treats every "
        f"unclicked pair as a weak zero (confidence one) against one plus {cfg.als_alpha:g} x clicks for "
        "clicked ones",
        "als_weight": "ALS turns repeat clicks into confidence, so songs clicked often weigh more in the fit",
        "cold_check": "That a user without history gets a full list of distinct songs, exactly their segment's "
        "top-10 in order, through the deployed model's code path",
        "evaluated": "Every user who clicked at least one new song in the held-out window, cold-start users "
        "included (CF models give them the segment fallback)",
        "time_split_question": "Why a time split and not a random split?",
        "time_split_answer": "Serving always predicts the future from the past; a random split leaks later tastes"
        if cfg.split == "time"
        else "Serving always predicts the future from the past; this run's random split (the drill's flaw) leaks "
        "later tastes, which is what the drill asks you to catch",
    }


def real_prose(cfg: RecConfig, *, has_timestamp: bool, feedback: str, formula: str) -> dict[str, str]:
    """The notes of a ratings file: a per-user hold-out, temporal when it has timestamps, random when not.

    Args:
        cfg: the run's config (ALS's alpha).
        has_timestamp: whether the file has a timestamp column.
        feedback: the detected feedback mode (explicit, implicit or binary).
        formula: the per-pair weight ALS multiplies by alpha (the data table's ``confidence``).
    """
    share = f"{TEST_FRACTION:.0%}"
    if has_timestamp:
        split = (
            f"Split per user by time: each user's latest {share} of ratings are held out (at least one kept for "
            "training)"
        )
        split_tradeoff = (
            "A per-user temporal hold-out keeps every user evaluable but is not one global cut: one user's "
            "training ratings can be later than another's held-out ones, so co-rating neighbours still see some "
            "of the future; one global time cut (users with too few earlier ratings evaluated as cold start) "
            "avoids that"
        )
        split_question = "Why not a per-user random split of the ratings?"
        split_answer = (
            "It trains on a user's later ratings to predict earlier ones. This file has timestamps, so each "
            "user's latest ratings are held out instead"
        )
        time_answer = (
            "Serving always predicts the future from the past; a random split leaks later tastes, so this run "
            "holds out each user's latest ratings (a per-user cut, not one global date)"
        )
    else:
        split = (
            f"Split per user at random: the file has no timestamp, so a seeded random {share} of each user's "
            "ratings is held out (at least one kept for training)"
        )
        split_tradeoff = (
            "A per-user random hold-out is all a file without timestamps allows: it trains on some of a user's "
            "later ratings to predict earlier ones, so it flatters every model that uses co-rating (item-CF, "
            "ALS, EASE) against what serving the future would score; add a timestamp column to get a temporal "
            "hold-out"
        )
        split_question = "Why a per-user random split here?"
        split_answer = (
            "The file has no timestamp column, so there is no order to hold the latest ratings out by; a random "
            "split trains on later ratings to predict earlier ones and reads optimistic. With timestamps the "
            "run holds out each user's latest ratings instead"
        )
        time_answer = (
            "Serving always predicts the future from the past, and a random split leaks later tastes; this file "
            "has no timestamps, so this run's split is random per user and its numbers are optimistic for that "
            "reason"
        )
    return {
        "relevant": "Relevant = items the user rated in the held-out part and never in training (the feed only "
        "shows new songs)",
        "mess": "A ratings file has no injected mess to reconcile: a malformed row is refused with its file, "
        "line, column and value, and oddities that can be read are listed as warnings",
        "exposure": "The file logs what users rated or played, not what they were shown, so the exposure bias of "
        "whatever app collected it is there but cannot be measured",
        "split": split,
        "split_tradeoff": split_tradeoff,
        "feedback_tradeoff": _FEEDBACK[feedback],
        "split_question": split_question,
        "split_answer": split_answer,
        "positive": f"every row of the file ({feedback} feedback) is a positive and nothing is an explicit "
        f"negative: ALS treats every pair not in the file as a weak zero (confidence one) against one plus "
        f"{cfg.als_alpha:g} x w for the pairs in it, where w is {formula}",
        "als_weight": _ALS_WEIGHT[feedback],
        "cold_check": "On a ratings file it cannot be made as specified: the file has no user segments (no age or "
        "location) and every user keeps a training rating, so there is no cold user; blanking warm users' "
        "histories only checks that the fallback code path returns the global popularity top-10",
        "evaluated": "Every user with at least one held-out rating of an item not rated in training; the split "
        "keeps a training rating for every user, so no cold-start user is evaluated here",
        "time_split_question": "Why a time split and not a random split?",
        "time_split_answer": time_answer,
    }
