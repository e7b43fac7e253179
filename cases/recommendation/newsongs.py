"""New-song cold start: list slots for songs released after training, ranked by popularity within the user's genres.

The cached lists were scored before the new songs existed, so no model can rank them. After a
warm-up of early plays the fallback scores a new song for a user by its plays so far times the
user's share of clicks in its genre (training plus warm-up clicks), and gives new songs the
bottom slots of every list in proportion to their share of the warm-up's clicks: no new-song
clicks, no slot, the lists unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from framework import metrics as fm

GENRE_PRIOR_CLICKS = 5.0  # pseudo-clicks of the warm-up's genre mix added to every user's genre counts


@dataclass(frozen=True)
class NewSongFallback:
    """The fitted fallback.

    Attributes:
        slots: list slots given to new songs (bottom of the list).
        new_click_share: share of the warm-up's clicks on new songs (what sets ``slots``).
        scores: ``(n_users, n_new)`` popularity-within-genre score of every new song per user.
        first_new: index of the first new song (new songs are ``first_new ..``).
    """

    slots: int
    new_click_share: float
    scores: np.ndarray
    first_new: int

    def apply(self, lists: np.ndarray) -> np.ndarray:
        """The lists with their bottom ``slots`` replaced by each user's best-scored new songs."""
        out = lists.copy()
        if self.slots:
            k = lists.shape[1]
            best = np.argsort(-self.scores, axis=1, kind="stable")[:, : self.slots]
            out[:, k - self.slots :] = self.first_new + best
        return out


def fit_fallback(
    warmup: pd.DataFrame, train_clicks: sparse.csr_matrix, genre: np.ndarray, n_users: int, k: int
) -> NewSongFallback:
    """Popularity within genre of the songs released after training, from the warm-up's clicks.

    Args:
        warmup: clean events of the warm-up (``user``, ``item``, ``clicked``).
        train_clicks: ``(n_train_users, n_train_items)`` training clicks; songs from ``n_train_items`` on are new.
        genre: genre per song of the grown catalogue.
        n_users: users of the grown user base.
        k: list length.
    """
    first_new = train_clicks.shape[1]
    n_genres = int(genre.max()) + 1
    clicks = warmup[warmup["clicked"]]
    user, item = clicks["user"].to_numpy(), clicks["item"].to_numpy()
    plays = np.bincount(item, minlength=len(genre)).astype(float)[first_new:]
    counts = np.zeros((n_users, n_genres))
    np.add.at(counts, (user, genre[item]), 1.0)
    train = train_clicks.tocoo()
    np.add.at(counts, (train.row, genre[train.col]), train.data)
    mix = np.bincount(genre[item], minlength=n_genres) / max(len(item), 1)
    share = (counts + GENRE_PRIOR_CLICKS * mix) / (counts.sum(axis=1, keepdims=True) + GENRE_PRIOR_CLICKS)
    new_share = float((item >= first_new).mean()) if len(item) else 0.0
    return NewSongFallback(
        slots=min(int(round(k * new_share)), k),
        new_click_share=new_share,
        scores=share[:, genre[first_new:]] * (plays[None, :] + 1.0),
        first_new=first_new,
    )


def split_warmup(events: pd.DataFrame, start_epoch_s: int, warmup_s: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The events of the first ``warmup_s`` seconds after ``start_epoch_s``, and the rest (where lists are scored)."""
    seconds = events["timestamp"].to_numpy().astype("datetime64[s]").astype(np.int64)
    early = seconds < start_epoch_s + warmup_s
    return events[early], events[~early]


def ndcg_with_and_without(
    lists: np.ndarray, fallback: NewSongFallback, relevant: sparse.csr_matrix, k: int
) -> tuple[float, float, int]:
    """NDCG@k of the lists and of the lists with new-song slots, over users with a relevant song; and those users."""
    users = np.flatnonzero(relevant.getnnz(axis=1) > 0)
    rel = relevant[users]
    served = fallback.apply(lists)[users]
    return float(fm.ndcg_at_k(lists[users], rel, k)), float(fm.ndcg_at_k(served, rel, k)), len(users)
