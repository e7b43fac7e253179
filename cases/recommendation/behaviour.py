"""Behavioural tests of a trained recommender: exclusions, cold start, one-genre users, batch invariance."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from cases.recommendation.models import SegmentPopularity, recommend
from framework.results import BehaviouralCheck

K = 10
GENRE_SEED_SONGS = 10
GENRE_SHARE_PASS = 0.7


def no_consumed(recs: np.ndarray, history: sparse.csr_matrix, model_name: str) -> BehaviouralCheck:
    """No list contains a song its user already clicked.

    Args:
        recs: ``(n, k)`` lists.
        history: ``(n, n_items)`` clicks of the same users.
        model_name: for the detail line.
    """
    rows = np.repeat(np.arange(len(recs)), recs.shape[1])
    items = recs.ravel()
    valid = items >= 0
    repeated = int(np.asarray(history[rows[valid], items[valid]]).ravel().astype(bool).sum())
    return BehaviouralCheck(
        name="no already-clicked song is recommended",
        kind="minimum_functionality",
        passed=repeated == 0,
        detail=f"{model_name}: {repeated} of {int(valid.sum()):,} slots of the top-{recs.shape[1]} ranked lists of "
        f"{len(recs):,} evaluation users were songs the user had clicked",
    )


def cold_start(
    model,
    fallback: SegmentPopularity,
    users: np.ndarray,
    n_items: int,
    model_name: str,
    untestable: str = "",
) -> BehaviouralCheck:
    """A user without history gets k distinct valid songs: the most popular of the user's segment.

    Args:
        model: the fitted model.
        fallback: the fitted segment-popularity fallback.
        users: user indices to probe (their history is blanked).
        n_items: catalogue size.
        model_name: for the detail line.
        untestable: why the check as specified cannot be made on this data (a ratings file has no
            segments and no cold user); the detail then says so and reports the probe as a code-path
            check of the global fallback only.
    """
    empty = sparse.csr_matrix((len(users), n_items))
    kk = min(K, n_items)
    recs = recommend(model, users, empty, K, fallback=fallback)[:, :kk]
    expected = np.argsort(-fallback.score(users), axis=1, kind="stable")[:, :kk]
    distinct = (np.diff(np.sort(recs, axis=1), axis=1) != 0).all(axis=1)
    full = (recs >= 0).all(axis=1) & distinct
    same_set = (recs == expected).all(axis=1)
    ok = bool(full.all() and same_set.all())
    return BehaviouralCheck(
        name="cold-start user gets the popularity fallback",
        kind="minimum_functionality",
        passed=ok,
        detail=f"{model_name}: {int(full.sum())}/{len(users)} users got {kk} distinct songs; "
        f"{int(same_set.sum())}/{len(users)} got exactly their segment's top {kk}, in order"
        if not untestable
        else f"not testable: {untestable}; as a code-path probe only, {int(full.sum())}/{len(users)} warm users "
        f"with their history blanked got {kk} distinct songs and {int(same_set.sum())}/{len(users)} exactly the "
        f"global popularity top {kk}, in order",
    )


def one_genre(
    model, item_genre: np.ndarray, popularity: np.ndarray, fallback: SegmentPopularity, model_name: str
) -> BehaviouralCheck:
    """A user who only clicked songs of one genre gets mostly that genre (one probe user per genre).

    Args:
        model: the fitted model.
        item_genre: genre of every song.
        popularity: training clicks per song (probe users click each genre's most popular songs).
        fallback: cold-start fallback (not used: probes have history).
        model_name: for the detail line.
    """
    genres = np.unique(item_genre)
    n_items = len(item_genre)
    # Each probe user clicks the GENRE_SEED_SONGS most popular songs of one genre.
    order = np.lexsort((-popularity, item_genre))
    rank = np.arange(n_items) - np.searchsorted(item_genre[order], item_genre[order])
    seeds = order[rank < GENRE_SEED_SONGS]
    rows = np.searchsorted(genres, item_genre[seeds])
    history = sparse.csr_matrix((np.ones(len(seeds)), (rows, seeds)), shape=(len(genres), n_items))
    recs = recommend(model, np.full(len(genres), -1), history, K, fallback=fallback)
    share = ((item_genre[np.clip(recs, 0, None)] == genres[:, None]) & (recs >= 0)).mean(axis=1)
    return BehaviouralCheck(
        name="one-genre user gets that genre",
        kind="directional",
        passed=bool(share.mean() >= GENRE_SHARE_PASS),
        detail=f"{model_name}: share of the top {K} in the clicked genre, mean {share.mean():.2f} "
        f"(min {share.min():.2f}) over {len(genres)} genres; pass >= {GENRE_SHARE_PASS}",
    )


def one_item(
    model, clicks: sparse.csr_matrix, baseline_recs: np.ndarray, model_name: str, probes: int = 20
) -> BehaviouralCheck:
    """Real-data stand-in for the genre test: a user who clicked one item gets that item's co-clicked items.

    For the most popular items, the recommended items' cosine co-click similarity to the seed
    item must beat the popularity list's for at least 80% of the probes.

    Args:
        model: the fitted model.
        clicks: training click matrix.
        baseline_recs: the popularity model's list (one row).
        model_name: for the detail line.
        probes: number of seed items.
    """
    binary = sparse.csr_matrix(clicks, dtype=np.float64)
    binary.data[:] = 1.0
    pop = np.asarray(binary.sum(axis=0)).ravel()
    seeds = np.argsort(-pop, kind="stable")[:probes]
    co = np.asarray((binary[:, seeds].T @ binary).todense())
    cosine = co / np.sqrt(np.maximum(np.outer(pop[seeds], pop), 1e-12))
    history = sparse.csr_matrix(
        (np.ones(len(seeds)), (np.arange(len(seeds)), seeds)), shape=(len(seeds), clicks.shape[1])
    )
    recs = recommend(model, np.full(len(seeds), -1), history, K)
    base = np.tile(baseline_recs[:K], (len(seeds), 1))
    base = np.where(base == seeds[:, None], -1, base)

    def mean_sim(r: np.ndarray) -> np.ndarray:
        sims = np.take_along_axis(cosine, np.clip(r, 0, None), axis=1)
        return np.where(r >= 0, sims, 0.0).sum(axis=1) / K

    better = mean_sim(recs) > mean_sim(base)
    return BehaviouralCheck(
        name="one-item user gets that item's neighbours",
        kind="directional",
        passed=bool(better.mean() >= 0.8),
        detail=f"{model_name}: list more co-clicked with the seed than popularity for {int(better.sum())}/"
        f"{len(seeds)} seed items (genres unknown on real data)",
    )


def batch_invariance(
    model, users: np.ndarray, history: sparse.csr_matrix, fallback, rng: np.random.Generator, model_name: str
) -> BehaviouralCheck:
    """A user's list is the same whether the user is scored alone, in a batch, or in another order.

    Args:
        model: the fitted model.
        users: user indices.
        history: their click rows.
        fallback: cold-start fallback.
        rng: shuffles the batch.
        model_name: for the detail line.
    """
    recs = recommend(model, users, history, K, fallback=fallback)
    perm = rng.permutation(len(users))
    shuffled = recommend(model, users[perm], history[perm], K, fallback=fallback)
    alone = np.vstack(
        [
            recommend(model, users[i : i + 1], history[i : i + 1], K, fallback=fallback)
            for i in range(min(len(users), 5))
        ]
    )
    same = (shuffled == recs[perm]).all(axis=1)
    ok = bool(same.all() and (alone == recs[: len(alone)]).all())
    return BehaviouralCheck(
        name="list does not depend on the scoring batch",
        kind="invariance",
        passed=ok,
        detail=f"{model_name}: {int(same.sum())}/{len(users)} lists identical after shuffling the batch; "
        f"{len(alone)} users scored alone match",
    )
