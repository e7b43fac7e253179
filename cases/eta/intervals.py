"""Uncertainty: p10/p90 ETAs from the deployed model's error quantiles, and their coverage on the test trips.

A trip's interval is its ETA times the 10th and 90th percentiles of ``actual / ETA`` on trips of
the training window with a similar route length (short routes vary relatively more: fewer
segments average out less noise). The test trips then measure what the nominal interval covers.
"""

from __future__ import annotations

import numpy as np

LOW_QUANTILE, HIGH_QUANTILE = 0.1, 0.9
# Departure hours counted as rush hours in the coverage slice (morning and evening peaks).
RUSH_HOURS = (7, 8, 9, 16, 17, 18)


class RatioIntervals:
    """Quantiles of ``actual / ETA`` per route-length group, fitted on calibration trips.

    Attributes (after ``fit``):
        edges_: upper route lengths (segments) of every group but the last.
        low_, high_: the ratio quantiles per group.
    """

    def fit(self, actual: np.ndarray, eta: np.ndarray, n_segments: np.ndarray) -> RatioIntervals:
        """Fit the quantiles in (up to) three route-length groups of the calibration trips."""
        ratio = np.asarray(actual, np.float64) / np.asarray(eta, np.float64)
        length = np.asarray(n_segments)
        self.edges_ = np.unique(np.quantile(length, [1 / 3, 2 / 3], method="lower"))
        group = np.searchsorted(self.edges_, length, side="left")
        pooled = np.quantile(ratio, [LOW_QUANTILE, HIGH_QUANTILE])
        self.low_, self.high_ = np.empty(len(self.edges_) + 1), np.empty(len(self.edges_) + 1)
        for g in range(len(self.edges_) + 1):
            chosen = ratio[group == g]
            self.low_[g], self.high_[g] = np.quantile(chosen, [LOW_QUANTILE, HIGH_QUANTILE]) if chosen.size else pooled
        return self

    def group(self, n_segments: np.ndarray) -> np.ndarray:
        """Route-length group of each trip."""
        return np.searchsorted(self.edges_, np.asarray(n_segments), side="left")

    def predict(self, eta: np.ndarray, n_segments: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """p10 and p90 ETAs in seconds."""
        g = self.group(n_segments)
        return eta * self.low_[g], eta * self.high_[g]

    def group_names(self) -> list[str]:
        """Readable route-length groups, e.g. ``routes <= 4 segments``."""
        edges = [int(e) for e in self.edges_]
        if not edges:
            return ["all routes"]
        names = [f"routes <= {edges[0]} segments"]
        names += [f"routes {a + 1}-{b} segments" for a, b in zip(edges[:-1], edges[1:])]
        return names + [f"routes > {edges[-1]} segments"]


def coverage_slices(
    intervals: RatioIntervals, actual: np.ndarray, eta: np.ndarray, n_segments: np.ndarray, hour: np.ndarray
) -> dict[str, dict[str, float]]:
    """Coverage of the p10-p90 interval on trips: all, by route-length group, rush hours versus the rest."""
    low, high = intervals.predict(eta, n_segments)
    below, above = actual < low, actual > high
    rush = np.isin(hour, RUSH_HOURS)
    groups = intervals.group(n_segments)
    masks = {"all": np.ones(len(actual), bool)}
    masks.update({name: groups == g for g, name in enumerate(intervals.group_names())})
    masks.update({"rush hours": rush, "other hours": ~rush})
    out: dict[str, dict[str, float]] = {}
    for name, m in masks.items():
        if not m.any():
            continue
        out[name] = {
            "nominal": HIGH_QUANTILE - LOW_QUANTILE,
            "coverage": float(np.mean(~below[m] & ~above[m])),
            "below_p10": float(np.mean(below[m])),
            "above_p90": float(np.mean(above[m])),
            "mean_width_s": float(np.mean(high[m] - low[m])),
            "n_trips": float(m.sum()),
        }
    return out
