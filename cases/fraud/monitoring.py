"""Drift monitoring: a spending shift and a new fraud pattern injected through the simulator, then detected."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cases.fraud.evaluation import daily_card_precision
from cases.fraud.features import FEATURES, WINDOWS
from framework import metrics
from framework.drift import Alert, Thresholds, drift_alerts, drift_table, metric_alert

WATCHED: list[str] = [*FEATURES, "score"]
# 0/1 flags: compared by category shares (PSI, chi-square), never by KS.
CATEGORICAL: list[str] = ["is_weekend", "is_night"]


@dataclass(frozen=True)
class WindowReport:
    """Drift of one window against the reference window, and the alerts it raised."""

    drift: dict[str, dict[str, float]]
    average_precision: float
    card_precision: float
    alerts: list[Alert]


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
    card_k: int,
    cards: bool = True,
) -> WindowReport:
    """Drift table and alerts of ``current`` against ``reference`` (frames of :data:`WATCHED` columns).

    Args:
        reference: watched columns of the reference window.
        ref_metrics: its average precision and card precision@``card_k``.
        current: watched columns of the compared window.
        cur_metrics: its average precision and card precision@``card_k``.
        thresholds: the design's alert thresholds.
        card_k: cards investigated per day, named in the card-precision alert.
        cards: False when the data names no cards: the card-precision alert is left out.
    """
    table = drift_table(reference, current, list(reference.columns), categorical=CATEGORICAL)
    kept = ("psi", "ks", "chi2_pvalue")  # the KS p-value adds nothing an alert reads
    drift: dict[str, dict[str, float]] = {c: {k: v[k] for k in kept if k in v} for c, v in table.items()}
    alerts = drift_alerts(drift, thresholds)
    watched = [("average_precision", ref_metrics[0], cur_metrics[0])]
    if cards:  # anonymous data names no cards: no card precision to watch
        watched.append((f"card_precision_at_{card_k}", ref_metrics[1], cur_metrics[1]))
    for name, before, after in watched:
        alert = metric_alert(name, before, after, higher_is_better=True, thresholds=thresholds)
        if alert is not None:
            alerts.append(alert)
    return WindowReport(drift=drift, average_precision=cur_metrics[0], card_precision=cur_metrics[1], alerts=alerts)


def watched_frame(X: pd.DataFrame, scores: np.ndarray) -> pd.DataFrame:
    """Features plus the model score: the columns monitoring watches."""
    return X[[c for c in X.columns if c != "score"]].assign(score=scores)


def warmup_days(delay_days: int) -> int:
    """Days of history needed before every window feature is complete."""
    return delay_days + max(WINDOWS)


def burn_in_columns(columns: list[str], history_days: float, delay_days: float) -> list[str]:
    """Window features of ``columns`` longer than the history before a window (terminal ones: plus the delay)."""
    out = []
    for w in WINDOWS:
        for column in (f"customer_nb_tx_{w}d", f"customer_avg_amount_{w}d"):
            if column in columns and w > history_days:
                out.append(column)
        for column in (f"terminal_nb_tx_{w}d", f"terminal_risk_{w}d"):
            if column in columns and w + delay_days > history_days:
                out.append(column)
    return out


def daily_series(tx: pd.DataFrame, scores: np.ndarray, rows: np.ndarray, k: int) -> pd.DataFrame:
    """Per day: mean amount, average precision and card precision@k of ``rows`` (both 0 on a day without fraud)."""
    frame = tx[rows]
    s = scores[rows]
    cards = daily_card_precision(frame, s, k)
    out = []
    for day, idx in frame.groupby("day").indices.items():  # one iteration per day
        y = frame["is_fraud"].to_numpy()[idx]
        has_fraud = bool(y.sum())
        out.append(
            {
                "day": int(day),
                "mean_amount": float(frame["amount"].iloc[idx].mean()),
                "average_precision": metrics.average_precision(y, s[idx]) if has_fraud else 0.0,
                "card_precision": float(cards[int(day)]) if has_fraud else 0.0,
            }
        )
    return pd.DataFrame(out)


@dataclass(frozen=True)
class MonitoredWindows:
    """The three monitoring windows scored by the deployed model.

    Attributes:
        masks: ``reference``/``no_drift``/``drift`` -> boolean row mask.
        scores: the model's score of every row inside a window (0 elsewhere).
        metrics: window -> (average precision, card precision@k).
        no_drift: the no-drift window compared with the reference.
        drift: the drift window compared with the reference.
    """

    masks: dict[str, np.ndarray]
    scores: np.ndarray
    metrics: dict[str, tuple[float, float]]
    no_drift: WindowReport
    drift: WindowReport


def run_windows(
    tx: pd.DataFrame,
    X: pd.DataFrame,
    score: Callable[[pd.DataFrame], np.ndarray],
    first_day: int,
    window_days: int,
    thresholds: Thresholds,
    card_k: int,
) -> MonitoredWindows:
    """Score three consecutive windows (reference, no drift, drift) and compare each to the reference.

    Args:
        tx: transactions of the monitoring simulation.
        X: their features.
        score: the deployed model's scoring function.
        first_day: first day of the reference window.
        window_days: length of each window.
        thresholds: alert thresholds.
        card_k: cards investigated per day for the monitored card precision.
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
    mets = {k: window_metrics(tx[m], scores[m], card_k) for k, m in masks.items()}
    ref = (frames["reference"], mets["reference"])
    return MonitoredWindows(
        masks=masks,
        scores=scores,
        metrics=mets,
        no_drift=compare(*ref, frames["no_drift"], mets["no_drift"], thresholds, card_k),
        drift=compare(*ref, frames["drift"], mets["drift"], thresholds, card_k),
    )
