"""The model ladder (random, popularity, item-based CF, implicit ALS, oracle) and top-k recommendation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
from scipy import sparse

BATCH_USERS = 2048
KNN_BLOCK_ITEMS = 1024  # songs whose similarity rows item-CF computes at once


class Recommender(Protocol):
    """What every rung of the ladder offers: fit on the click matrix, score users given their histories."""

    def fit(self, clicks: sparse.csr_matrix) -> Recommender:
        """Learn from the ``(n_users, n_items)`` training clicks; returns the model itself."""
        ...

    def score(self, users: np.ndarray, history: sparse.csr_matrix) -> np.ndarray:
        """``(len(users), n_items)`` scores, higher is better."""
        ...


def hash_uniform(users: np.ndarray, n_items: int, seed: int) -> np.ndarray:
    """Deterministic pseudo-random numbers in [0, 1) per (user, item) pair (splitmix64 mixing).

    A user's numbers do not depend on which batch the user is scored in.
    """
    with np.errstate(over="ignore"):
        x = (
            np.asarray(users, dtype=np.uint64)[:, None] * np.uint64(0x9E3779B97F4A7C15)
            + np.arange(n_items, dtype=np.uint64)[None, :] * np.uint64(0xD1B54A32D192ED03)
            + np.uint64(seed) * np.uint64(0x94D049BB133111EB)
        )
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) / float(2**53)


class RandomRecommender:
    """Naive rung: songs in a random order per user.

    Args:
        random_state: seed of the random scores (draw it from ``ctx.rng``).
    """

    def __init__(self, random_state: int = 0):
        self.random_state = random_state

    def fit(self, clicks: sparse.csr_matrix) -> RandomRecommender:
        """Remember the catalogue size."""
        self.n_items_ = clicks.shape[1]
        return self

    def score(self, users: np.ndarray, history: sparse.csr_matrix) -> np.ndarray:
        """Random scores; the same user always gets the same scores."""
        return hash_uniform(users, self.n_items_, self.random_state)


class PopularityRecommender:
    """The seed's baseline: the most-clicked songs of the training window, the same for everyone."""

    def fit(self, clicks: sparse.csr_matrix) -> PopularityRecommender:
        """Count clicks per song."""
        self.popularity_ = np.asarray(clicks.sum(axis=0)).ravel().astype(np.float64)
        return self

    def score(self, users: np.ndarray, history: sparse.csr_matrix) -> np.ndarray:
        """Every user gets the global click counts."""
        return np.broadcast_to(self.popularity_, (len(users), self.popularity_.size)).copy()


class SegmentPopularity:
    """Cold-start fallback: popularity within the user's segment (age group x location), shrunk to global.

    Args:
        shrinkage: pseudo-clicks of global popularity added to every segment.
    """

    def __init__(self, shrinkage: float = 50.0):
        self.shrinkage = shrinkage

    def fit(self, clicks: sparse.csr_matrix, segment: np.ndarray) -> SegmentPopularity:
        """Per-segment click shares; ``segment`` is one code per user (-1: unknown)."""
        segment = np.asarray(segment)
        n_seg = int(segment.max(initial=-1)) + 1
        known = segment >= 0
        onehot = sparse.csr_matrix(
            (np.ones(int(known.sum())), (segment[known], np.flatnonzero(known))), shape=(n_seg, clicks.shape[0])
        )
        counts = np.asarray((onehot @ clicks).todense()) if n_seg else np.zeros((0, clicks.shape[1]))
        total = np.asarray(clicks.sum(axis=0)).ravel()
        self.global_ = total / max(total.sum(), 1.0)
        self.segment_scores_ = (counts + self.shrinkage * self.global_) / (
            counts.sum(axis=1, keepdims=True) + self.shrinkage
        )
        self.segment_ = segment
        return self

    def score(self, users: np.ndarray, history: sparse.csr_matrix | None = None) -> np.ndarray:
        """Segment shares of each user (global shares for users without a segment)."""
        users = np.asarray(users)
        known = (users >= 0) & (users < len(self.segment_))
        seg = np.full(len(users), -1, dtype=np.int64)
        seg[known] = self.segment_[users[known]]
        out = np.broadcast_to(self.global_, (len(users), self.global_.size)).copy()
        out[seg >= 0] = self.segment_scores_[seg[seg >= 0]]
        return out


class ItemKNN:
    """Item-based collaborative filtering: cosine similarity of song columns of the click matrix.

    Only the top neighbours of each song are kept, as a sparse ``(n_items, n_items)`` CSR matrix.
    The similarities are computed for a block of songs at a time, so no dense songs x songs matrix
    ever exists: peak memory is a block of ``block_items x n_items`` floats plus the kept table.

    Args:
        neighbours: most similar songs kept per song (the rest of the row is dropped).
        block_items: songs whose similarity rows are computed at once (bounds peak memory).
    """

    def __init__(self, neighbours: int = 100, block_items: int = KNN_BLOCK_ITEMS):
        self.neighbours = neighbours
        self.block_items = block_items

    def fit(self, clicks: sparse.csr_matrix) -> ItemKNN:
        """Cosine similarity between songs, pruned to the top neighbours of each song, block by block."""
        binary = sparse.csr_matrix(clicks, dtype=np.float64, copy=True)
        binary.data[:] = 1.0
        n_items = binary.shape[1]
        by_item = binary.T.tocsr()  # rows are songs: a block of rows is a block of songs
        norms = np.sqrt(np.asarray(binary.sum(axis=0)).ravel())  # sqrt of the co-occurrence diagonal
        keep = min(self.neighbours, n_items)
        parts = []
        for start in range(0, n_items, self.block_items):  # loop over blocks of songs, not songs
            stop = min(start + self.block_items, n_items)
            sim = np.asarray((by_item[start:stop] @ binary).todense(), dtype=np.float64)
            sim /= np.maximum(np.outer(norms[start:stop], norms), 1e-12)
            sim[np.arange(stop - start), np.arange(start, stop)] = 0.0
            if keep < n_items:
                cut = np.argpartition(-sim, keep - 1, axis=1)[:, keep:]
                np.put_along_axis(sim, cut, 0.0, axis=1)
            parts.append(sparse.csr_matrix(sim))
        self.similarity_ = sparse.vstack(parts, format="csr") if parts else sparse.csr_matrix((n_items, n_items))
        pop = np.asarray(clicks.sum(axis=0)).ravel()
        self.tiebreak_ = 1e-9 * pop / max(pop.max(initial=0.0), 1.0)
        return self

    def score(self, users: np.ndarray, history: sparse.csr_matrix) -> np.ndarray:
        """Sum of similarities to the songs the user clicked (ties broken by popularity)."""
        binary = sparse.csr_matrix(history, dtype=np.float64, copy=True)
        binary.data[:] = 1.0
        return np.asarray((binary @ self.similarity_).todense()) + self.tiebreak_


class ImplicitALS:
    """Matrix factorisation for implicit feedback (Hu, Koren & Volinsky 2008), alternating least squares.

    Minimises ``sum c_ui (p_ui - x_u.y_i)^2 + reg (|x_u|^2 + |y_i|^2)`` with ``p_ui = 1`` for
    clicked pairs and confidence ``c_ui = 1 + alpha * clicks_ui``. Each half-step solves every
    user's (or song's) f x f normal equations in one batched ``numpy.linalg.solve``; the
    per-user Gram corrections come from one sparse product with the songs' outer products.

    Args:
        factors: latent dimension f.
        regularization: L2 penalty.
        alpha: confidence per click.
        iterations: alternating sweeps.
        random_state: seed of the initial factors.
    """

    def __init__(
        self,
        factors: int = 32,
        regularization: float = 5.0,
        alpha: float = 10.0,
        iterations: int = 10,
        random_state: int = 0,
    ):
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.random_state = random_state

    def fit(self, clicks: sparse.csr_matrix) -> ImplicitALS:
        """Alternate user and song solves starting from small random song factors."""
        rng = np.random.default_rng(self.random_state)
        conf = sparse.csr_matrix(clicks, dtype=np.float64) * self.alpha
        conf_t = conf.T.tocsr()
        items = rng.normal(0.0, 0.01, (clicks.shape[1], self.factors))
        users = np.zeros((clicks.shape[0], self.factors))
        for _ in range(self.iterations):
            users = self._solve(conf, items)
            items = self._solve(conf_t, users)
        self.user_factors_, self.item_factors_ = users, items
        return self

    def _solve(self, conf: sparse.csr_matrix, fixed: np.ndarray) -> np.ndarray:
        """Least-squares factors of every row of ``conf`` given the other side's factors."""
        f = fixed.shape[1]
        gram = fixed.T @ fixed + self.regularization * np.eye(f)
        outer = (fixed[:, :, None] * fixed[:, None, :]).reshape(fixed.shape[0], f * f)
        pref = conf.copy()
        pref.data[:] = 1.0
        out = np.empty((conf.shape[0], f))
        for start in range(0, conf.shape[0], BATCH_USERS):  # bounded memory: (batch, f, f)
            c = conf[start : start + BATCH_USERS]
            a = gram + (c @ outer).reshape(-1, f, f)
            b = (c + pref[start : start + BATCH_USERS]) @ fixed
            out[start : start + BATCH_USERS] = np.linalg.solve(a, b[:, :, None])[:, :, 0]
        return out

    def fold_in(self, history: sparse.csr_matrix) -> np.ndarray:
        """User factors of click histories, solved against the fitted item factors (the retrieval query)."""
        conf = sparse.csr_matrix(history, dtype=np.float64) * self.alpha
        return self._solve(conf, self.item_factors_)

    def score(self, users: np.ndarray, history: sparse.csr_matrix) -> np.ndarray:
        """Fold the users' click histories into user factors and score every song."""
        return self.fold_in(history) @ self.item_factors_.T


class ProbabilityOracle:
    """Synthetic oracle: ranks by the generator's true click probability.

    Args:
        click_probability: function of user indices returning their true probabilities.
    """

    def __init__(self, click_probability: Callable[[np.ndarray], np.ndarray]):
        self.click_probability = click_probability

    def fit(self, clicks: sparse.csr_matrix) -> ProbabilityOracle:
        """Nothing to learn."""
        return self

    def score(self, users: np.ndarray, history: sparse.csr_matrix) -> np.ndarray:
        """The true click probabilities."""
        return np.asarray(self.click_probability(np.asarray(users)), dtype=np.float64)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores per row, best first; ties go to the lower item id; -1 where -inf.

    Args:
        scores: ``(n, n_items)`` scores, ``-inf`` for excluded songs.
        k: list length.

    Returns:
        ``(n, k)`` int64 item ids.
    """
    n, m = scores.shape
    kk = min(k, m)
    idx = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
    vals = np.take_along_axis(scores, idx, axis=1)
    # argpartition picks arbitrarily among items tied with the k-th score; take the lowest ids instead. Only rows
    # with more songs at the k-th score than the partition kept can differ, so only those are redone.
    kth = vals.min(axis=1, keepdims=True)
    spill = (scores == kth).sum(axis=1) > (vals == kth).sum(axis=1)
    if spill.any():
        sub, low = scores[spill], kth[spill]
        above, tied = sub > low, sub == low
        need = kk - above.sum(axis=1, keepdims=True)
        chosen = above | (tied & (np.cumsum(tied, axis=1) <= need))
        idx[spill] = np.nonzero(chosen)[1].reshape(len(sub), kk)
        vals[spill] = np.take_along_axis(sub, idx[spill], axis=1)
    order = np.lexsort((idx, -vals), axis=1)  # score desc, then item id asc
    idx = np.take_along_axis(idx, order, axis=1)
    idx[np.take_along_axis(vals, order, axis=1) == -np.inf] = -1
    out = np.full((n, k), -1, dtype=np.int64)
    out[:, :kk] = idx
    return out


def recommend(
    model: Recommender,
    users: np.ndarray,
    history: sparse.csr_matrix,
    k: int,
    fallback: SegmentPopularity | None = None,
) -> np.ndarray:
    """Top-k songs per user, never a song in the user's history.

    Args:
        model: a fitted model with ``score(users, history_rows)``.
        users: user indices (-1 for a user the models have never seen).
        history: ``(len(users), n_items)`` clicks of these users: the model input and the songs to exclude.
        k: list length.
        fallback: scores users without any history (cold start) when given.

    Returns:
        ``(len(users), k)`` item ids, best first, -1 padded.
    """
    users = np.asarray(users, dtype=np.int64)
    history = sparse.csr_matrix(history)
    if history.shape[0] != len(users):
        raise ValueError(f"history has {history.shape[0]} rows for {len(users)} users")
    out = np.full((len(users), k), -1, dtype=np.int64)
    for start in range(0, len(users), BATCH_USERS):  # loop over batches of users, not users
        u = users[start : start + BATCH_USERS]
        h = history[start : start + BATCH_USERS]
        scores = np.array(model.score(u, h), dtype=np.float64)
        if fallback is not None:
            cold = h.getnnz(axis=1) == 0
            if cold.any():
                scores[cold] = fallback.score(u[cold])
        rows, cols = h.nonzero()
        scores[rows, cols] = -np.inf
        out[start : start + BATCH_USERS] = top_k(scores, k)
    return out
