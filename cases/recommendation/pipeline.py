"""Feature pipeline: PII-masked user metadata, per-user and per-song features, and the user-song click matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

AGE_BINS = (0, 18, 25, 35, 45, 55, 200)
AGE_GROUPS = ("<18", "18-24", "25-34", "35-44", "45-54", "55+")
TOP_ARTISTS = 3
LAST_SONGS = 5


def mask_pii(users: pd.DataFrame) -> pd.DataFrame:
    """Replace raw age by an age group; the raw age never leaves this function.

    Args:
        users: metadata with ``user_id``, ``age``, ``location`` (other columns are kept, ``age`` is not).

    Returns:
        The table with ``age_group`` (label), ``age_group_id`` and ``location_id`` instead of ``age``.
    """
    age = pd.to_numeric(users["age"], errors="coerce")
    group = pd.cut(age, bins=list(AGE_BINS), right=False, labels=list(AGE_GROUPS))
    out = users.drop(columns=["age"]).assign(
        age_group=group.astype(object).fillna("unknown"),
        age_group_id=group.cat.codes.astype(np.int64),
        location=users["location"].astype("string").str.strip().str.lower().fillna("unknown").astype(object),
    )
    out["location_id"] = pd.factorize(out["location"], sort=True)[0].astype(np.int64)
    return out


def click_matrix(events: pd.DataFrame, n_users: int, n_items: int, binary: bool = True) -> sparse.csr_matrix:
    """User x song matrix of clicks.

    Args:
        events: events with ``user``, ``item`` and ``clicked``.
        n_users: rows.
        n_items: columns.
        binary: 1 per clicked pair instead of the click count.

    Returns:
        ``(n_users, n_items)`` CSR float64 matrix.
    """
    clicks = events[events["clicked"]]
    m = sparse.csr_matrix(
        (np.ones(len(clicks)), (clicks["user"].to_numpy(), clicks["item"].to_numpy())), shape=(n_users, n_items)
    )
    m.sum_duplicates()
    if binary:
        m.data[:] = 1.0
    return m


def _top_per_user(pairs: pd.DataFrame, value: str, order: list[str], n: int, prefix: str, n_users: int) -> pd.DataFrame:
    """The first ``n`` values per user after sorting, as columns ``prefix_1..n`` (-1 where missing)."""
    ranked = pairs.sort_values(["user", *order], ascending=[True] + [False] * len(order), kind="stable")
    ranked = ranked.assign(slot=ranked.groupby("user").cumcount())
    ranked = ranked[ranked["slot"] < n]
    wide = np.full((n_users, n), -1, dtype=np.int64)
    wide[ranked["user"].to_numpy(), ranked["slot"].to_numpy()] = ranked[value].to_numpy()
    return pd.DataFrame(wide, columns=[f"{prefix}_{k + 1}" for k in range(n)])


def user_features(train: pd.DataFrame, users: pd.DataFrame, items: pd.DataFrame, n_genres: int) -> pd.DataFrame:
    """Per-user features from training events only (no leakage from the test window).

    Args:
        train: clean training events (``user``, ``item``, ``timestamp``, ``clicked``).
        users: PII-masked metadata (row = user index); may lack age/location for real data.
        items: catalogue with ``artist_id`` and ``genre_id`` (row = item index).
        n_genres: number of genres (genre share columns).

    Returns:
        One row per user: activity, click-through rate, age group, location, top artists,
        last songs and the share of clicks per genre.
    """
    n_users = len(users)
    imp = np.bincount(train["user"], minlength=n_users)
    clicks = train[train["clicked"]]
    n_clicks = np.bincount(clicks["user"], minlength=n_users)
    feats = pd.DataFrame(
        {
            "user": np.arange(n_users),
            "n_impressions": imp,
            "n_clicks": n_clicks,
            "ctr": np.divide(n_clicks, imp, out=np.zeros(n_users), where=imp > 0),
        }
    )
    for col in ("age_group", "age_group_id", "location", "location_id"):
        if col in users:
            feats[col] = users[col].to_numpy()
    if "artist_id" in items:
        artist = items["artist_id"].to_numpy()[clicks["item"].to_numpy()]
        per_artist = pd.DataFrame({"user": clicks["user"].to_numpy(), "artist": artist}).value_counts()
        per_artist = per_artist.reset_index(name="n")
        per_artist = per_artist.assign(neg_artist=-per_artist["artist"])  # ties -> lower artist id first
        feats = feats.join(_top_per_user(per_artist, "artist", ["n", "neg_artist"], TOP_ARTISTS, "top_artist", n_users))
    last = clicks.assign(ts=clicks["timestamp"].astype("int64"), neg_item=-clicks["item"])
    feats = feats.join(_top_per_user(last, "item", ["ts", "neg_item"], LAST_SONGS, "last_song", n_users))
    if n_genres and "genre_id" in items:
        share = genre_share(
            click_matrix(train, n_users, len(items), binary=False), items["genre_id"].to_numpy(), n_genres
        )
        feats = feats.join(pd.DataFrame(share, columns=[f"genre_share_{g}" for g in range(n_genres)]))
    return feats


def genre_share(clicks: sparse.csr_matrix, item_genre: np.ndarray, n_genres: int) -> np.ndarray:
    """Share of each user's clicks per genre (rows of zeros for users without clicks)."""
    onehot = sparse.csr_matrix(
        (np.ones(len(item_genre)), (np.arange(len(item_genre)), item_genre)), shape=(len(item_genre), n_genres)
    )
    counts = np.asarray((clicks @ onehot).todense())
    total = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, total, out=np.zeros_like(counts), where=total > 0)


def item_features(train: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Per-song features from training events: impressions, clicks, CTR and popularity percentile."""
    n_items = len(items)
    imp = np.bincount(train["item"], minlength=n_items)
    n_clicks = np.bincount(train.loc[train["clicked"], "item"], minlength=n_items)
    feats = pd.DataFrame(
        {
            "item": np.arange(n_items),
            "n_impressions": imp,
            "n_clicks": n_clicks,
            "ctr": np.divide(n_clicks, imp, out=np.zeros(n_items), where=imp > 0),
            "popularity_pct": pd.Series(n_clicks).rank(pct=True, method="average").to_numpy(),
        }
    )
    for col in ("artist_id", "genre_id"):
        if col in items:
            feats[col] = items[col].to_numpy()
    return feats


def feature_vectors(user_feats: pd.DataFrame, item_feats: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Dense numeric vectors for a ranker or for drift checks.

    User vector: log activity, CTR, one-hot age group and location (when known), genre shares.
    Song vector: log clicks, CTR, popularity percentile, one-hot genre (when known).

    Returns:
        ``(user_vectors, item_vectors)``.
    """
    parts = [np.log1p(user_feats[["n_impressions", "n_clicks"]].to_numpy(float)), user_feats[["ctr"]].to_numpy()]
    for col in ("age_group_id", "location_id"):
        if col in user_feats:
            codes = user_feats[col].to_numpy()
            parts.append(np.eye(max(int(codes.max()) + 1, 1))[np.clip(codes, 0, None)] * (codes >= 0)[:, None])
    parts.append(user_feats.filter(like="genre_share_").to_numpy())
    item_parts = [np.log1p(item_feats[["n_clicks"]].to_numpy(float)), item_feats[["ctr", "popularity_pct"]].to_numpy()]
    if "genre_id" in item_feats:
        g = item_feats["genre_id"].to_numpy()
        item_parts.append(np.eye(int(g.max()) + 1)[g])
    return np.hstack(parts), np.hstack(item_parts)
