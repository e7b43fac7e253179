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


def thompson_slot(
    lists: np.ndarray,
    users: np.ndarray,
    seen: np.ndarray,
    clicks: np.ndarray,
    impressions: np.ndarray,
    rng: np.random.Generator,
    candidates: int = 20,
) -> np.ndarray:
    """The lists with their last slot given by Thompson sampling over per-song click-rate posteriors.

    Each song's click rate has a ``Beta(1 + clicks, 1 + impressions - clicks)`` posterior. For every
    list, ``candidates`` songs outside the user's history and list are drawn uniformly, one posterior
    sample is drawn per candidate, and the highest sample takes the slot: a song with few impressions
    has a wide posterior and wins often enough to be tried, a song shown often and rarely clicked stops
    winning. Sampling a candidate set keeps the cost at ``candidates`` draws per list, not the catalogue.

    Args:
        lists: ``(n, k)`` song ids, -1 padded; row ``i`` is the list of ``users[i]``.
        users: row of ``seen`` of each list.
        seen: ``(n_users, n_items)`` bool, songs never to draw (the history).
        clicks: clicks per song so far.
        impressions: impressions per song so far (at least ``clicks``).
        rng: random stream.
        candidates: songs considered per list.
    """
    n_items = seen.shape[1]
    cand = rng.integers(0, n_items, (len(lists), candidates))
    misses = np.maximum(impressions - clicks, 0)
    draw = rng.beta(1.0 + clicks[cand], 1.0 + misses[cand])
    clash = seen[users[:, None], cand] | (cand[:, :, None] == lists[:, None, :-1]).any(axis=2)
    draw[clash] = -1.0  # a clashing candidate wins only when every candidate clashes
    out = lists.copy()
    out[:, -1] = np.take_along_axis(cand, np.argmax(draw, axis=1)[:, None], axis=1)[:, 0]
    return out
