"""A/B test against the generator: CTR per arm with user-level confidence intervals, lift, and the sample size."""

from __future__ import annotations

import math

import numpy as np

from cases.recommendation.generator import World
from cases.recommendation.models import BATCH_USERS
from framework.abtest import difference_test, ratio_ci, two_proportion_sample_size


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
        lift, z-test p-value, and the impressions/users per arm needed for the observed lift at 80% power.
    """
    sessions = rng.poisson(sessions_per_user, len(treated))
    probs = np.where(treated[:, None], p_treatment, p_control)
    slots = (probs > 0).sum(axis=1)
    clicks = rng.binomial(np.repeat(sessions, probs.shape[1]).reshape(probs.shape), probs).sum(axis=1)
    impressions = sessions * slots
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
    if 0 < c < 1 and 0 < t < 1 and c != t:
        n_imp = two_proportion_sample_size(c, t)
        out["sample_size_per_arm_impressions"] = n_imp
        out["sample_size_per_arm_users"] = math.ceil(n_imp / max(impressions.mean(), 1e-9))
    if 0 < c < 0.95:
        # Planning figure for the next, subtler experiment: a 2% relative lift on this control CTR.
        out["sample_size_per_arm_for_2pct_relative_lift"] = two_proportion_sample_size(c, c * 1.02)
    return out
