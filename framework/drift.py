"""Drift tests between a reference and a current sample (PSI, KS, chi-square) and the one alert shape of every case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict
from scipy.stats import chi2_contingency, ks_2samp

if TYPE_CHECKING:
    from framework.specs import MonitoringSpec

ArrayLike = Any

EPSILON = 1e-6
"""Proportion substituted for an empty bin so the PSI log term stays finite."""


def _clean(values: ArrayLike, name: str) -> np.ndarray:
    """1-D float array without NaNs; raises if nothing is left."""
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[~np.isnan(x)]
    if x.size == 0:
        raise ValueError(f"{name} has no non-missing value")
    return x


def _as_float(column: pd.Series) -> np.ndarray:
    """A numeric or boolean column as float64, missing values (also pd.NA) as NaN."""
    return column.to_numpy(dtype=np.float64, na_value=np.nan)


def _inner_edges(reference: np.ndarray, current: np.ndarray, bins: int) -> np.ndarray:
    """Interior bin edges: quantiles of the reference, or one bin per category.

    Continuous columns (more than ``bins`` distinct reference values) use the reference
    quantiles 1/bins, ..., (bins-1)/bins, de-duplicated. Discrete columns (at most
    ``bins`` distinct reference values) put each distinct value of *both* samples in its
    own bin, so a category that only appears in the current sample (a new song, a new
    country) counts; edges sit at the midpoints. The outer bins are open to -inf/+inf.
    """
    distinct = np.unique(reference)
    if distinct.size <= bins:
        categories = np.union1d(distinct, np.unique(current))
        if categories.size <= 2 * bins:  # the current sample is discrete too
            distinct = categories
        return (distinct[:-1] + distinct[1:]) / 2.0
    return np.unique(np.quantile(reference, np.linspace(0.0, 1.0, bins + 1)[1:-1]))


def psi(reference: ArrayLike, current: ArrayLike, bins: int = 10) -> float:
    """Population stability index of ``current`` against ``reference``.

    ``PSI = sum_b (cur_b - ref_b) * ln(cur_b / ref_b)`` over bins whose edges are the
    reference quantiles (see ``_inner_edges``; values equal to an edge fall in the
    upper bin). Empty-bin proportions are replaced by ``EPSILON`` (1e-6). NaNs are
    dropped. Rule of thumb: < 0.1 stable, 0.1-0.2 moderate, > 0.2 significant shift.

    Args:
        reference: the baseline sample (e.g. training data).
        current: the sample to compare (e.g. last day of traffic).
        bins: number of quantile bins for continuous columns.

    Returns:
        The PSI, >= 0.

    Raises:
        ValueError: if ``bins`` < 1 or a sample is empty.
    """
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    ref = _clean(reference, "reference")
    cur = _clean(current, "current")
    edges = _inner_edges(ref, cur, bins)
    n_bins = edges.size + 1
    ref_p = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=n_bins) / ref.size
    cur_p = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=n_bins) / cur.size
    ref_p = np.where(ref_p == 0, EPSILON, ref_p)
    cur_p = np.where(cur_p == 0, EPSILON, cur_p)
    return float(np.sum((cur_p - ref_p) * np.log(cur_p / ref_p)))


def ks_statistic(reference: ArrayLike, current: ArrayLike) -> float:
    """Two-sample Kolmogorov-Smirnov statistic (max distance between the two ECDFs).

    Args:
        reference: the baseline sample.
        current: the sample to compare.

    Returns:
        The KS statistic in [0, 1]. NaNs are dropped.
    """
    return float(ks_2samp(_clean(reference, "reference"), _clean(current, "current")).statistic)


def _categorical_drift(reference: pd.Series, current: pd.Series) -> dict[str, float]:
    """PSI over categories (a category new in ``current`` counts) and the chi-square homogeneity p-value."""
    ref, cur = reference.dropna().astype(str), current.dropna().astype(str)
    if ref.empty or cur.empty:
        raise ValueError(f"column {reference.name!r} has no non-missing value in one of the samples")
    counts = pd.concat([ref.value_counts(), cur.value_counts()], axis=1).fillna(0).to_numpy().T
    shares = np.where(counts == 0, EPSILON, counts / counts.sum(axis=1, keepdims=True))
    value = float(np.sum((shares[1] - shares[0]) * np.log(shares[1] / shares[0])))
    pvalue = float(chi2_contingency(counts)[1]) if counts.shape[1] > 1 else 1.0
    return {"psi": value, "chi2_pvalue": pvalue}


def drift_table(
    reference: pd.DataFrame, current: pd.DataFrame, columns: list[str], categorical: Sequence[str] = ()
) -> dict[str, dict[str, float]]:
    """PSI and KS (statistic and p-value) per numeric column; PSI and chi-square p-value per categorical one.

    Args:
        reference: baseline frame.
        current: frame to compare.
        columns: columns present in both frames; numeric and boolean ones are compared as
            distributions (PSI on reference quantiles, KS), text and category ones as category shares.
        categorical: columns compared as category shares even when stored as numbers (codes, ids).

    Returns:
        ``{column: {"psi", "ks", "ks_pvalue"}}`` or ``{column: {"psi", "chi2_pvalue"}}`` in ``columns`` order.

    Raises:
        KeyError: if a column is missing from either frame.
    """
    table: dict[str, dict[str, float]] = {}
    for col in columns:
        for name, frame in (("reference", reference), ("current", current)):
            if col not in frame.columns:
                raise KeyError(f"column {col!r} missing from the {name} frame")
        numeric = col not in categorical and all(
            pd.api.types.is_numeric_dtype(f[col].dtype) or pd.api.types.is_bool_dtype(f[col].dtype)
            for f in (reference, current)
        )
        if not numeric:
            table[col] = _categorical_drift(reference[col], current[col])
            continue
        ref = _clean(_as_float(reference[col]), f"reference[{col!r}]")
        cur = _clean(_as_float(current[col]), f"current[{col!r}]")
        ks = ks_2samp(ref, cur)
        table[col] = {
            "psi": psi(ref, cur),
            "ks": float(ks.statistic),
            "ks_pvalue": float(ks.pvalue),
        }
    return table


@dataclass(frozen=True)
class Thresholds:
    """When monitoring alerts, the same three knobs in every case.

    Attributes:
        psi: PSI of a watched column above which it alerts (0.2: "significant shift").
        ks: KS statistic of a numeric column above which it alerts.
        metric_change: relative worsening of the watched model metric that alerts (0.1 = 10%).
    """

    psi: float = 0.2
    ks: float = 0.1
    metric_change: float = 0.1

    @classmethod
    def from_spec(cls, spec: MonitoringSpec) -> Thresholds:
        """The thresholds a case's design names in its monitoring step."""
        return cls(psi=spec.psi_alert, ks=spec.ks_alert, metric_change=spec.metric_degradation_alert)

    def as_dict(self) -> dict[str, float]:
        """The thresholds as reported in ``metrics.json``."""
        return {"psi": self.psi, "ks": self.ks, "metric_change": self.metric_change}


class Alert(BaseModel):
    """One monitoring alert: what crossed which threshold, in one shape for every case.

    Attributes:
        kind: ``feature`` (a drift statistic of an input) or ``metric`` (the model's quality).
        subject: the column or metric, prefixed by the table it comes from when a case watches several.
        statistic: ``psi``, ``ks`` or ``relative_change``.
        value: the measured statistic.
        threshold: the limit it crossed.
        detail: extra context for the message (before -> after for metrics).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["feature", "metric"]
    subject: str
    statistic: str
    value: float
    threshold: float
    detail: str = ""

    @property
    def message(self) -> str:
        """The alert as one line, as it is shown in the report and the walkthrough."""
        if self.kind == "metric":
            return f"{self.subject} worse by {self.value:.1%} ({self.detail}) > {self.threshold:.0%}"
        name = {"psi": "PSI", "ks": "KS"}.get(self.statistic, self.statistic.replace("_", " "))
        return f"{self.subject}: {name} {self.value:.3f} > {self.threshold:g}"


def drift_alerts(table: dict[str, dict[str, float]], thresholds: Thresholds, prefix: str = "") -> list[Alert]:
    """One alert per column and statistic (PSI, KS) that crosses its threshold.

    Args:
        table: the output of :func:`drift_table` (or any ``{column: {"psi"[, "ks"]}}``).
        thresholds: the case's thresholds.
        prefix: names the watched table when a case watches several (``"clicks: "``).
    """
    alerts = []
    for column, stats in table.items():
        for statistic, limit in (("psi", thresholds.psi), ("ks", thresholds.ks)):
            value = stats.get(statistic)
            if value is not None and value > limit:
                alerts.append(
                    Alert(
                        kind="feature", subject=f"{prefix}{column}", statistic=statistic, value=value, threshold=limit
                    )
                )
    return alerts


def metric_alert(
    metric: str, before: float, after: float, higher_is_better: bool, thresholds: Thresholds
) -> Alert | None:
    """An alert when the model metric got worse by more than ``thresholds.metric_change`` (relative), else None.

    Args:
        metric: the metric's name.
        before: its value on the reference window.
        after: its value on the current window.
        higher_is_better: its direction (NDCG, AP up; MAE down).
        thresholds: the case's thresholds.
    """
    if not before or not np.isfinite(before) or not np.isfinite(after):
        return None
    change = (before - after) / abs(before) if higher_is_better else (after - before) / abs(before)
    if change <= thresholds.metric_change:
        return None
    return Alert(
        kind="metric",
        subject=metric,
        statistic="relative_change",
        value=float(change),
        threshold=thresholds.metric_change,
        detail=f"{before:.4g} -> {after:.4g}",
    )
