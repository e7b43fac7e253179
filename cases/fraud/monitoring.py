"""Drift monitoring: a spending shift and a new fraud pattern injected through the simulator, then detected."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cases.fraud.features import FEATURES, WINDOWS
from framework import metrics
from framework.drift import drift_alerts, drift_table

WATCHED: list[str] = [*FEATURES, "score"]


@dataclass(frozen=True)
class Thresholds:
    """When monitoring alerts.

    Attributes:
        psi: PSI of a watched column above which it alerts.
        ks: KS statistic above which it alerts.
        metric_drop: relative drop of average precision (or card precision) that alerts.
        card_k: cards investigated per day for the monitored card precision.
    """

    psi: float
    ks: float
    metric_drop: float
    card_k: int


@dataclass
class WindowReport:
    """Drift of one window against the reference window."""

    drift: dict[str, dict[str, float]]
    average_precision: float
    card_precision: float
    alerts: list[str] = field(default_factory=list)


def window_metrics(frame: pd.DataFrame, scores: np.ndarray, k: int) -> tuple[float, float]:
    """Average precision and card precision@k on a window (0 when it has no fraud)."""
    y = frame["is_fraud"].to_numpy()
    if y.sum() == 0:
        return 0.0, 0.0
    ap = metrics.average_precision(y, scores)
    cp = metrics.card_precision_at_k(frame["day"].to_numpy(), frame["customer_id"].to_numpy(), y, scores, k=k)
    return ap, cp


def compare(
    reference: pd.DataFrame,
    ref_metrics: tuple[float, float],
    current: pd.DataFrame,
    cur_metrics: tuple[float, float],
    thresholds: Thresholds,
) -> WindowReport:
    """Drift table and alerts of ``current`` against ``reference`` (frames of :data:`WATCHED` columns)."""
    table = drift_table(reference, current, WATCHED)
    alerts = drift_alerts(table, thresholds.psi, thresholds.ks)
    for name, before, after in (
        ("average precision", ref_metrics[0], cur_metrics[0]),
        (f"card precision@{thresholds.card_k}", ref_metrics[1], cur_metrics[1]),
    ):
        if before > 0 and (before - after) / before > thresholds.metric_drop:
            alerts.append(
                f"{name} fell {(before - after) / before:.0%} ({before:.3f} -> {after:.3f}) "
                f"> {thresholds.metric_drop:.0%}"
            )
    return WindowReport(
        drift={c: {"psi": v["psi"], "ks": v["ks"]} for c, v in table.items()},
        average_precision=cur_metrics[0],
        card_precision=cur_metrics[1],
        alerts=alerts,
    )


def watched_frame(X: pd.DataFrame, scores: np.ndarray) -> pd.DataFrame:
    """Features plus the model score: the columns monitoring watches."""
    return X[FEATURES].assign(score=scores)


def warmup_days(delay_days: int) -> int:
    """Days of history needed before every window feature is complete."""
    return delay_days + max(WINDOWS)


def daily_series(tx: pd.DataFrame, scores: np.ndarray, rows: np.ndarray, k: int) -> pd.DataFrame:
    """Per day: mean amount, average precision and card precision@k of ``rows``."""
    out = []
    frame = tx[rows]
    s = scores[rows]
    for day, idx in frame.groupby("day").indices.items():  # one iteration per day
        ap, cp = window_metrics(frame.iloc[idx], s[idx], k)
        out.append(
            {
                "day": int(day),
                "mean_amount": float(frame["amount"].iloc[idx].mean()),
                "average_precision": ap,
                "card_precision": cp,
            }
        )
    return pd.DataFrame(out)


def run_windows(
    tx: pd.DataFrame,
    X: pd.DataFrame,
    score: Callable[[pd.DataFrame], np.ndarray],
    first_day: int,
    window_days: int,
    thresholds: Thresholds,
) -> dict[str, object]:
    """Score three consecutive windows (reference, no drift, drift) and compare each to the reference.

    Args:
        tx: transactions of the monitoring simulation.
        X: their features.
        score: the deployed model's scoring function.
        first_day: first day of the reference window.
        window_days: length of each window.
        thresholds: alert thresholds.

    Returns:
        ``reference``/``no_drift``/``drift`` window masks, scores, metrics and the two reports.
    """
    day = tx["day"].to_numpy()
    masks = {
        name: (day >= first_day + i * window_days) & (day < first_day + (i + 1) * window_days)
        for i, name in enumerate(("reference", "no_drift", "drift"))
    }
    scores = np.zeros(len(tx))
    active = masks["reference"] | masks["no_drift"] | masks["drift"]
    scores[active] = score(X[active])
    frames = {k: watched_frame(X[m], scores[m]) for k, m in masks.items()}
    mets = {k: window_metrics(tx[m], scores[m], thresholds.card_k) for k, m in masks.items()}
    return {
        "masks": masks,
        "scores": scores,
        "metrics": mets,
        "no_drift": compare(frames["reference"], mets["reference"], frames["no_drift"], mets["no_drift"], thresholds),
        "drift": compare(frames["reference"], mets["reference"], frames["drift"], mets["drift"], thresholds),
    }
