"""Drift statistics between a reference and a current sample: PSI and two-sample KS."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

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


def drift_table(reference: pd.DataFrame, current: pd.DataFrame, columns: list[str]) -> dict[str, dict[str, float]]:
    """PSI and KS (statistic and p-value) for each numeric column.

    Args:
        reference: baseline frame.
        current: frame to compare.
        columns: numeric (or boolean, cast to float) columns present in both frames.

    Returns:
        ``{column: {"psi": ..., "ks": ..., "ks_pvalue": ...}}`` in ``columns`` order.

    Raises:
        KeyError: if a column is missing from either frame.
        ValueError: if a column is not numeric or boolean.
    """
    table: dict[str, dict[str, float]] = {}
    for col in columns:
        for name, frame in (("reference", reference), ("current", current)):
            if col not in frame.columns:
                raise KeyError(f"column {col!r} missing from the {name} frame")
            dtype = frame[col].dtype
            if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
                raise ValueError(f"column {col!r} in the {name} frame is not numeric ({dtype})")
        ref = _clean(_as_float(reference[col]), f"reference[{col!r}]")
        cur = _clean(_as_float(current[col]), f"current[{col!r}]")
        ks = ks_2samp(ref, cur)
        table[col] = {
            "psi": psi(ref, cur),
            "ks": float(ks.statistic),
            "ks_pvalue": float(ks.pvalue),
        }
    return table


def drift_alerts(table: dict[str, dict[str, float]], psi_alert: float, ks_alert: float) -> list[str]:
    """One alert line per column whose PSI or KS statistic crosses its threshold.

    Args:
        table: the output of :func:`drift_table` (or any ``{column: {"psi", "ks"}}``).
        psi_alert: PSI above which a column alerts (0.2 is the usual "significant shift").
        ks_alert: KS statistic above which a column alerts.

    Returns:
        Alert messages naming the column, the statistic and the threshold.
    """
    alerts = []
    for column, stats in table.items():
        if stats["psi"] > psi_alert:
            alerts.append(f"{column}: PSI {stats['psi']:.3f} > {psi_alert:g}")
        if stats["ks"] > ks_alert:
            alerts.append(f"{column}: KS {stats['ks']:.3f} > {ks_alert:g}")
    return alerts
