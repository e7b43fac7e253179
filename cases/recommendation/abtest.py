"""A/B test against the generator: CTR per arm with user-level confidence intervals, lift, and the sample size."""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm


def two_proportion_sample_size(p1: float, p2: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Impressions per arm to detect ``p1`` vs ``p2`` with a two-sided two-proportion z-test.

    ``n = (z_{1-a/2} sqrt(2 pbar (1 - pbar)) + z_{power} sqrt(p1 (1 - p1) + p2 (1 - p2)))^2 / (p1 - p2)^2``
    with ``pbar = (p1 + p2) / 2``, rounded up.

    Args:
        p1: control rate.
        p2: treatment rate.
        alpha: two-sided significance level.
        power: probability of detecting the difference when it is real.

    Returns:
        Sample size per arm.

    Raises:
        ValueError: when the rates are equal or outside (0, 1).
    """
    if not (0 < p1 < 1 and 0 < p2 < 1):
        raise ValueError(f"rates must be in (0, 1), got {p1}, {p2}")
    if p1 == p2:
        raise ValueError("rates are equal: no sample size detects a zero difference")
    z_a = norm.ppf(1 - alpha / 2)
    z_b = norm.ppf(power)
    pbar = (p1 + p2) / 2
    num = z_a * math.sqrt(2 * pbar * (1 - pbar)) + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(num**2 / (p1 - p2) ** 2)


def ratio_ci(clicks: np.ndarray, impressions: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float]:
    """CTR = sum(clicks) / sum(impressions) over users, with a delta-method CI that respects user clustering.

    Args:
        clicks: clicks per user.
        impressions: impressions per user (users with none are ignored).
        level: confidence level.

    Returns:
        ``(ctr, standard_error, low, high)``.
    """
    shown = impressions > 0
    c, n = clicks[shown].astype(float), impressions[shown].astype(float)
    ctr = c.sum() / n.sum()
    resid = c - ctr * n
    se = math.sqrt(resid.var(ddof=1) / len(n)) / n.mean() if len(n) > 1 else 0.0
    z = norm.ppf(0.5 + level / 2)
    return float(ctr), float(se), float(ctr - z * se), float(ctr + z * se)


def simulate(
    p_control: np.ndarray,
    p_treatment: np.ndarray,
    treated: np.ndarray,
    sessions_per_user: float,
    rng: np.random.Generator,
) -> dict[str, float]:
    """Run an A/B test on simulated users whose clicks follow the true click probabilities.

    Every user views the top-k list of their arm in a Poisson number of sessions; each
    shown song is clicked with the user's true probability for it.

    Args:
        p_control: ``(n_users, k)`` true click probability of each song of the control list (0 for padding).
        p_treatment: same for the treatment list.
        treated: boolean arm assignment per user.
        sessions_per_user: mean feed views per user.
        rng: the ``ab`` random stream.

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
    diff_se = math.sqrt(se["control"] ** 2 + se["treatment"] ** 2)
    out["lift_abs"] = t - c
    out["lift_rel"] = (t - c) / c if c > 0 else float("nan")
    out["lift_abs_ci_low"] = t - c - norm.ppf(0.975) * diff_se
    out["lift_abs_ci_high"] = t - c + norm.ppf(0.975) * diff_se
    out["p_value"] = float(2 * norm.sf(abs(t - c) / diff_se)) if diff_se > 0 else 0.0
    out["significant_at_5pct"] = bool(out["p_value"] < 0.05)
    if 0 < c < 1 and 0 < t < 1 and c != t:
        n_imp = two_proportion_sample_size(c, t)
        out["sample_size_per_arm_impressions"] = n_imp
        out["sample_size_per_arm_users"] = math.ceil(n_imp / max(impressions.mean(), 1e-9))
    if 0 < c < 0.95:
        # Planning figure for the next, subtler experiment: a 2% relative lift on this control CTR.
        out["sample_size_per_arm_for_2pct_relative_lift"] = two_proportion_sample_size(c, c * 1.02)
    return out
