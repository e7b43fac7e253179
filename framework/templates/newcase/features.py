"""The feature pipeline: ``x`` standardised with train statistics, ``group`` one-hot encoded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Featurizer:
    """Turns ``(x, group)`` into model inputs; fitted on the training rows only (no leakage).

    Column 0 is the standardised ``x``, columns ``1..n_groups`` the one-hot group.

    Attributes:
        x_mean: mean of ``x`` over the training rows.
        x_std: standard deviation of ``x`` over the training rows (1 when constant).
        n_groups: number of group codes; an unseen code gets an all-zero one-hot row.
    """

    x_mean: float
    x_std: float
    n_groups: int

    @classmethod
    def fit(cls, train: pd.DataFrame, n_groups: int) -> Featurizer:
        """Learn the scaling from the training rows."""
        std = float(train["x"].std(ddof=0))
        return cls(x_mean=float(train["x"].mean()), x_std=std if std > 0 else 1.0, n_groups=n_groups)

    def transform(self, x: np.ndarray, group: np.ndarray) -> np.ndarray:
        """The ``(rows, 1 + n_groups)`` float matrix of ``x`` values and group codes."""
        known = (group >= 0) & (group < self.n_groups)
        one_hot = np.zeros((len(group), self.n_groups))
        one_hot[np.flatnonzero(known), group[known]] = 1.0
        return np.column_stack([(np.asarray(x, float) - self.x_mean) / self.x_std, one_hot])

    def frame(self, frame: pd.DataFrame) -> np.ndarray:
        """:meth:`transform` of a frame's ``x`` and ``group`` columns."""
        return self.transform(frame["x"].to_numpy(), frame["group"].to_numpy())

    def to_dict(self) -> dict[str, Any]:
        """The fitted parameters as plain JSON values (part of the serving artifact)."""
        return {"x_mean": self.x_mean, "x_std": self.x_std, "n_groups": self.n_groups}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Featurizer:
        """Rebuild from :meth:`to_dict`."""
        return cls(x_mean=float(doc["x_mean"]), x_std=float(doc["x_std"]), n_groups=int(doc["n_groups"]))
