"""The batch refresh's scoring on the run's engine: every user's list computed per block of users, on the workers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from cases.recommendation.models import BATCH_USERS, Recommender, SegmentPopularity, recommend

if TYPE_CHECKING:
    from framework.engine import Engine


def score_chunks(n_users: int, block_users: int) -> list[tuple[int, int]]:
    """User ranges scored by one task each: whole :data:`BATCH_USERS` batches, each the batch pandas scores."""
    size = BATCH_USERS * max(1, -(-block_users // BATCH_USERS))
    return [(lo, min(lo + size, n_users)) for lo in range(0, n_users, size)]


def recommend_all(
    engine: Engine,
    model: Recommender,
    history: sparse.csr_matrix,
    k: int,
    fallback: SegmentPopularity | None,
    block_users: int,
) -> np.ndarray:
    """Top-k of every user (row i = user i), the same lists on either engine.

    On Dask the fitted model is sent to every worker once and each chunk of users is scored where it
    lands; on pandas it is :func:`~cases.recommendation.models.recommend` over all users.

    Args:
        engine: the run's engine.
        model: the fitted model to serve.
        history: ``(n_users, n_items)`` training clicks (the model input and the songs to exclude).
        k: list length.
        fallback: scores users without history.
        block_users: the data's block size (chunks are whole scoring batches of about that many users).
    """
    n_users = history.shape[0]
    chunks = score_chunks(n_users, block_users)
    if not engine.is_dask or len(chunks) == 1:
        return recommend(model, np.arange(n_users), history, k, fallback=fallback)
    blocks = [(np.arange(lo, hi), history[lo:hi], k) for lo, hi in chunks]
    return np.vstack(engine.map(_recommend_block, blocks, shared=(model, fallback)))


def _recommend_block(
    model: Recommender, fallback: SegmentPopularity | None, users: np.ndarray, history: sparse.csr_matrix, k: int
) -> np.ndarray:
    """One task's lists: :func:`~cases.recommendation.models.recommend` on one block of users."""
    return recommend(model, users, history, k, fallback=fallback)
