"""Offline metrics for regression, binary classification and top-k ranking (vectorised numpy)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.stats import rankdata

ArrayLike = Any


# --------------------------------------------------------------------------- helpers


def _paired(a: ArrayLike, b: ArrayLike, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Convert two array-likes to 1-D float arrays of equal, non-zero length.

    Args:
        a: first array-like.
        b: second array-like.
        names: argument names used in error messages.

    Returns:
        The two arrays as 1-D float64.

    Raises:
        ValueError: if lengths differ or the inputs are empty.
    """
    x = np.asarray(a, dtype=np.float64).ravel()
    y = np.asarray(b, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"{names[0]} and {names[1]} differ in length: {x.size} != {y.size}")
    if x.size == 0:
        raise ValueError(f"{names[0]} and {names[1]} are empty")
    return x, y


def _binary(y_true: ArrayLike, scores: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate binary labels and scores.

    Args:
        y_true: labels in {0, 1}.
        scores: model scores, higher meaning more likely positive.

    Returns:
        Labels as a boolean array and scores as float64.

    Raises:
        ValueError: if labels are not in {0, 1} or shapes differ.
    """
    y, s = _paired(y_true, scores, ("y_true", "scores"))
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("y_true must contain only 0 and 1")
    return y.astype(bool), s


def _both_classes(y: np.ndarray, metric: str) -> tuple[int, int]:
    """Return (n_pos, n_neg), raising if either class is absent."""
    n_pos = int(y.sum())
    n_neg = int(y.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"{metric} is undefined when y_true holds a single class")
    return n_pos, n_neg


def _curve(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative true/false positives at every distinct score threshold.

    The positive prediction rule is ``score >= threshold``; thresholds run from the
    highest score down, one per distinct score value.

    Args:
        y: boolean labels.
        s: scores.

    Returns:
        ``(tps, fps)``, each of length n_distinct_scores.
    """
    order = np.argsort(-s, kind="mergesort")
    s_sorted = s[order]
    y_sorted = y[order]
    # last index of every run of equal scores
    last = np.r_[np.flatnonzero(np.diff(s_sorted) != 0), s_sorted.size - 1]
    tps = np.cumsum(y_sorted)[last]
    fps = (last + 1) - tps
    return tps.astype(np.float64), fps.astype(np.float64)


# --------------------------------------------------------------------------- regression


def mae(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute error.

    Args:
        y_true: observed values.
        y_pred: predicted values.

    Returns:
        ``mean(|y_true - y_pred|)``.
    """
    t, p = _paired(y_true, y_pred, ("y_true", "y_pred"))
    return float(np.mean(np.abs(t - p)))


def rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Root mean squared error.

    Args:
        y_true: observed values.
        y_pred: predicted values.

    Returns:
        ``sqrt(mean((y_true - y_pred) ** 2))``.
    """
    t, p = _paired(y_true, y_pred, ("y_true", "y_pred"))
    return float(np.sqrt(np.mean((t - p) ** 2)))


def mape(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute percentage error, as a fraction (0.12 means 12%).

    Args:
        y_true: observed values; none may be zero.
        y_pred: predicted values.

    Returns:
        ``mean(|y_true - y_pred| / |y_true|)``.

    Raises:
        ValueError: if any ``y_true`` is zero (the percentage error is undefined).
    """
    t, p = _paired(y_true, y_pred, ("y_true", "y_pred"))
    n_zero = int(np.count_nonzero(t == 0))
    if n_zero:
        raise ValueError(f"mape is undefined: y_true contains {n_zero} zero value(s)")
    return float(np.mean(np.abs(t - p) / np.abs(t)))


def p90_absolute_error(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """90th percentile of the absolute error (numpy's default linear interpolation).

    Args:
        y_true: observed values.
        y_pred: predicted values.

    Returns:
        ``percentile(|y_true - y_pred|, 90)``.
    """
    t, p = _paired(y_true, y_pred, ("y_true", "y_pred"))
    return float(np.percentile(np.abs(t - p), 90))


# --------------------------------------------------------------------------- classification


def roc_auc(y_true: ArrayLike, scores: ArrayLike) -> float:
    """Area under the ROC curve (Mann-Whitney U; tied scores count one half).

    Args:
        y_true: labels in {0, 1}.
        scores: model scores, higher meaning more likely positive.

    Returns:
        Probability that a random positive outscores a random negative.

    Raises:
        ValueError: if ``y_true`` holds a single class.
    """
    y, s = _binary(y_true, scores)
    n_pos, n_neg = _both_classes(y, "roc_auc")
    ranks = rankdata(s)  # average ranks for ties
    u = ranks[y].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def average_precision(y_true: ArrayLike, scores: ArrayLike) -> float:
    """Average precision, as sklearn's ``average_precision_score``.

    ``AP = sum_n (R_n - R_{n-1}) * P_n`` over the distinct score thresholds, highest
    first (step-wise, no interpolation).

    Args:
        y_true: labels in {0, 1}.
        scores: model scores, higher meaning more likely positive.

    Returns:
        Average precision in [0, 1].

    Raises:
        ValueError: if ``y_true`` has no positive.
    """
    y, s = _binary(y_true, scores)
    n_pos = int(y.sum())
    if n_pos == 0:
        raise ValueError("average_precision is undefined when y_true has no positive")
    tps, fps = _curve(y, s)
    precision = tps / (tps + fps)
    recall = tps / n_pos
    return float(np.sum(np.diff(recall, prepend=0.0) * precision))


def recall_at_fpr(y_true: ArrayLike, scores: ArrayLike, max_fpr: float = 0.01) -> float:
    """Highest recall reachable with a threshold whose false-positive rate is <= ``max_fpr``.

    Thresholds are the distinct scores (predict positive when ``score >= threshold``),
    plus "flag nothing" (recall 0, FPR 0).

    Args:
        y_true: labels in {0, 1}.
        scores: model scores, higher meaning more likely positive.
        max_fpr: the largest tolerated false-positive rate, in [0, 1].

    Returns:
        The recall (true-positive rate) at the best admissible threshold.

    Raises:
        ValueError: if ``y_true`` holds a single class or ``max_fpr`` is outside [0, 1].
    """
    if not 0.0 <= max_fpr <= 1.0:
        raise ValueError(f"max_fpr must be in [0, 1], got {max_fpr}")
    y, s = _binary(y_true, scores)
    n_pos, n_neg = _both_classes(y, "recall_at_fpr")
    tps, fps = _curve(y, s)
    ok = fps / n_neg <= max_fpr
    return float(np.max(tps[ok] / n_pos, initial=0.0))


def _threshold_counts(y_true: ArrayLike, scores: ArrayLike, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Labels and predictions (``score >= threshold``) as boolean arrays."""
    y, s = _binary(y_true, scores)
    return y, s >= threshold


def precision_at_threshold(y_true: ArrayLike, scores: ArrayLike, threshold: float) -> float:
    """Precision when flagging every score ``>= threshold``.

    Args:
        y_true: labels in {0, 1}.
        scores: model scores.
        threshold: decision threshold.

    Returns:
        TP / (TP + FP); 0.0 when nothing is flagged (sklearn's zero_division value).
    """
    y, pred = _threshold_counts(y_true, scores, threshold)
    n_flagged = int(pred.sum())
    return float(np.sum(y & pred) / n_flagged) if n_flagged else 0.0


def recall_at_threshold(y_true: ArrayLike, scores: ArrayLike, threshold: float) -> float:
    """Recall when flagging every score ``>= threshold``.

    Args:
        y_true: labels in {0, 1}.
        scores: model scores.
        threshold: decision threshold.

    Returns:
        TP / (TP + FN); 0.0 when there is no positive (sklearn's zero_division value).
    """
    y, pred = _threshold_counts(y_true, scores, threshold)
    n_pos = int(y.sum())
    return float(np.sum(y & pred) / n_pos) if n_pos else 0.0


def accuracy_at_threshold(y_true: ArrayLike, scores: ArrayLike, threshold: float) -> float:
    """Accuracy when flagging every score ``>= threshold``.

    Args:
        y_true: labels in {0, 1}.
        scores: model scores.
        threshold: decision threshold.

    Returns:
        Fraction of rows whose prediction equals the label.
    """
    y, pred = _threshold_counts(y_true, scores, threshold)
    return float(np.mean(y == pred))


def expected_cost(
    y_true: ArrayLike,
    scores: ArrayLike,
    threshold: float,
    amounts: ArrayLike,
    review_cost: float,
) -> float:
    """Business cost of a fraud threshold: missed fraud plus manual reviews.

    Args:
        y_true: labels in {0, 1} (1 = fraud).
        scores: model scores.
        threshold: alert when ``score >= threshold``.
        amounts: transaction amounts, lost when a fraud is missed.
        review_cost: cost of reviewing one alert.

    Returns:
        ``sum(amounts[fraud & not alerted]) + n_alerts * review_cost``.
    """
    y, pred = _threshold_counts(y_true, scores, threshold)
    amt = np.asarray(amounts, dtype=np.float64).ravel()
    if amt.shape != y.shape:
        raise ValueError(f"amounts and y_true differ in length: {amt.size} != {y.size}")
    return float(amt[y & ~pred].sum() + pred.sum() * float(review_cost))


def _cards_by_day(days: ArrayLike, cards: ArrayLike, y_true: ArrayLike, scores: ArrayLike, k: int) -> pd.DataFrame:
    """One row per (day, card) with its max label and max score, each day sorted best score first."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    y, s = _binary(y_true, scores)
    d = np.asarray(days).ravel()
    c = np.asarray(cards).ravel()
    if not d.size == c.size == y.size:
        raise ValueError("days, cards, y_true and scores must have the same length")
    frame = pd.DataFrame({"day": d, "card": c, "y": y.astype(np.int64), "s": s})
    per_card = frame.groupby(["day", "card"], sort=False).agg(y=("y", "max"), s=("s", "max")).reset_index()
    # mergesort is stable: equal scores keep their order of first appearance.
    return per_card.sort_values(["day", "s"], ascending=[True, False], kind="mergesort")


def card_precision_at_k(days: ArrayLike, cards: ArrayLike, y_true: ArrayLike, scores: ArrayLike, k: int = 100) -> float:
    """Daily card precision at k, averaged over days.

    Per day, every card gets its maximum score and maximum label of that day; the k
    cards with the highest score are "investigated" and the precision is the number of
    fraudulent cards among them divided by k (also when fewer than k cards transacted
    that day). Ties in score are broken by first appearance.

    Args:
        days: day of each transaction (any hashable values).
        cards: card id of each transaction.
        y_true: labels in {0, 1}.
        scores: model scores.
        k: number of cards investigated per day.

    Returns:
        Mean over days of the daily card precision.
    """
    per_card = _cards_by_day(days, cards, y_true, scores, k)
    top = per_card.groupby("day", sort=False).head(k)
    daily = top.groupby("day")["y"].sum() / k
    return float(daily.mean())


# --------------------------------------------------------------------------- ranking


def _recommended(recommended: ArrayLike, k: int) -> np.ndarray:
    """Top-k item ids as int64, with padding (-1) and repeated ids within a row set to -1."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    rec = np.asarray(recommended)
    if rec.ndim != 2:
        raise ValueError(f"recommended must be 2-D (n_users, n_slots), got shape {rec.shape}")
    if rec.shape[1] < k:
        raise ValueError(f"recommended has {rec.shape[1]} columns, fewer than k={k}")
    rec = rec[:, :k].astype(np.int64, copy=True)
    rec[rec < 0] = -1
    # a repeated item counts once: later copies become padding (stable sort keeps
    # the first occurrence first among equal ids)
    order = np.argsort(rec, axis=1, kind="stable")
    ranked = np.take_along_axis(rec, order, axis=1)
    dup_sorted = np.zeros_like(ranked, dtype=bool)
    dup_sorted[:, 1:] = ranked[:, 1:] == ranked[:, :-1]
    dup = np.zeros_like(dup_sorted)
    np.put_along_axis(dup, order, dup_sorted, axis=1)
    rec[dup] = -1
    return rec


def hit_matrix(
    recommended: ArrayLike, relevant: Sequence[Any] | sparse.spmatrix | sparse.sparray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Boolean hit matrix of the top-k lists and the number of relevant items per user.

    Args:
        recommended: (n_users, >=k) item ids, best first, -1 for padding.
        relevant: per-user relevant item ids (list of sets/arrays) or an
            (n_users, n_items) sparse matrix whose non-zeros are the relevant items.
        k: cut-off.

    Returns:
        ``(hits, n_relevant)``: hits is (n_users, k) bool, n_relevant is (n_users,) int.
    """
    rec = _recommended(recommended, k)
    n_users = rec.shape[0]
    if sparse.issparse(relevant):
        coo = sparse.coo_matrix(relevant)
        if coo.shape[0] != n_users:
            raise ValueError(f"relevant has {coo.shape[0]} rows but recommended has {n_users}")
        nz = coo.data != 0
        rel_users = coo.row[nz].astype(np.int64)
        rel_items = coo.col[nz].astype(np.int64)
    else:
        if len(relevant) != n_users:
            raise ValueError(f"relevant has {len(relevant)} users but recommended has {n_users}")
        lengths = np.fromiter((len(r) for r in relevant), dtype=np.int64, count=n_users)
        total = int(lengths.sum())
        flat = itertools.chain.from_iterable(relevant)
        rel_items = np.fromiter(flat, dtype=np.int64, count=total)
        rel_users = np.repeat(np.arange(n_users, dtype=np.int64), lengths)
        if (rel_items < 0).any():
            raise ValueError("relevant item ids must be non-negative")
    width = int(max(rec.max(initial=-1), rel_items.max(initial=-1))) + 1
    rel_keys = np.unique(rel_users * width + rel_items)  # also drops duplicate ids
    n_relevant = np.bincount(rel_keys // width, minlength=n_users)
    rec_keys = np.arange(n_users, dtype=np.int64)[:, None] * width + rec
    hits = np.isin(rec_keys, rel_keys) & (rec >= 0)
    return hits, n_relevant


def _user_mean(values: np.ndarray, n_relevant: np.ndarray, metric: str) -> float:
    """Mean of per-user values over users with at least one relevant item."""
    mask = n_relevant > 0
    if not mask.any():
        raise ValueError(f"{metric}: no user has a relevant item")
    return float(values[mask].mean())


def precision_at_k(recommended: ArrayLike, relevant: Any, k: int = 10) -> float:
    """Precision at k: relevant items among the top k, divided by k.

    Padding slots (-1) and repeated ids count as misses. Users with no relevant
    item are excluded from the mean.

    Args:
        recommended: (n_users, >=k) int item ids ranked best first; -1 is padding.
        relevant: list of per-user relevant ids (sets/arrays) or a sparse
            (n_users, n_items) matrix.
        k: cut-off.

    Returns:
        Mean precision@k over users with at least one relevant item.
    """
    hits, n_rel = hit_matrix(recommended, relevant, k)
    return _user_mean(hits.sum(axis=1) / k, n_rel, "precision_at_k")


def recall_at_k(recommended: ArrayLike, relevant: Any, k: int = 10) -> float:
    """Recall at k: relevant items in the top k, divided by the user's relevant count.

    Users with no relevant item are excluded from the mean.

    Args:
        recommended: (n_users, >=k) int item ids ranked best first; -1 is padding.
        relevant: list of per-user relevant ids (sets/arrays) or a sparse
            (n_users, n_items) matrix.
        k: cut-off.

    Returns:
        Mean recall@k over users with at least one relevant item.
    """
    hits, n_rel = hit_matrix(recommended, relevant, k)
    return _user_mean(hits.sum(axis=1) / np.maximum(n_rel, 1), n_rel, "recall_at_k")


def ndcg_at_k(recommended: ArrayLike, relevant: Any, k: int = 10) -> float:
    """Normalised discounted cumulative gain at k with binary relevance.

    ``DCG = sum_i hit_i / log2(i + 1)`` for positions i = 1..k; the ideal DCG puts
    ``min(k, n_relevant)`` hits at the top. Users with no relevant item are excluded.

    Args:
        recommended: (n_users, >=k) int item ids ranked best first; -1 is padding.
        relevant: list of per-user relevant ids (sets/arrays) or a sparse
            (n_users, n_items) matrix.
        k: cut-off.

    Returns:
        Mean NDCG@k over users with at least one relevant item.
    """
    values = ndcg_per_user(recommended, relevant, k)
    return _user_mean(values, np.isfinite(values).astype(np.int64), "ndcg_at_k")


def ndcg_per_user(recommended: ArrayLike, relevant: Any, k: int = 10) -> np.ndarray:
    """NDCG@k of every user (see :func:`ndcg_at_k`), NaN for a user with no relevant item.

    The per-user values are what a paired bootstrap resamples and what slices average.
    """
    hits, n_rel = hit_matrix(recommended, relevant, k)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.cumsum(discounts)[np.clip(np.minimum(n_rel, k) - 1, 0, None)]
    return np.where(n_rel > 0, (hits @ discounts) / ideal, np.nan)


def map_at_k(recommended: ArrayLike, relevant: Any, k: int = 10) -> float:
    """Mean average precision at k.

    ``AP@k = sum_i precision@i * hit_i / min(k, n_relevant)``. Users with no
    relevant item are excluded from the mean.

    Args:
        recommended: (n_users, >=k) int item ids ranked best first; -1 is padding.
        relevant: list of per-user relevant ids (sets/arrays) or a sparse
            (n_users, n_items) matrix.
        k: cut-off.

    Returns:
        Mean AP@k over users with at least one relevant item.
    """
    hits, n_rel = hit_matrix(recommended, relevant, k)
    precision_at_i = np.cumsum(hits, axis=1) / np.arange(1, k + 1)
    ap = (precision_at_i * hits).sum(axis=1) / np.maximum(np.minimum(n_rel, k), 1)
    return _user_mean(ap, n_rel, "map_at_k")


def hit_rate_at_k(recommended: ArrayLike, relevant: Any, k: int = 10) -> float:
    """Hit rate at k: fraction of users with at least one relevant item in the top k.

    Users with no relevant item are excluded from the mean.

    Args:
        recommended: (n_users, >=k) int item ids ranked best first; -1 is padding.
        relevant: list of per-user relevant ids (sets/arrays) or a sparse
            (n_users, n_items) matrix.
        k: cut-off.

    Returns:
        Hit rate over users with at least one relevant item.
    """
    hits, n_rel = hit_matrix(recommended, relevant, k)
    return _user_mean(np.asarray(hits.any(axis=1), dtype=np.float64), n_rel, "hit_rate_at_k")


def catalog_coverage(recommended: ArrayLike, n_items: int, k: int = 10) -> float:
    """Fraction of the catalogue that appears in at least one top-k list.

    Args:
        recommended: (n_users, >=k) int item ids ranked best first; -1 is padding.
        n_items: catalogue size; valid ids are 0..n_items-1.
        k: cut-off.

    Returns:
        Distinct recommended items divided by ``n_items``.
    """
    if n_items < 1:
        raise ValueError(f"n_items must be >= 1, got {n_items}")
    rec = _recommended(recommended, k)
    if (rec >= n_items).any():
        raise ValueError(f"recommended contains item ids >= n_items={n_items}")
    return float(np.unique(rec[rec >= 0]).size / n_items)


def popularity_bias(recommended: ArrayLike, item_popularity: ArrayLike, k: int = 10) -> float:
    """Mean popularity percentile of the recommended items.

    An item's percentile is ``(average rank of its popularity - 1) / (n_items - 1)``:
    0 for the least popular item, 1 for the most popular, tied items share a value.
    The mean runs over every non-padding slot of the top-k lists.

    Args:
        recommended: (n_users, >=k) int item ids ranked best first; -1 is padding.
        item_popularity: interaction counts indexed by item id (length n_items >= 2).
        k: cut-off.

    Returns:
        Mean percentile in [0, 1]; about 0.5 for popularity-neutral recommendations.
    """
    pop = np.asarray(item_popularity, dtype=np.float64).ravel()
    if pop.size < 2:
        raise ValueError("item_popularity needs at least 2 items")
    rec = _recommended(recommended, k)
    if (rec >= pop.size).any():
        raise ValueError(f"recommended contains item ids >= len(item_popularity)={pop.size}")
    items = rec[rec >= 0]
    if items.size == 0:
        raise ValueError("popularity_bias: recommended holds no item")
    percentile = (rankdata(pop) - 1.0) / (pop.size - 1.0)
    return float(percentile[items].mean())


# --------------------------------------------------------------------------- fraud: card precision with blocking


def card_precision_at_k_blocked(
    days: ArrayLike, cards: ArrayLike, y_true: ArrayLike, scores: ArrayLike, k: int = 100
) -> float:
    """Daily card precision at k where cards caught on earlier days are blocked.

    As :func:`card_precision_at_k`, except that days are processed in order and a
    fraudulent card found among a day's top k is blocked: its transactions on later days
    are left out (investigators confirmed the fraud, so it cannot be "caught" again). This
    is the definition used by the fraud-detection handbook of Le Borgne et al., whose
    published card precision@100 figures it reproduces.

    Args:
        days: day of each transaction (sortable values).
        cards: card id of each transaction.
        y_true: labels in {0, 1}.
        scores: model scores.
        k: number of cards investigated per day.

    Returns:
        Mean over days of the daily card precision.
    """
    per_card = _cards_by_day(days, cards, y_true, scores, k)
    blocked: set[Any] = set()
    daily = []
    for _, part in per_card.groupby("day", sort=True):  # one iteration per day: blocking is sequential
        part = part[~part["card"].isin(blocked)] if blocked else part
        top = part.head(k)
        daily.append(top["y"].sum() / k)
        blocked.update(top.loc[top["y"] == 1, "card"].tolist())
    return float(np.mean(daily))
