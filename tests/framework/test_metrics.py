"""Tests for framework.metrics: against scikit-learn and hand-worked examples."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn import metrics as skm

from framework import metrics as m

LOG2_3 = np.log2(3.0)


# --------------------------------------------------------------------------- regression


@pytest.fixture
def regression_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y_true = rng.uniform(1.0, 50.0, size=500)
    y_pred = y_true + rng.normal(0.0, 5.0, size=500)
    return y_true, y_pred


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (m.mae, skm.mean_absolute_error),
        (m.rmse, skm.root_mean_squared_error),
        (m.mape, skm.mean_absolute_percentage_error),
    ],
)
def test_regression_matches_sklearn(ours, theirs, regression_data) -> None:
    y_true, y_pred = regression_data
    result = ours(y_true, y_pred)
    assert isinstance(result, float)
    assert result == pytest.approx(theirs(y_true, y_pred), rel=1e-12)


def test_regression_hand_worked() -> None:
    y_true = [1.0, 2.0, 4.0]
    y_pred = [2.0, 2.0, 2.0]
    # errors 1, 0, 2 -> MAE 3/3 = 1; RMSE sqrt(5/3); MAPE (1/1 + 0/2 + 2/4)/3 = 0.5
    assert m.mae(y_true, y_pred) == pytest.approx(1.0)
    assert m.rmse(y_true, y_pred) == pytest.approx(np.sqrt(5.0 / 3.0))
    assert m.mape(y_true, y_pred) == pytest.approx(0.5)


def test_p90_absolute_error_hand_worked() -> None:
    # |errors| are 1..10 in shuffled order with mixed signs; 90th percentile with linear
    # interpolation: position 0.9 * (10 - 1) = 8.1 -> 9 + 0.1 * (10 - 9) = 9.1
    errors = np.array([3, -7, 1, 10, -2, 9, -5, 4, 8, -6], dtype=float)
    y_true = np.arange(10, dtype=float) + 100.0
    assert m.p90_absolute_error(y_true, y_true + errors) == pytest.approx(9.1)


def test_mape_raises_on_zero_target() -> None:
    with pytest.raises(ValueError, match="zero"):
        m.mape([1.0, 0.0, 3.0], [1.0, 1.0, 3.0])


def test_length_mismatch_raises() -> None:
    with pytest.raises(ValueError, match="length"):
        m.mae([1.0, 2.0], [1.0])


# --------------------------------------------------------------------------- classification


def _binary_data(seed: int, ties: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(400) < 0.2).astype(int)
    scores = rng.normal(size=400) + 1.2 * y
    if ties:  # coarse scores -> many tied thresholds
        scores = np.round(scores, 1)
    return y, scores


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_roc_auc_matches_sklearn(seed: int, ties: bool) -> None:
    y, s = _binary_data(seed, ties)
    assert m.roc_auc(y, s) == pytest.approx(skm.roc_auc_score(y, s), rel=1e-12)


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_average_precision_matches_sklearn(seed: int, ties: bool) -> None:
    y, s = _binary_data(seed, ties)
    assert m.average_precision(y, s) == pytest.approx(skm.average_precision_score(y, s), rel=1e-12)


def test_roc_auc_single_class_raises() -> None:
    with pytest.raises(ValueError, match="single class"):
        m.roc_auc([1, 1, 1], [0.1, 0.5, 0.9])


def test_non_binary_labels_raise() -> None:
    with pytest.raises(ValueError, match="0 and 1"):
        m.roc_auc([0, 2, 1], [0.1, 0.5, 0.9])


# labels  1    0    1    0    1    0    0     0     0     0     (3 positives, 7 negatives)
# scores .95  .90  .85  .50  .30  .20  .10   .05   .04   .03
# cut at .95: TP 1 FP 0 (FPR 0)     recall 1/3
# cut at .85: TP 2 FP 1 (FPR 1/7)   recall 2/3
# cut at .30: TP 3 FP 2 (FPR 2/7)   recall 1
FPR_Y = [1, 0, 1, 0, 1, 0, 0, 0, 0, 0]
FPR_S = [0.95, 0.90, 0.85, 0.50, 0.30, 0.20, 0.10, 0.05, 0.04, 0.03]


@pytest.mark.parametrize(
    ("max_fpr", "expected"),
    [(0.0, 1 / 3), (0.01, 1 / 3), (0.15, 2 / 3), (0.28, 2 / 3), (0.3, 1.0), (1.0, 1.0)],
)
def test_recall_at_fpr_hand_worked(max_fpr: float, expected: float) -> None:
    assert m.recall_at_fpr(FPR_Y, FPR_S, max_fpr=max_fpr) == pytest.approx(expected)


def test_recall_at_fpr_zero_when_top_score_is_negative() -> None:
    # the best-scored row is a negative: any threshold flags it (FPR 1/2 > 0.01),
    # so only "flag nothing" is admissible -> recall 0
    assert m.recall_at_fpr([0, 1, 0, 1], [0.9, 0.8, 0.1, 0.2], max_fpr=0.01) == 0.0


@pytest.mark.parametrize("max_fpr", [0.01, 0.05, 0.2])
@pytest.mark.parametrize("ties", [False, True])
def test_recall_at_fpr_matches_sklearn_roc_curve(max_fpr: float, ties: bool) -> None:
    y, s = _binary_data(3, ties)
    fpr, tpr, _ = skm.roc_curve(y, s, drop_intermediate=False)
    assert m.recall_at_fpr(y, s, max_fpr) == pytest.approx(tpr[fpr <= max_fpr].max())


# labels  1   0   1   0   1
# scores .9  .8  .4  .3  .6     threshold .5 flags rows 0, 1, 4
# TP 2 (rows 0, 4), FP 1 (row 1), FN 1 (row 2), TN 1 (row 3)
TH_Y = [1, 0, 1, 0, 1]
TH_S = [0.9, 0.8, 0.4, 0.3, 0.6]


def test_threshold_metrics_hand_worked() -> None:
    assert m.precision_at_threshold(TH_Y, TH_S, 0.5) == pytest.approx(2 / 3)
    assert m.recall_at_threshold(TH_Y, TH_S, 0.5) == pytest.approx(2 / 3)
    assert m.accuracy_at_threshold(TH_Y, TH_S, 0.5) == pytest.approx(3 / 5)
    # the threshold is inclusive: at .6 row 4 is still flagged; at .61 it is not
    assert m.precision_at_threshold(TH_Y, TH_S, 0.6) == pytest.approx(2 / 3)
    assert m.precision_at_threshold(TH_Y, TH_S, 0.61) == pytest.approx(1 / 2)
    # nothing flagged -> precision 0 (sklearn's zero_division), recall 0
    assert m.precision_at_threshold(TH_Y, TH_S, 2.0) == 0.0
    assert m.recall_at_threshold(TH_Y, TH_S, 2.0) == 0.0


@pytest.mark.parametrize("threshold", [-0.5, 0.5, 1.5])
def test_threshold_metrics_match_sklearn(threshold: float) -> None:
    y, s = _binary_data(4, ties=False)
    pred = (s >= threshold).astype(int)
    assert m.precision_at_threshold(y, s, threshold) == pytest.approx(skm.precision_score(y, pred, zero_division=0))
    assert m.recall_at_threshold(y, s, threshold) == pytest.approx(skm.recall_score(y, pred))
    assert m.accuracy_at_threshold(y, s, threshold) == pytest.approx(skm.accuracy_score(y, pred))


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        # flags rows 0, 1, 4; misses fraud row 2 (amount 50): 50 + 3 alerts * 2 = 56
        (0.5, 56.0),
        # flags nothing: all fraud missed 100 + 50 + 30 = 180, no review cost
        (2.0, 180.0),
        # flags everything: no fraud missed, 5 alerts * 2 = 10
        (0.0, 10.0),
    ],
)
def test_expected_cost_hand_worked(threshold: float, expected: float) -> None:
    amounts = [100.0, 5.0, 50.0, 7.0, 30.0]
    assert m.expected_cost(TH_Y, TH_S, threshold, amounts, review_cost=2.0) == pytest.approx(expected)


# day 1: card A (txs .9/label 0 and .2/label 1 -> max score .9, max label 1),
#        B (.8, 0), C (.7, 1), D (.1, 1). Top 2 cards: A (fraud), B (legit) -> 1/2
# day 2: A (.3, 1), E (.95, 1). Top 2: E, A -> both fraud -> 2/2
# day 3: only F (.5, 1). One fraud card, still divided by k=2 -> 1/2
# mean over days: (1/2 + 1 + 1/2) / 3 = 2/3
CARD_DAYS = [1, 1, 1, 1, 1, 2, 2, 3]
CARD_IDS = ["A", "A", "B", "C", "D", "A", "E", "F"]
CARD_Y = [0, 1, 0, 1, 1, 1, 1, 1]
CARD_S = [0.9, 0.2, 0.8, 0.7, 0.1, 0.3, 0.95, 0.5]


def test_card_precision_at_k_hand_worked() -> None:
    assert m.card_precision_at_k(CARD_DAYS, CARD_IDS, CARD_Y, CARD_S, k=2) == pytest.approx(2 / 3)


def test_card_precision_at_k_ignores_row_order() -> None:
    perm = np.random.default_rng(0).permutation(len(CARD_DAYS))
    result = m.card_precision_at_k(
        np.asarray(CARD_DAYS)[perm],
        np.asarray(CARD_IDS)[perm],
        np.asarray(CARD_Y)[perm],
        np.asarray(CARD_S)[perm],
        k=2,
    )
    assert result == pytest.approx(2 / 3)


def test_card_precision_at_k_one() -> None:
    # k=1: day 1 top card A is fraud (1), day 2 top E fraud (1), day 3 F fraud (1) -> 1
    assert m.card_precision_at_k(CARD_DAYS, CARD_IDS, CARD_Y, CARD_S, k=1) == pytest.approx(1.0)


# --------------------------------------------------------------------------- ranking

# k = 3
# user 0: top3 [1, 2, 3], relevant {2, 4, 11} -> hits [0, 1, 0]
#   precision 1/3, recall 1/3, hit 1, AP = (1/2) / min(3, 3) = 1/6
#   DCG = 1/log2(3); IDCG = 1 + 1/log2(3) + 1/log2(4)
# user 1: top3 [5, 6, -1] (padding), relevant {6} -> hits [0, 1, 0]
#   precision 1/3, recall 1/1, hit 1, AP = (1/2) / min(3, 1) = 1/2, NDCG = (1/log2(3)) / 1
# user 2: relevant {} -> excluded from every mean
# user 3: top3 [0, 1, 2], relevant {3} -> no hit: every metric 0
RECOMMENDED = np.array([[1, 2, 3, 4], [5, 6, -1, -1], [7, 8, 9, 10], [0, 1, 2, 3]])
RELEVANT = [{2, 4, 11}, {6}, set(), {3}]
N_ITEMS = 12

HAND_EXPECTED = {
    "precision_at_k": (1 / 3 + 1 / 3 + 0) / 3,
    "recall_at_k": (1 / 3 + 1 + 0) / 3,
    "hit_rate_at_k": (1 + 1 + 0) / 3,
    "map_at_k": (1 / 6 + 1 / 2 + 0) / 3,
    "ndcg_at_k": ((1 / LOG2_3) / (1 + 1 / LOG2_3 + 0.5) + (1 / LOG2_3) / 1 + 0) / 3,
}


def _as_sparse(relevant: list[set[int]], n_items: int) -> sparse.csr_matrix:
    rows = [u for u, items in enumerate(relevant) for _ in items]
    cols = [i for items in relevant for i in items]
    return sparse.csr_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(len(relevant), n_items))


RELEVANT_FORMS = {
    "sets": RELEVANT,
    "arrays": [np.array(sorted(r), dtype=int) for r in RELEVANT],
    "sparse": _as_sparse(RELEVANT, N_ITEMS),
}


@pytest.mark.parametrize("form", sorted(RELEVANT_FORMS))
@pytest.mark.parametrize("name", sorted(HAND_EXPECTED))
def test_ranking_hand_worked(name: str, form: str) -> None:
    fn = getattr(m, name)
    result = fn(RECOMMENDED, RELEVANT_FORMS[form], k=3)
    assert isinstance(result, float)
    assert result == pytest.approx(HAND_EXPECTED[name])


def test_ranking_at_k_one() -> None:
    # k = 1: only user 0's item 1 (miss), user 1's item 5 (miss), user 3's item 0 (miss)
    for name in HAND_EXPECTED:
        assert getattr(m, name)(RECOMMENDED, RELEVANT, k=1) == 0.0


def test_repeated_recommendation_counts_once() -> None:
    # [2, 2, 3] with relevant {2}: the second 2 is not a new hit -> precision 1/3
    # (not 2/3), recall 1, AP = 1/1 / min(3, 1) = 1 (not > 1)
    rec = np.array([[2, 2, 3]])
    assert m.precision_at_k(rec, [{2}], k=3) == pytest.approx(1 / 3)
    assert m.recall_at_k(rec, [{2}], k=3) == pytest.approx(1.0)
    assert m.map_at_k(rec, [{2}], k=3) == pytest.approx(1.0)


def test_ranking_no_relevant_user_raises() -> None:
    with pytest.raises(ValueError, match="no user has a relevant item"):
        m.precision_at_k(RECOMMENDED, [set(), set(), set(), set()], k=3)


def test_ranking_k_larger_than_lists_raises() -> None:
    with pytest.raises(ValueError, match="fewer than k"):
        m.recall_at_k(RECOMMENDED, RELEVANT, k=5)


def test_ranking_user_count_mismatch_raises() -> None:
    with pytest.raises(ValueError, match="users"):
        m.recall_at_k(RECOMMENDED, RELEVANT[:2], k=3)


def _random_ranking(seed: int, n_users: int = 60, n_items: int = 40, n_slots: int = 10):
    rng = np.random.default_rng(seed)
    recommended = np.argsort(rng.random((n_users, n_items)), axis=1)[:, :n_slots]
    relevance = rng.random((n_users, n_items)) < 0.15
    relevant = [set(np.flatnonzero(row).tolist()) for row in relevance]
    return recommended, relevance, relevant


@pytest.mark.parametrize("k", [1, 3, 5, 10])
@pytest.mark.parametrize("seed", [0, 1])
def test_ndcg_matches_sklearn(seed: int, k: int) -> None:
    recommended, relevance, relevant = _random_ranking(seed)
    n_users, n_items = relevance.shape
    n_slots = recommended.shape[1]
    # sklearn wants a score per (user, item): the j-th recommendation gets n_slots - j,
    # every other item 0, so the top n_slots >= k are strict (no tie reaches the top k)
    y_score = np.zeros((n_users, n_items))
    np.put_along_axis(y_score, recommended, np.arange(n_slots, 0, -1, dtype=float), axis=1)
    has_relevant = relevance.any(axis=1)  # sklearn scores such users 0; we exclude them
    expected = skm.ndcg_score(relevance[has_relevant].astype(int), y_score[has_relevant], k=k)
    assert m.ndcg_at_k(recommended, relevant, k=k) == pytest.approx(expected, rel=1e-12)


def _reference_ranking(recommended, relevant, k):
    """Straightforward per-user loop, written independently of the vectorised code."""
    out = {name: [] for name in HAND_EXPECTED}
    for rec, rel in zip(recommended, relevant):
        if not rel:
            continue
        top = [i for i in rec[:k]]
        hits = [1 if i in rel else 0 for i in top]
        precisions = [sum(hits[: j + 1]) / (j + 1) for j in range(k)]
        dcg = sum(h / np.log2(j + 2) for j, h in enumerate(hits))
        idcg = sum(1 / np.log2(j + 2) for j in range(min(k, len(rel))))
        out["precision_at_k"].append(sum(hits) / k)
        out["recall_at_k"].append(sum(hits) / len(rel))
        out["hit_rate_at_k"].append(float(any(hits)))
        out["map_at_k"].append(sum(p * h for p, h in zip(precisions, hits)) / min(k, len(rel)))
        out["ndcg_at_k"].append(dcg / idcg)
    return {name: float(np.mean(v)) for name, v in out.items()}


@pytest.mark.parametrize("k", [2, 7])
def test_ranking_matches_reference_loop(k: int) -> None:
    recommended, relevance, relevant = _random_ranking(5)
    recommended = recommended.copy()
    recommended[::4, k // 2 :] = -1  # some users have padded lists
    expected = _reference_ranking(recommended, relevant, k)
    sparse_relevant = sparse.csr_matrix(relevance)
    for name, value in expected.items():
        assert getattr(m, name)(recommended, relevant, k=k) == pytest.approx(value), name
        assert getattr(m, name)(recommended, sparse_relevant, k=k) == pytest.approx(value), name


@pytest.mark.parametrize(
    ("k", "expected"),
    [
        # top-2 lists {0,1}, {1,2}, {4,0} -> {0,1,2,4}: 4 of 10 items
        (2, 0.4),
        # top-3 adds item 5 (padding -1 ignored) -> {0,1,2,4,5}: 5 of 10
        (3, 0.5),
    ],
)
def test_catalog_coverage_hand_worked(k: int, expected: float) -> None:
    recommended = np.array([[0, 1, 2], [1, 2, -1], [4, 0, 5]])
    assert m.catalog_coverage(recommended, n_items=10, k=k) == pytest.approx(expected)


def test_catalog_coverage_rejects_out_of_range_items() -> None:
    with pytest.raises(ValueError, match="n_items"):
        m.catalog_coverage(np.array([[0, 10]]), n_items=10, k=2)


# popularity [10, 0, 5, 5, 100]: average ranks 4, 1, 2.5, 2.5, 5
# percentile (rank - 1) / (5 - 1): item0 .75, item1 0, item2 .375, item3 .375, item4 1
POPULARITY = np.array([10, 0, 5, 5, 100])


@pytest.mark.parametrize(
    ("recommended", "expected"),
    [
        # items 4, 0, 1 (padding skipped): (1 + .75 + 0) / 3
        ([[4, 0], [1, -1]], (1 + 0.75 + 0) / 3),
        # items 2, 3 tie: .375 each
        ([[2, 3]], 0.375),
        ([[4, 4, 4]], 1.0),  # repeats collapse to one slot of the most popular item
        ([[1, -1]], 0.0),
    ],
)
def test_popularity_bias_hand_worked(recommended, expected: float) -> None:
    rec = np.array(recommended)
    assert m.popularity_bias(rec, POPULARITY, k=rec.shape[1]) == pytest.approx(expected)


def test_popularity_bias_all_padding_raises() -> None:
    with pytest.raises(ValueError, match="no item"):
        m.popularity_bias(np.array([[-1, -1]]), POPULARITY, k=2)


def test_ndcg_per_user_by_hand_and_nan_for_a_user_without_relevant_items() -> None:
    recommended = np.array([[3, 1, 2], [5, 6, 7], [1, 2, 3]])
    relevant = [{1, 2}, {9}, set()]
    values = m.ndcg_per_user(recommended, relevant, k=3)
    # user 0: hits at ranks 2 and 3 -> (1/log2(3) + 1/log2(4)) / (1 + 1/log2(3)); user 1: no hit; user 2: no relevant
    expected = (1 / np.log2(3) + 1 / np.log2(4)) / (1 + 1 / np.log2(3))
    assert values[0] == pytest.approx(expected) and values[1] == 0.0 and np.isnan(values[2])
    assert m.ndcg_at_k(recommended, relevant, k=3) == pytest.approx(expected / 2)
