"""Drift monitoring: event features per window, PSI/KS against a reference window, metric checks and alerts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from framework.drift import Alert, Thresholds, drift_alerts, ks_statistic, metric_alert, psi

CATEGORICAL = ("genre", "age_group", "new_song", "new_user", "clicked")


@dataclass
class Window:
    """One monitored period.

    Attributes:
        name: label used in alerts.
        features: feature name -> sample (per event or per user).
        ndcg: NDCG@10 of the deployed lists on this window.
        ctr: simulated click-through rate of the deployed lists (None on real data).
    """

    name: str
    features: dict[str, np.ndarray]
    ndcg: float
    ctr: float | None = None


def event_features(
    events: pd.DataFrame,
    item_genre: np.ndarray | None,
    age_group: np.ndarray | None,
    train_popularity_pct: np.ndarray,
    warm_users: np.ndarray,
) -> dict[str, np.ndarray]:
    """Features of one window's events, as a monitoring job would compute them from the logs.

    Args:
        events: events with ``user``, ``item`` and ``clicked``.
        item_genre: genre per song (None when unknown).
        age_group: age group per user (None when unknown).
        train_popularity_pct: popularity percentile of the songs known at training time.
        warm_users: user indices that had training clicks.

    Returns:
        ``song_popularity_pct``, ``genre``, ``new_song`` (per click), ``age_group``, ``new_user``,
        ``clicked`` (per impression) and ``user_activity`` (impressions per active user).
    """
    clicks = events[events["clicked"]]
    item = clicks["item"].to_numpy()
    known = item < len(train_popularity_pct)
    out = {
        "song_popularity_pct": np.where(
            known, train_popularity_pct[np.minimum(item, len(train_popularity_pct) - 1)], 0.0
        ),
        "new_song": (~known).astype(np.int64),
        "new_user": (~np.isin(events["user"].to_numpy(), warm_users)).astype(np.int64),
        "clicked": events["clicked"].to_numpy().astype(np.int64),
        "user_activity": events["user"].value_counts().to_numpy().astype(float),
    }
    if item_genre is not None:
        out["genre"] = item_genre[item]
    if age_group is not None:
        out["age_group"] = age_group[events["user"].to_numpy()]
    return out


def compare(
    reference: Window, current: Window, thresholds: Thresholds
) -> tuple[dict[str, dict[str, float]], list[Alert]]:
    """PSI and KS of every feature against the reference window, and the alerts they raise.

    Args:
        reference: the window the model was validated on.
        current: the window to check; its name prefixes every alert (two windows are watched).
        thresholds: the design's PSI, KS and relative metric-drop limits (NDCG@10 and CTR).

    Returns:
        ``({feature: {"psi", "ks"}}, alerts)``.
    """
    table: dict[str, dict[str, float]] = {}
    for name, ref in reference.features.items():
        cur = current.features[name]
        # A categorical feature gets one PSI bin per category seen in either window.
        bins = np.union1d(ref, cur).size if name in CATEGORICAL else 10
        table[name] = {"psi": round(psi(ref, cur, bins=bins), 6), "ks": round(ks_statistic(ref, cur), 6)}
    prefix = f"{current.name}: "
    alerts = drift_alerts(table, thresholds, prefix=prefix)
    for metric, before, after in (("ndcg_at_10", reference.ndcg, current.ndcg), ("ctr", reference.ctr, current.ctr)):
        if before is None or after is None:  # no CTR on real data
            continue
        alert = metric_alert(prefix + metric, before, after, higher_is_better=True, thresholds=thresholds)
        if alert is not None:
            alerts.append(alert)
    return table, alerts


def deployed_lists(cached: np.ndarray, fallback: np.ndarray, n_users: int) -> np.ndarray:
    """The lists users of a (possibly grown) user base get: their cached list, else the fallback list."""
    out = np.tile(fallback, (n_users, 1))
    out[: len(cached)] = cached
    return out


def pad(matrix: sparse.csr_matrix, shape: tuple[int, int]) -> sparse.csr_matrix:
    """Grow a sparse matrix with empty rows/columns (new users and songs)."""
    coo = matrix.tocoo()
    return sparse.csr_matrix((coo.data, (coo.row, coo.col)), shape=shape)
