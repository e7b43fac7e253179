"""Offline evaluation at k: the relevant songs of each user and every ranking metric of a top-k list."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from framework import metrics as m

K = 10
CURVE_K = 20
RANKING = {
    "precision_at_10": m.precision_at_k,
    "recall_at_10": m.recall_at_k,
    "ndcg_at_10": m.ndcg_at_k,
    "map_at_10": m.map_at_k,
    "hit_rate_at_10": m.hit_rate_at_k,
}


def relevant_matrix(events: pd.DataFrame, consumed: sparse.csr_matrix) -> sparse.csr_matrix:
    """Songs each user clicked in ``events`` and had not clicked before (those can be recommended).

    Args:
        events: held-out events (``user``, ``item``, ``clicked``; every row counts when ``clicked`` is absent).
        consumed: ``(n_users, n_items)`` songs already clicked in training.

    Returns:
        Binary ``(n_users, n_items)`` CSR matrix.
    """
    hits = events[events["clicked"]] if "clicked" in events else events
    rel = sparse.csr_matrix(
        (np.ones(len(hits)), (hits["user"].to_numpy(), hits["item"].to_numpy())), shape=consumed.shape
    )
    rel.sum_duplicates()
    rel.data[:] = 1.0
    seen = consumed.copy()
    seen.data[:] = 1.0
    rel = rel - rel.multiply(seen)
    rel.eliminate_zeros()
    return rel.tocsr()


def evaluate(recs: np.ndarray, relevant: sparse.csr_matrix, popularity: np.ndarray, k: int = K) -> dict[str, float]:
    """Every offline metric of one model's top-k lists.

    Args:
        recs: ``(n_eval_users, >=k)`` item ids best first.
        relevant: ``(n_eval_users, n_items)`` relevant songs of the same users.
        popularity: training clicks per song (for the popularity bias).
        k: cut-off.

    Returns:
        ``{metric_name: value}`` with the names of the design's offline metrics.
    """
    out = {name: fn(recs, relevant, k) for name, fn in RANKING.items()}
    out["catalog_coverage_at_10"] = m.catalog_coverage(recs, relevant.shape[1], k)
    out["popularity_bias_at_10"] = m.popularity_bias(recs, popularity, k)
    return {name: float(v) for name, v in out.items()}


def pr_curve(recs: np.ndarray, relevant: sparse.csr_matrix, max_k: int = CURVE_K) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall at k = 1..max_k from one hit matrix (same definitions as ``framework.metrics``).

    Returns:
        ``(precision, recall)``, each of length ``max_k``, averaged over users with a relevant song.
    """
    hits, n_rel = m.hit_matrix(recs, relevant, max_k)
    users = n_rel > 0
    found = np.cumsum(hits[users], axis=1)
    return found.mean(axis=0) / np.arange(1, max_k + 1), (found / n_rel[users, None]).mean(axis=0)


def map_all_relevant(recs: np.ndarray, relevant: sparse.csr_matrix, k: int = K) -> float:
    """MAP as microsoft/recommenders' benchmark table reports it (their ``map``; ``map_at_k`` before v1.2).

    ``AP = sum over hits in the top k of precision@rank / n_relevant``: normalised by *all* the user's
    relevant items, where :func:`framework.metrics.map_at_k` (this case's ``map_at_10``, today's
    ``map_at_k`` of recommenders) divides by ``min(k, n_relevant)``. Users with no relevant item are
    excluded from the mean, as in both libraries.

    Args:
        recs: ``(n_users, >=k)`` item ids best first, -1 padded.
        relevant: ``(n_users, n_items)`` relevant items.
        k: cut-off.
    """
    hits, n_rel = m.hit_matrix(recs, relevant, k)
    precision_at_i = np.cumsum(hits, axis=1) / np.arange(1, k + 1)
    ap = (precision_at_i * hits).sum(axis=1) / np.maximum(n_rel, 1)
    users = n_rel > 0
    return float(ap[users].mean()) if users.any() else 0.0
