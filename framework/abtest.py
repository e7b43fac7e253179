"""A/B test sizing and analysis shared by every case: sample sizes, clustered variance, confidence intervals."""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm

from framework.timeunits import DAYS_PER_WEEK

ALPHA = 0.05
POWER = 0.8


def _z(alpha: float, power: float) -> tuple[float, float]:
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ValueError(f"alpha and power must be in (0, 1), got {alpha}, {power}")
    return float(norm.ppf(1 - alpha / 2)), float(norm.ppf(power))


def two_proportion_sample_size(p1: float, p2: float, alpha: float = ALPHA, power: float = POWER) -> int:
    """Units per arm to detect rate ``p1`` vs ``p2`` with a two-sided two-proportion z-test.

    ``n = (z_{1-a/2} sqrt(2 pbar (1 - pbar)) + z_{power} sqrt(p1 (1 - p1) + p2 (1 - p2)))^2 / (p1 - p2)^2``
    with ``pbar = (p1 + p2) / 2`` (Fleiss, *Statistical Methods for Rates and Proportions*), rounded up.

    Raises:
        ValueError: when the rates are equal or outside (0, 1).
    """
    if not (0 < p1 < 1 and 0 < p2 < 1):
        raise ValueError(f"rates must be in (0, 1), got {p1}, {p2}")
    if p1 == p2:
        raise ValueError("rates are equal: no sample size detects a zero difference")
    z_a, z_b = _z(alpha, power)
    pbar = (p1 + p2) / 2
    num = z_a * math.sqrt(2 * pbar * (1 - pbar)) + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(num**2 / (p1 - p2) ** 2)


def two_mean_sample_size(sigma: float, delta: float, alpha: float = ALPHA, power: float = POWER) -> int | None:
    """Units per arm to detect a difference ``delta`` of two means with common standard deviation ``sigma``.

    ``n = 2 (z_{1-a/2} + z_{power})^2 sigma^2 / delta^2``, rounded up; None when there is no
    effect to size for (``delta`` is 0) or the spread is not finite.
    """
    z_a, z_b = _z(alpha, power)
    if delta == 0 or not math.isfinite(sigma) or not math.isfinite(delta):
        return None
    return math.ceil(2 * ((z_a + z_b) * sigma / delta) ** 2)


def whole_weeks(units_needed: float, units_per_day: float) -> int:
    """Days to collect ``units_needed`` at ``units_per_day``, rounded up to whole weeks (at least one weekly cycle).

    A test that stops mid-week over-weights the weekdays it saw; users behave differently at weekends.
    """
    days = units_needed / max(units_per_day, 1e-9)
    return DAYS_PER_WEEK * max(1, math.ceil(days / DAYS_PER_WEEK))


def design_effect(units_per_cluster: float, intra_cluster_correlation: float) -> float:
    """Variance inflation when the randomisation unit (user, card) holds several measured units (clicks, trips).

    ``deff = 1 + (m - 1) rho`` (Kish): multiply a per-unit sample size by it.

    Args:
        units_per_cluster: mean measured units per randomised cluster (``m``).
        intra_cluster_correlation: correlation of two units of the same cluster (``rho``).
    """
    return 1.0 + max(units_per_cluster - 1.0, 0.0) * intra_cluster_correlation


def ratio_ci(numerator: np.ndarray, denominator: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float]:
    """A ratio metric summed over clusters (CTR = clicks / impressions per user) with a delta-method CI.

    The variance is computed over clusters, not over the units inside them, so repeated
    measurements of one user do not pretend to be independent (Deng et al., 2018).

    Args:
        numerator: per-cluster numerator (clicks per user).
        denominator: per-cluster denominator (impressions per user); clusters with 0 are ignored.
        level: confidence level.

    Returns:
        ``(ratio, standard_error, low, high)``.
    """
    shown = denominator > 0
    c, n = numerator[shown].astype(float), denominator[shown].astype(float)
    ratio = c.sum() / n.sum()
    resid = c - ratio * n
    se = math.sqrt(resid.var(ddof=1) / len(n)) / n.mean() if len(n) > 1 else 0.0
    z = float(norm.ppf(0.5 + level / 2))
    return float(ratio), float(se), float(ratio - z * se), float(ratio + z * se)


def difference_test(
    estimate_a: float, se_a: float, estimate_b: float, se_b: float, level: float = 0.95
) -> dict[str, float]:
    """Difference ``b - a`` of two independent arms with its normal CI and two-sided p-value."""
    se = math.sqrt(se_a**2 + se_b**2)
    diff = estimate_b - estimate_a
    z = float(norm.ppf(0.5 + level / 2))
    p = float(2 * norm.sf(abs(diff) / se)) if se > 0 else 0.0
    return {"difference": diff, "ci_low": diff - z * se, "ci_high": diff + z * se, "p_value": p}
