"""A/B test against the generator: feed click probabilities, a plan sized from a chosen effect, the simulated test."""

from __future__ import annotations

import numpy as np

from cases.recommendation.generator import World
from cases.recommendation.models import BATCH_USERS
from framework.abtest import difference_test, ratio_ci


def p_text(p: float) -> str:
    """A p-value as the report and the plot print it: ``< 1e-16`` below double precision's resolution."""
    return "< 1e-16" if p < 1e-16 else f"{p:.2g}"


def slot_attention(k: int, top: float) -> np.ndarray:
    """Chance that a user looks at each of the ``k`` feed slots: ``top / log2(1 + position)`` (position bias).

    The discount is the one NDCG uses, so the offline metric and the simulated feed agree on
    how much the lower slots matter.
    """
    return top / np.log2(np.arange(2, k + 2))


def feed_probabilities(list_p: np.ndarray, top: float) -> np.ndarray:
    """Per-slot click probability of a feed view: looked at (position bias) times the true click probability."""
    return list_p * slot_attention(list_p.shape[1], top)[None, :]


def production_slot_probability(world: World, users: np.ndarray, explore: float) -> np.ndarray:
    """True click probability of one slot of today's feed (the app that wrote the logs), per user.

    Today's feed draws each song in proportion to the user's affinity, plus ``explore``
    uniform exploration (:func:`cases.recommendation.generator.simulate_events`), so a slot
    is clicked with ``sum_i q_ui p_ui`` whatever its content.
    """
    out = np.zeros(len(users))
    for start in range(0, len(users), BATCH_USERS):  # batches bound the (users x catalogue) probability block
        p = world.click_probability(users[start : start + BATCH_USERS]).astype(np.float64)
        q = (1 - explore) * p / p.sum(axis=1, keepdims=True) + explore / p.shape[1]
        out[start : start + BATCH_USERS] = (q * p).sum(axis=1)
    return out


def intra_user_correlation(clicks: np.ndarray, impressions: np.ndarray) -> float:
    """One-way ANOVA estimate of the correlation of two impressions' clicks of the same user.

    ``rho = (MSB - MSW) / (MSB + (n0 - 1) MSW)`` with users as groups of unequal size
    (Donner, 1986); users without impressions are ignored, a negative estimate is clipped to 0.
    """
    shown = impressions > 0
    c, n = clicks[shown].astype(float), impressions[shown].astype(float)
    groups, total = len(n), n.sum()
    if groups < 2 or total <= groups:
        return 0.0
    mean = c.sum() / total
    msb = ((c - n * mean) ** 2 / n).sum() / (groups - 1)
    msw = (c - c**2 / n).sum() / (total - groups)
    n0 = (total - (n**2).sum() / total) / (groups - 1)
    denominator = msb + (n0 - 1) * msw
    return float(max((msb - msw) / denominator, 0.0)) if denominator > 0 else 0.0


def feed_views(slot_p: np.ndarray, sessions_per_user: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Clicks and impressions per user of a Poisson number of feed views with per-slot click probabilities.

    Args:
        slot_p: ``(n_users, k)`` click probability of each slot (0 for padding).
        sessions_per_user: mean feed views per user.
        rng: random stream.
    """
    clicks, impressions = slot_clicks(slot_p, sessions_per_user, rng)
    return clicks.sum(axis=1), impressions


def slot_clicks(
    slot_p: np.ndarray, sessions_per_user: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`feed_views` (the same draws) but with the clicks of every slot: ``(n_users, k)`` and impressions."""
    sessions = rng.poisson(sessions_per_user, len(slot_p))
    slots = (slot_p > 0).sum(axis=1)
    clicks = rng.binomial(np.repeat(sessions, slot_p.shape[1]).reshape(slot_p.shape), slot_p)
    return clicks, sessions * slots


def list_probabilities(world: World, users: np.ndarray, lists: np.ndarray) -> np.ndarray:
    """True click probability of every listed song (0 for padding), in batches of users.

    Args:
        world: the generator's truth.
        users: user indices.
        lists: ``(len(users), k)`` song ids, -1 padded.
    """
    out = np.zeros(lists.shape)
    for start in range(0, len(users), BATCH_USERS):  # batches bound the (users x catalogue) probability block
        block = lists[start : start + BATCH_USERS]
        p = world.click_probability(users[start : start + BATCH_USERS])
        out[start : start + BATCH_USERS] = np.where(block >= 0, np.take_along_axis(p, np.clip(block, 0, None), 1), 0)
    return out


def simulate(
    p_control: np.ndarray,
    p_treatment: np.ndarray,
    treated: np.ndarray,
    sessions_per_user: float,
    rng: np.random.Generator,
) -> dict[str, float]:
    """Run an A/B test on simulated users whose clicks follow the true click probabilities.

    Every user views the top-k list of their arm in a Poisson number of sessions; each
    shown song is clicked with the user's true probability for it. CTR intervals are
    delta-method intervals over users (:func:`framework.abtest.ratio_ci`), because one
    user's impressions are not independent.

    Args:
        p_control: ``(n_users, k)`` true click probability of each song of the control list (0 for padding).
        p_treatment: same for the treatment list.
        treated: boolean arm assignment per user.
        sessions_per_user: mean feed views per user.
        rng: the ``ab_clicks`` random stream.

    Returns:
        Flat dict: users, impressions, clicks and CTR (with 95% CI) per arm, absolute and relative
        lift and the z-test p-value. The sample size comes from the plan, never from this lift.
    """
    return analyse(*simulate_slots(p_control, p_treatment, treated, sessions_per_user, rng), treated)


def simulate_slots(
    p_control: np.ndarray,
    p_treatment: np.ndarray,
    treated: np.ndarray,
    sessions_per_user: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Clicks of every slot of every simulated user, ``(n_users, k)``, and their impressions (:func:`simulate`)."""
    probs = np.where(treated[:, None], p_treatment, p_control)
    return slot_clicks(probs, sessions_per_user, rng)


def analyse(per_slot: np.ndarray, impressions: np.ndarray, treated: np.ndarray) -> dict[str, float]:
    """Per-arm CTR with delta-method intervals, the lift and its p-value, from per-slot clicks (:func:`simulate`)."""
    clicks = per_slot.sum(axis=1)
    out: dict[str, float] = {}
    se = {}
    for arm, mask in (("control", ~treated), ("treatment", treated)):
        ctr, s, lo, hi = ratio_ci(clicks[mask], impressions[mask])
        se[arm] = s
        out.update(
            {
                f"{arm}_users": int(mask.sum()),
                f"{arm}_impressions": int(impressions[mask].sum()),
                f"{arm}_clicks": int(clicks[mask].sum()),
                f"{arm}_ctr": ctr,
                f"{arm}_ctr_ci_low": lo,
                f"{arm}_ctr_ci_high": hi,
            }
        )
    c, t = out["control_ctr"], out["treatment_ctr"]
    lift = difference_test(c, se["control"], t, se["treatment"])
    out["lift_abs"] = t - c
    out["lift_rel"] = (t - c) / c if c > 0 else float("nan")
    out["lift_abs_ci_low"] = lift["ci_low"]
    out["lift_abs_ci_high"] = lift["ci_high"]
    out["p_value"] = lift["p_value"]
    out["significant_at_5pct"] = bool(out["p_value"] < 0.05)
    return out
