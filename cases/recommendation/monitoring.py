"""Drift monitoring: event features per window, drift tests fitting each feature's type, new-song share, alerts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from cases.recommendation.design import DESIGN
from framework.drift import Alert, Thresholds, drift_alerts, drift_table, metric_alert

# Compared by category shares (PSI, chi-square), never KS: the design's categorical features and the 0/1 flags.
CATEGORICAL = (*(f.name for f in DESIGN.features.features if f.kind == "categorical"), "new_user", "clicked")


@dataclass
class Window:
    """One monitored period.

    Attributes:
        name: label used in alerts.
        features: feature name -> sample (per event or per user).
        ndcg: NDCG@10 of the deployed lists on this window.
        ctr: simulated click-through rate of the deployed lists (None on real data).
        new_song_share: share of clicks on songs without a training click (the model cannot rank them).
    """

    name: str
    features: dict[str, np.ndarray]
    ndcg: float
    ctr: float | None = None
    new_song_share: float = 0.0


def new_song_share(items: np.ndarray, train_popularity: np.ndarray) -> float:
    """Share of clicked songs that had no click in training (released since, or never clicked before).

    Args:
        items: song index of every click of the window.
        train_popularity: training clicks per song of the catalogue the model was trained on.
    """
    if not len(items):
        return 0.0
    known = items < len(train_popularity)
    seen = np.zeros(len(items), dtype=bool)
    seen[known] = train_popularity[items[known]] > 0
    return float(1.0 - seen.mean())


def event_features(
    events: pd.DataFrame,
    item_genre: np.ndarray | None,
    age_group: np.ndarray | None,
    train_popularity_pct: np.ndarray,
    train_popularity: np.ndarray,
    warm_users: np.ndarray,
) -> dict[str, np.ndarray]:
    """Features of one window's events, as a monitoring job would compute them from the logs.

    Args:
        events: events with ``user``, ``item`` and ``clicked``.
        item_genre: genre per song (None when unknown).
        age_group: age group per user (None when unknown).
        train_popularity_pct: popularity percentile of the songs known at training time.
        train_popularity: training clicks per song: songs without one are new to the model and
            counted by :func:`new_song_share`, not mixed into the popularity distribution.
        warm_users: user indices that had training clicks.

    Returns:
        ``song_popularity_pct`` (per click on a song with training clicks), ``genre`` (per click),
        ``age_group``, ``new_user``, ``clicked`` (per impression) and ``user_activity`` (impressions
        per active user).
    """
    clicks = events[events["clicked"]]
    item = clicks["item"].to_numpy()
    known = item < len(train_popularity)
    known[known] = train_popularity[item[known]] > 0
    out = {
        "song_popularity_pct": train_popularity_pct[item[known]],
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
    reference: Window,
    current: Window,
    thresholds: Thresholds,
    new_song_alert: float = 1.0,
    categorical: tuple[str, ...] = CATEGORICAL,
) -> tuple[dict[str, dict[str, float]], list[Alert]]:
    """Drift of every feature against the reference window, and the alerts it and the metrics raise.

    Numeric features get PSI on reference quantiles and KS; categorical ones (:data:`CATEGORICAL`)
    PSI over category shares and a chi-square p-value, never KS. Songs the model never saw are
    not drift of a feature but a share of clicks the model cannot serve: above ``new_song_alert``
    it asks for a retrain.

    Args:
        reference: the window the model was validated on.
        current: the window to check; its name prefixes every alert (two windows are watched).
        thresholds: the design's PSI, KS and relative metric-drop limits (NDCG@10 and CTR).
        new_song_alert: share of clicks on new songs that alerts.
        categorical: features compared by category shares (a drill's flaw passes none, so codes get KS).

    Returns:
        ``({feature: {"psi", "ks", "ks_pvalue"} or {"psi", "chi2_pvalue"}}, alerts)``.
    """
    table: dict[str, dict[str, float]] = {}
    for name, ref in reference.features.items():
        frames = pd.DataFrame({name: ref}), pd.DataFrame({name: current.features[name]})
        stats = drift_table(*frames, [name], categorical=[name] if name in categorical else ())[name]
        table[name] = {k: round(v, 6) for k, v in stats.items()}
    prefix = f"{current.name}: "
    alerts = drift_alerts(table, thresholds, prefix=prefix)
    if current.new_song_share > new_song_alert:
        alerts.append(
            Alert(
                kind="feature",
                subject=f"{prefix}clicks on songs without a training click",
                statistic="share",
                value=current.new_song_share,
                threshold=new_song_alert,
                detail="clicks on songs without a training click: retrain",
            )
        )
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
