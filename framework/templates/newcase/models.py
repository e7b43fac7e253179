"""The model ladder: every candidate is a linear model on the same features, from the bias alone to least squares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class LinearModel:
    """``prediction = features @ weights + bias``; small enough to ship as JSON.

    Attributes:
        weights: one weight per feature column (see :class:`Featurizer`).
        bias: the prediction when every feature is 0.
    """

    weights: np.ndarray
    bias: float

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Predictions for a ``(rows, columns)`` feature matrix."""
        return features @ self.weights + self.bias

    def to_dict(self) -> dict[str, Any]:
        """The fitted parameters as plain JSON values (part of the serving artifact)."""
        return {"weights": self.weights.tolist(), "bias": self.bias}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> LinearModel:
        """Rebuild from :meth:`to_dict`."""
        return cls(weights=np.asarray(doc["weights"], float), bias=float(doc["bias"]))


def fit_global_mean(features: np.ndarray, y: np.ndarray) -> LinearModel:
    """Naive: predict the training mean for everyone (weights all 0)."""
    return LinearModel(weights=np.zeros(features.shape[1]), bias=float(y.mean()))


def fit_group_mean(features: np.ndarray, y: np.ndarray) -> LinearModel:
    """Baseline: the training mean of each group (one-hot weights); a group unseen in training gets the global mean."""
    one_hot = features[:, 1:]
    counts = one_hot.sum(axis=0)
    mean = float(y.mean())
    group_mean = np.divide(one_hot.T @ y, counts, out=np.full(len(counts), mean), where=counts > 0)
    return LinearModel(weights=np.concatenate([[0.0], group_mean - mean]), bias=mean)


def fit_least_squares(features: np.ndarray, y: np.ndarray) -> LinearModel:
    """Stronger: least squares on ``x`` and the groups.

    The one-hot columns add up to an intercept, so the fit is made on ``y`` minus its mean and
    lstsq's minimum-norm solution keeps an unseen group's weight at 0 (the average group).
    """
    mean = float(y.mean())
    weights, *_ = np.linalg.lstsq(features, y - mean, rcond=None)
    return LinearModel(weights=weights, bias=mean)


# Model name (as in the design's ladder) -> how to fit it; the oracle is the generator's truth, not fitted.
FITTERS: dict[str, Callable[[np.ndarray, np.ndarray], LinearModel]] = {
    "global_mean": fit_global_mean,
    "group_mean": fit_group_mean,
    "least_squares": fit_least_squares,
}
