"""Two-stage recommendation measured: ALS candidate generation (top-N by item factors), then ranking inside the pool.

Retrieval folds a user's history into ALS user factors and keeps the N songs with the highest
dot product (exact top-N: the reference an approximate nearest-neighbour index is measured
against). Its recall@N says how much of what matters survives the first stage: the songs the
user clicks next, the final top-10 of the deployed model, and (on synthetic data) the top-10 an
ideal ranker would serve; ranking the pool by the true click probability gives the best NDCG@10
any ranking stage could reach from these candidates.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import sparse

from cases.recommendation.models import BATCH_USERS, Recommender, SegmentPopularity, top_k
from framework import metrics as fm


def scores_for(
    retriever: Recommender, users: np.ndarray, history: sparse.csr_matrix, fallback: SegmentPopularity | None = None
) -> np.ndarray:
    """Retrieval scores of every song, ``-inf`` for songs in the user's history.

    Users without history have no factors to fold in: ``fallback`` (segment popularity) scores them.
    """
    history = sparse.csr_matrix(history)
    out = np.empty(history.shape)
    for start in range(0, len(users), BATCH_USERS):  # batches bound the (users x catalogue) score block
        h = history[start : start + BATCH_USERS]
        u = users[start : start + BATCH_USERS]
        scores = np.array(retriever.score(u, h), dtype=np.float64)
        cold = h.getnnz(axis=1) == 0
        if fallback is not None and cold.any():
            scores[cold] = fallback.score(u[cold])
        rows, cols = h.nonzero()
        scores[rows, cols] = -np.inf
        out[start : start + BATCH_USERS] = scores
    return out


def candidates(scores: np.ndarray, n: int) -> np.ndarray:
    """The ``n`` best-scored songs per user (unordered)."""
    return np.argpartition(-scores, n - 1, axis=1)[:, :n]


def _in_pool(member: np.ndarray, lists: np.ndarray) -> float:
    """Share of the listed songs (padding excluded) that are in each user's candidate pool (``member`` mask)."""
    shown = lists >= 0
    return float(np.take_along_axis(member, np.clip(lists, 0, None), axis=1)[shown].mean()) if shown.any() else 0.0


def retrieval_table(
    retriever: Recommender,
    users: np.ndarray,
    history: sparse.csr_matrix,
    relevant: sparse.csr_matrix,
    final_lists: np.ndarray,
    sizes: tuple[int, ...],
    k: int,
    ideal: Recommender | None = None,
    fallback: SegmentPopularity | None = None,
) -> dict[str, dict[str, float]]:
    """Recall@N of the retrieval stage and the ranking it allows, one row per pool size N.

    Sizes not below the catalogue are skipped; when fewer than two remain, pools of a quarter and a
    half of the catalogue are measured instead, so there are always at least two pools to compare.

    Args:
        retriever: fitted ALS (scores = folded-in user factors . item factors).
        users: evaluation users.
        history: their training clicks (fold-in input and songs never to retrieve).
        relevant: their held-out clicked songs.
        final_lists: ``(len(users), >=k)`` the deployed model's full-catalogue lists.
        sizes: pool sizes N.
        k: list length.
        ideal: the oracle (true click probabilities), None on real data.
        fallback: retrieves for users without history (as serving does).

    Returns:
        ``{"full catalogue" (synthetic only), "pool 1", ...: {...}}`` with N, the users, the
        pool's recall of held-out clicks, the share of the deployed
        top-k in the pool, the retrieval time per user (ms) and, with an oracle, the share of its
        top-k in the pool and the NDCG@k of ranking the pool by the truth (the ceiling of a ranker).
    """
    n_items = relevant.shape[1]
    n_rel = relevant.getnnz(axis=1)
    truth = None if ideal is None else np.array(ideal.score(users, history), dtype=np.float64)
    if truth is not None:
        rows, cols = history.nonzero()
        truth[rows, cols] = -np.inf
        ideal_lists = top_k(truth, k)
    table: dict[str, dict[str, float]] = {}
    if truth is not None:
        table["full catalogue"] = {
            "N": float(n_items),
            "users": float(len(users)),
            "pool_share_of_catalogue": 1.0,
            "recall_of_held_out_clicks": 1.0,
            "deployed_top10_in_pool": 1.0,
            "retrieval_ms_per_user": float("nan"),
            "oracle_top10_in_pool": 1.0,
            "ndcg_oracle_ranking_pool": float(fm.ndcg_at_k(ideal_lists, relevant, k)),
        }
    pools = [n for n in sizes if n < n_items]
    if len(pools) < 2:  # a catalogue smaller than the pools asked for: a quarter and a half of it
        pools = sorted({*pools, max(1, n_items // 4), max(1, n_items // 2)})
    start = time.perf_counter()
    scores = scores_for(retriever, users, history, fallback)  # the fold-in and dot products, shared by every N
    scoring_s = time.perf_counter() - start
    for i, n in enumerate(pools):
        start = time.perf_counter()
        pool = candidates(scores, n)
        seconds = scoring_s + time.perf_counter() - start
        member = np.zeros((len(pool), n_items), dtype=bool)
        np.put_along_axis(member, pool, True, axis=1)
        found = np.asarray(relevant.multiply(member).sum(axis=1)).ravel()
        has = n_rel > 0
        row = {
            "N": float(n),
            "users": float(len(users)),
            "pool_share_of_catalogue": n / n_items,
            "recall_of_held_out_clicks": float((found[has] / n_rel[has]).mean()),
            "deployed_top10_in_pool": _in_pool(member, final_lists[:, :k]),
            "retrieval_ms_per_user": 1000 * seconds / max(len(users), 1),
        }
        if truth is not None:
            ranked = np.take_along_axis(pool, top_k(np.take_along_axis(truth, pool, axis=1), k), axis=1)
            row["oracle_top10_in_pool"] = _in_pool(member, ideal_lists)
            row["ndcg_oracle_ranking_pool"] = float(fm.ndcg_at_k(ranked, relevant, k))
        table[f"pool {i + 1}"] = row
    return table
