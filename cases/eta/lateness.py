"""Lateness costs more than earliness: the deployed model's trip errors under an asymmetric cost.

A trip that arrives ``d`` seconds after its ETA costs ``late_cost_ratio * d``; one that arrives ``d``
seconds before it costs ``d``. Under that cost the best ETA is not the median of the arrival time but
its ``k / (k + 1)`` quantile (``k`` the late-cost ratio; 1.5 gives the p60). The shifted ETA is the
deployed ETA times that quantile of ``actual / ETA`` on training-window trips of similar route length
(the same calibration trips and route-length groups as the p10/p90 interval), so no new model is fitted.
"""

from __future__ import annotations

import numpy as np

from cases.eta.intervals import RatioIntervals


def cost_quantile(late_cost_ratio: float) -> float:
    """The quantile of the arrival time that minimises the expected asymmetric cost."""
    return late_cost_ratio / (late_cost_ratio + 1.0)


def asymmetric_cost(actual: np.ndarray, eta: np.ndarray, late_cost_ratio: float) -> np.ndarray:
    """Per-trip cost in early-seconds: ``k`` per second late, 1 per second early."""
    error = np.asarray(actual, np.float64) - np.asarray(eta, np.float64)
    return np.where(error > 0, late_cost_ratio * error, -error)


def _group_quantile(ratio: np.ndarray, group: np.ndarray, n_groups: int, q: float) -> np.ndarray:
    """The ``q`` quantile of ``ratio`` per group (the pooled quantile for an empty group)."""
    pooled = float(np.quantile(ratio, q))
    return np.array([np.quantile(ratio[group == g], q) if np.any(group == g) else pooled for g in range(n_groups)])


def lateness_slices(
    intervals: RatioIntervals,
    calibration: tuple[np.ndarray, np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray, np.ndarray],
    late_cost_ratio: float,
    late_threshold_s: float,
) -> dict[str, dict[str, float]]:
    """Served ETA, calibrated p50 and the cost-optimal shifted ETA, scored on the test trips.

    ``calibration`` and ``test`` are ``(actual_s, eta_s, n_segments)`` of the trips. Rows: the
    ETA as served (the model's point ETA), the calibrated median (ETA x p50 of the ratio) and the
    cost-optimal ETA (ETA x the cost quantile of the ratio). Columns (error = actual - ETA,
    positive when late): ``met_eta_share`` arrive by the ETA (error <= 0, the quantile it hits);
    ``late_over_threshold_share`` / ``early_over_threshold_share`` more than ``late_threshold_s``
    late / early (so the three do not sum to one: small misses are in neither), the mean
    asymmetric cost in early-seconds and its change against the served ETA, mean absolute error
    and the mean of actual - ETA.
    """
    cal_actual, cal_eta, cal_segments = (np.asarray(a, np.float64) for a in calibration)
    actual, eta, segments = (np.asarray(a, np.float64) for a in test)
    ratio = cal_actual / cal_eta
    n_groups = len(intervals.edges_) + 1
    cal_group, test_group = intervals.group(cal_segments), intervals.group(segments)
    q = cost_quantile(late_cost_ratio)
    etas = {
        "served ETA": eta,
        "calibrated median ETA": eta * _group_quantile(ratio, cal_group, n_groups, 0.5)[test_group],
        "cost-optimal ETA": eta * _group_quantile(ratio, cal_group, n_groups, q)[test_group],
    }
    return score_etas(actual, etas, eta, late_cost_ratio, late_threshold_s)


def score_etas(
    actual: np.ndarray,
    etas: dict[str, np.ndarray],
    reference: np.ndarray,
    late_cost_ratio: float,
    late_threshold_s: float,
) -> dict[str, dict[str, float]]:
    """The lateness table's row for every ETA of the same trips (columns: see :func:`lateness_slices`).

    Args:
        actual: true durations.
        etas: row name -> ETAs.
        reference: the ETA ``cost_vs_served`` compares with.
        late_cost_ratio: seconds late cost this many early-seconds.
        late_threshold_s: a trip is late (early) beyond this.
    """
    actual = np.asarray(actual, np.float64)
    served_cost = float(asymmetric_cost(actual, reference, late_cost_ratio).mean())
    out: dict[str, dict[str, float]] = {}
    for name, pred in etas.items():
        error = actual - pred
        cost = float(asymmetric_cost(actual, pred, late_cost_ratio).mean())
        out[name] = {
            "met_eta_share": float(np.mean(error <= 0)),
            "late_over_threshold_share": float(np.mean(error > late_threshold_s)),
            "early_over_threshold_share": float(np.mean(error < -late_threshold_s)),
            "mean_cost_early_s": cost,
            "cost_vs_served": cost / served_cost - 1.0 if served_cost > 0 else 0.0,
            "mae_s": float(np.mean(np.abs(error))),
            "mean_actual_minus_eta_s": float(np.mean(error)),
            "n_trips": float(len(actual)),
        }
    return out
