"""Model ladder: top-k mechanics by hand, item-CF similarity by hand, ALS structure, and the quality order."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from cases.recommendation.artifacts import RecFeatures, RecModels
from cases.recommendation.design import DESIGN
from cases.recommendation.evaluation import pr_curve
from cases.recommendation.models import (
    ImplicitALS,
    ItemKNN,
    PopularityRecommender,
    RandomRecommender,
    recommend,
    top_k,
)
from framework import metrics as fm


def test_top_k_orders_breaks_ties_and_pads():
    scores = np.array([[0.1, 0.5, 0.5, -np.inf, 0.2], [1.0, 1.0, 1.0, 1.0, 1.0]])
    assert top_k(scores, 3).tolist() == [[1, 2, 4], [0, 1, 2]]
    assert top_k(scores[:1], 6).tolist() == [[1, 2, 4, 0, -1, -1]]


def test_item_cf_cosine_by_hand():
    clicks = sparse.csr_matrix(np.array([[1, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float))
    sim = ItemKNN(neighbours=5).fit(clicks).similarity_.toarray()
    # items 0,1 share one user of 2 each: 1/sqrt(2*2); items 0,2: 1/sqrt(2*1); items 1,2: none
    assert np.allclose(sim, [[0, 0.5, 1 / np.sqrt(2)], [0.5, 0, 0], [1 / np.sqrt(2), 0, 0]])
    pruned = ItemKNN(neighbours=1).fit(clicks).similarity_.toarray()
    assert np.allclose(pruned[0], [0, 0, 1 / np.sqrt(2)])


def test_als_learns_block_structure():
    rng = np.random.default_rng(0)
    # users 0-29 click items 0-9, users 30-59 click items 10-19, each clicks 6 of their block
    rows, cols = [], []
    for block in range(2):
        for u in range(30 * block, 30 * block + 30):
            items = rng.choice(10, 6, replace=False) + 10 * block
            rows += [u] * 6
            cols += list(items)
    clicks = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(60, 20))
    model = ImplicitALS(factors=4, regularization=0.1, alpha=10, iterations=10).fit(clicks)
    recs = recommend(model, np.arange(60), clicks, 3)
    block_of_user = (np.arange(60) >= 30)[:, None]
    assert ((recs >= 10) == block_of_user).mean() > 0.95


def test_recommend_excludes_history_and_random_is_batch_independent():
    clicks = sparse.csr_matrix(np.array([[1, 0, 1, 0, 0], [0, 0, 0, 0, 0]], dtype=float))
    recs = recommend(PopularityRecommender().fit(clicks), np.array([0, 1]), clicks, 5)
    assert recs[0].tolist()[:3] == [1, 3, 4] and recs[0, 3:].tolist() == [-1, -1]
    rnd = RandomRecommender(7).fit(clicks)
    assert np.array_equal(rnd.score(np.array([5, 9]), None)[1], rnd.score(np.array([9]), None)[0])


def test_ladder_order_on_small_data(small_run):
    ladder = small_run.records["models"]
    m = ladder.models
    assert list(m) == [d.name for d in DESIGN.models.ladder]  # the design's order
    ndcg = {name: v["ndcg_at_10"] for name, v in m.items()}
    assert ndcg["random"] < ndcg["popularity"] < ndcg["item_cf"]
    assert ndcg["popularity"] < ndcg["als"]
    assert ndcg["popularity"] < ndcg["ease"]
    assert ndcg["oracle"] >= max(ndcg[n] for n in ("random", "popularity", "item_cf", "als", "ease"))
    assert ladder.best in ("item_cf", "als", "ease") and ndcg[ladder.best] >= 0.6 * ndcg["oracle"]
    # popularity recommends hits only; CF covers more of the catalogue
    assert m["popularity"]["popularity_bias_at_10"] > m["item_cf"]["popularity_bias_at_10"]
    assert m["item_cf"]["catalog_coverage_at_10"] > m["popularity"]["catalog_coverage_at_10"]


def test_roles_and_best_come_from_the_design(small_run):
    ladder = small_run.records["models"]
    assert (ladder.naive, ladder.baseline, ladder.oracle) == ("random", "popularity", "oracle")
    assert ladder.decision_metric == DESIGN.metrics.primary == "ndcg_at_10"
    # every other candidate is compared with the deployed one; the oracle never is
    assert {c.model for c in ladder.comparisons} == {"random", "popularity", "item_cf", "als", "ease"} - {ladder.best}
    assert all(c.versus == ladder.best and c.low <= c.difference <= c.high for c in ladder.comparisons)
    # the deployed model is the top one unless a simpler one ties with it
    top = max(("random", "popularity", "item_cf", "als", "ease"), key=lambda n: ladder.models[n]["ndcg_at_10"])
    simpler_tie = [c for c in ladder.comparisons if c.tie and c.model == top]
    assert ladder.best == top or simpler_tie


def test_decision_units_average_to_the_ladder_metric(small_run):
    """The per-user NDCG the bootstrap resamples is the same quantity the ladder reports."""
    feats, trained = small_run.get(RecFeatures), small_run.get(RecModels)
    ladder = small_run.records["models"]
    rel = feats.relevant[feats.eval_users]
    for name in ("random", "popularity", "item_cf", "als", "ease"):
        units = fm.ndcg_per_user(trained.recs[name], rel, 10)
        assert units.shape == (len(feats.eval_users),) and not np.isnan(units).any()
        assert np.isclose(units.mean(), ladder.models[name]["ndcg_at_10"], rtol=1e-12), name
    vs = {c.model: c for c in ladder.comparisons}
    for name, c in vs.items():
        diff = fm.ndcg_per_user(trained.recs[name], rel, 10) - fm.ndcg_per_user(trained.recs[ladder.best], rel, 10)
        assert np.isclose(c.difference, diff.mean()), name


def test_no_model_recommends_a_consumed_song(small_run):
    feats, trained = small_run.get(RecFeatures), small_run.get(RecModels)
    history = feats.consumed[feats.eval_users]
    assert set(trained.recs) == {d.name for d in DESIGN.models.ladder}
    for name, recs in trained.recs.items():
        rows = np.repeat(np.arange(len(recs)), recs.shape[1])
        items = recs.ravel()
        ok = items >= 0
        assert ok.any(), name
        assert np.asarray(history[rows[ok], items[ok]]).sum() == 0, name


def test_curves_agree_with_framework_metrics(small_run):
    feats, trained = small_run.get(RecFeatures), small_run.get(RecModels)
    rel = feats.relevant[feats.eval_users]
    recs = trained.recs["als"]
    precision, recall = pr_curve(recs, rel)
    for k in (1, 5, 10, 20):
        assert np.isclose(precision[k - 1], fm.precision_at_k(recs, rel, k))
        assert np.isclose(recall[k - 1], fm.recall_at_k(recs, rel, k))
