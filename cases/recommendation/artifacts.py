"""What the recommendation steps hand each other: the data, the features, the fitted ladder and the deployed lists."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from cases.recommendation.generator import World
from cases.recommendation.models import Recommender, SegmentPopularity


@dataclass(frozen=True)
class RecData:
    """Step 4's output: who and what exists, and the click events split into train and held-out.

    Attributes:
        synthetic: True when the generator made the events (its ``world`` then holds the true
            click probabilities); False for ``--data``. The only field later steps branch on.
        world: the generator's ground truth, None on real data; read it through :meth:`truth`.
        users: user table; row i is user index i (synthetic users also carry ``age`` and ``location``).
        items: song table; row j is item index j (synthetic songs also carry ``genre_id``).
        train: training events (``user``, ``item``, ``clicked``, ``timestamp``[, ``rating``]).
        test: held-out events, same columns.
        n_genres: genres of the catalogue (0 on real data: the ratings file has none).
        song_clicks: training clicks per song counted by the data step's reduction over the log's
            partitions (None when the split was not per row, and on real data).
    """

    synthetic: bool
    world: World | None
    users: pd.DataFrame
    items: pd.DataFrame
    train: pd.DataFrame
    test: pd.DataFrame
    n_genres: int
    song_clicks: np.ndarray | None = None

    def truth(self) -> World:
        """The generator's world; only synthetic runs have one.

        Raises:
            ValueError: on real data (a step forgot to branch on ``synthetic``).
        """
        if self.world is None:
            raise ValueError("real data has no generator truth: branch on RecData.synthetic first")
        return self.world


@dataclass(frozen=True)
class RecFeatures:
    """Step 5's output, all built from the training window only.

    Attributes:
        user_features: per-user feature table (age group, never raw age).
        item_features: per-song features (clicks, CTR, ``popularity_pct``).
        clicks: ``(n_users, n_items)`` training click counts (the models' input).
        consumed: the same, binary: songs never to recommend again.
        relevant: ``(n_users, n_items)`` songs clicked in the held-out window and not before.
        eval_users: users with at least one relevant song: the evaluation units, in order.
        segment: age-group x location code per user (-1 on real data), for the cold-start fallback.
        popularity: training clicks per song.
    """

    user_features: pd.DataFrame
    item_features: pd.DataFrame
    clicks: sparse.csr_matrix
    consumed: sparse.csr_matrix
    relevant: sparse.csr_matrix
    eval_users: np.ndarray
    segment: np.ndarray
    popularity: np.ndarray


@dataclass(frozen=True)
class RecModels:
    """Step 6's output: every fitted ladder model and its lists for the evaluation users.

    Attributes:
        fitted: model name -> fitted recommender, in ladder order.
        fallback: segment popularity, which scores users without history for item_cf and ALS.
        recs: model name -> ``(len(eval_users), CURVE_K)`` song ids, best first, -1 padded.
    """

    fitted: dict[str, Recommender]
    fallback: SegmentPopularity
    recs: dict[str, np.ndarray]


@dataclass(frozen=True)
class RecDeployment:
    """Step 8's output: what the cache serves.

    Attributes:
        lists: ``(n_users, K)`` the deployed model's list of every known user.
        fallback_list: the global popularity top K served to unknown users.
    """

    lists: np.ndarray
    fallback_list: np.ndarray
