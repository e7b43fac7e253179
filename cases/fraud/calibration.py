"""Calibration of fraud scores: the undersampling prior correction, isotonic maps, Brier scores and reliability."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.isotonic import IsotonicRegression

RELIABILITY_EDGES = (0.0, 0.001, 0.01, 0.05, 0.2, 0.5, 1.0)  # predicted-probability bins (fraud is rare)

Calibrator = Callable[[np.ndarray], np.ndarray]


def prior_correction(p: np.ndarray, beta: float) -> np.ndarray:
    """Undo the bias of training on a ``beta`` share of the negatives: ``p / (p + (1 - p) / beta)``.

    Keeping a share ``beta`` of the legitimate rows multiplies the odds the model learns by
    ``1 / beta``; dividing the odds back gives the probability at the population's fraud rate.
    """
    p = np.asarray(p, dtype=np.float64)
    if beta >= 1:
        return p.copy()
    denom = p + (1 - p) / beta
    return np.divide(p, denom, out=np.zeros_like(p), where=denom > 0)


def fit_isotonic(scores: np.ndarray, y: np.ndarray) -> Calibrator:
    """A monotone map from score to fraud probability fitted on (validation) labels; clipped outside the range."""
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(scores, y.astype(np.float64))

    def apply(s: np.ndarray) -> np.ndarray:
        return np.asarray(iso.predict(np.asarray(s, dtype=np.float64)), dtype=np.float64)

    return apply


def cross_fitted(scores: np.ndarray, y: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Out-of-fold isotonic probabilities: each fold's rows are calibrated by the map fitted on the other folds.

    Used where the same window both fits the calibration and compares the policies built on it
    (choosing the decision policy on validation), so no row is scored by a map that saw its label.

    Args:
        scores: the model's scores.
        y: their labels.
        folds: a fold id per row (e.g. card code modulo 2: a card's rows share a fold).
    """
    scores, y, folds = np.asarray(scores, np.float64), np.asarray(y), np.asarray(folds)
    out = np.zeros(len(scores))
    for fold in np.unique(folds):  # one iteration per fold, not per row
        here = folds == fold
        if (~here).any():
            out[here] = fit_isotonic(scores[~here], y[~here])(scores[here])
    return out


def brier(y: np.ndarray, p: np.ndarray) -> float:
    """Mean squared error of the probabilities against the 0/1 labels (0 for no rows)."""
    return float(np.mean((np.asarray(p, np.float64) - y) ** 2)) if len(y) else 0.0


def calibration_summary(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """Brier score, mean predicted vs observed fraud rate, and the expected calibration error over the bins."""
    table = reliability(y, p)
    n = max(len(y), 1)
    ece = sum(row["rows"] / n * abs(row["mean_predicted"] - row["fraud_rate"]) for row in table.values())
    return {
        "brier": brier(y, p),
        "mean_predicted": float(np.mean(p)) if len(p) else 0.0,
        "fraud_rate": float(np.mean(y)) if len(y) else 0.0,
        "calibration_error": float(ece),
    }


def bin_labels() -> list[str]:
    """The reliability table's bin names, lowest first."""
    return [f"{lo:g}-{hi:g}" for lo, hi in zip(RELIABILITY_EDGES[:-1], RELIABILITY_EDGES[1:], strict=True)]


def reliability(y: np.ndarray, p: np.ndarray) -> dict[str, dict[str, float]]:
    """Rows, mean predicted probability and observed fraud rate per predicted-probability bin (empty bins left out)."""
    edges = np.asarray(RELIABILITY_EDGES)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    table: dict[str, dict[str, float]] = {}
    for b, label in enumerate(bin_labels()):
        rows = which == b
        if rows.any():
            table[label] = {
                "rows": float(rows.sum()),
                "mean_predicted": float(p[rows].mean()),
                "fraud_rate": float(y[rows].mean()),
            }
    return table
