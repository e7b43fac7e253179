"""Step 5 of the recommendation case: PII-masked user features, song features and the click matrices."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from cases.recommendation.artifacts import RecData, RecFeatures
from cases.recommendation.evaluation import relevant_matrix
from cases.recommendation.pipeline import click_matrix, feature_vectors, item_features, mask_pii, user_features
from framework.errors import BadInput
from framework.results import FeaturesResult

LOCATION_CODES = 8  # segment = age_group_id * LOCATION_CODES + location_id


def features(data: RecData) -> tuple[FeaturesResult, RecFeatures]:
    """PII-masked user features, song features and the user-song click matrix, from training only.

    Raises:
        BadInput: no user clicked a new song in the held-out window, so there is nothing to evaluate.
    """
    users, items, train = data.users, data.items, data.train
    n_users, n_items = len(users), len(items)
    if data.synthetic:
        masked = mask_pii(users)
        segment = masked["age_group_id"].to_numpy() * LOCATION_CODES + masked["location_id"].to_numpy()
    else:  # a ratings file has no user metadata: every user is in one segment
        masked, segment = users, np.full(n_users, -1)
    uf = user_features(train, masked, items, data.n_genres)
    itf = item_features(train, items)
    uvec, ivec = feature_vectors(uf, itf)
    clicks = click_matrix(train, n_users, n_items, binary=False)
    consumed = click_matrix(train, n_users, n_items)
    relevant = relevant_matrix(data.test, consumed)
    eval_users = np.flatnonzero(relevant.getnnz(axis=1) > 0)
    if not len(eval_users):  # every held-out click repeats a training click: nothing to score
        raise BadInput(
            "no user clicked a song in the held-out window that was not already clicked in training; "
            + ("raise test_fraction or n_items" if data.synthetic else "use a file with more ratings per user")
        )
    summary = {
        "user_feature_columns": int(uf.shape[1]),
        "user_vector_dim": int(uvec.shape[1]),
        "song_vector_dim": int(ivec.shape[1]),
        "raw_age_in_features": "age" in uf.columns,
        "segments": int(len(np.unique(segment[segment >= 0]))),
        "train_clicked_pairs": int(consumed.nnz),
        "matrix_density": float(consumed.nnz / max(n_users * n_items, 1)),
        "eval_users": int(len(eval_users)),
        "cold_start_eval_users": int((consumed[eval_users].getnnz(axis=1) == 0).sum()),
        "relevant_per_eval_user": float(relevant.nnz / max(len(eval_users), 1)),
    }
    artifact = RecFeatures(
        user_features=uf,
        item_features=itf,
        clicks=clicks,
        consumed=consumed,
        relevant=relevant,
        eval_users=eval_users,
        segment=segment,
        popularity=_popularity(data, clicks),
    )
    return FeaturesResult(summary=summary), artifact


def _popularity(data: RecData, clicks: sparse.csr_matrix) -> np.ndarray:
    """Training clicks per song: the data step's reduction when it made one (the same integers), else the matrix's."""
    if data.song_clicks is not None:
        return data.song_clicks.astype(np.float64)
    return np.asarray(clicks.sum(axis=0)).ravel()
