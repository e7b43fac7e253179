"""One exploration slot in the served top-10: what it costs in CTR and NDCG@10, what it buys in catalogue exposure."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from cases.recommendation.generator import World
from cases.recommendation.models import BATCH_USERS

EXPLORATION_SLICE = "exploration slot (last of the top-10)"


def explore_slot(
    lists: np.ndarray,
    users: np.ndarray,
    history: sparse.csr_matrix,
    rng: np.random.Generator,
    tries: int = 20,
) -> np.ndarray:
    """The lists with their last slot replaced by a uniformly random song outside the user's history and list.

    Epsilon exploration, one slot of ``k``: the lowest slot, where position bias makes it cheapest.

    Args:
        lists: ``(n, k)`` song ids, -1 padded; row ``i`` is the list of ``users[i]``.
        users: row of ``history`` of each list.
        history: ``(n_users, n_items)`` clicks (those songs are never drawn).
        rng: random stream.
        tries: redraws of a song that collides with the history or the list before keeping it anyway.
    """
    n_items = history.shape[1]
    out = lists.copy()
    song = rng.integers(0, n_items, len(lists))
    todo = np.arange(len(lists))
    for _ in range(tries):
        s = song[todo]
        clash = (lists[todo, :-1] == s[:, None]).any(axis=1) | (np.asarray(history[users[todo], s]).ravel() > 0)
        todo = todo[clash]
        if not len(todo):
            break
        song[todo] = rng.integers(0, n_items, len(todo))
    out[:, -1] = song
    return out


def pair_probabilities(world: World, users: np.ndarray, songs: np.ndarray) -> np.ndarray:
    """True click probability of ``songs[i]`` for ``users[i]``, scoring each distinct user once, in batches."""
    distinct, row = np.unique(users, return_inverse=True)
    out = np.zeros(len(users))
    for start in range(0, len(distinct), BATCH_USERS):  # batches bound the (users x catalogue) probability block
        p = world.click_probability(distinct[start : start + BATCH_USERS])
        inside = (row >= start) & (row < start + BATCH_USERS)
        out[inside] = p[row[inside] - start, songs[inside]]
    return out


def exposure_coverage(lists: np.ndarray, n_items: int) -> float:
    """Share of the catalogue shown in at least one of ``lists`` (padding ignored)."""
    shown = lists[lists >= 0]
    return float(len(np.unique(shown)) / n_items) if n_items else 0.0
