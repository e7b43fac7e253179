"""Two-stage recommendation: recall@N of ALS candidate generation, measured on the run."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from cases.recommendation.models import PopularityRecommender
from cases.recommendation.retrieval import candidates, retrieval_table, scores_for
from cases.recommendation.step_testing import RETRIEVAL_SLICE

CLICKS = sparse.csr_matrix(np.array([[1, 0, 0, 0, 0], [1, 1, 0, 0, 0], [1, 1, 1, 0, 0], [0, 0, 0, 0, 0]], float))


def test_candidates_are_the_best_unseen_songs():
    model = PopularityRecommender().fit(CLICKS)  # popularity 3, 2, 1, 0, 0
    pool = candidates(scores_for(model, np.arange(2), CLICKS[:2]), 2)
    assert sorted(pool[0]) == [1, 2] and sorted(pool[1])[0] == 2  # user 1: song 2, then one of the tied 3, 4
    assert 0 not in pool[0] and not np.isin(pool[1], [0, 1]).any()  # clicked songs are never retrieved


def test_recall_grows_with_the_pool():
    model = PopularityRecommender().fit(CLICKS)
    users = np.arange(3)
    relevant = sparse.csr_matrix(np.array([[0, 1, 0, 0, 1], [0, 0, 1, 0, 1], [0, 0, 0, 1, 1]], float))
    lists = np.array([[1, 2], [2, 3], [3, 4]])
    table = retrieval_table(model, users, CLICKS[:3], relevant, lists, (1, 3, 9), 2)
    assert list(table) == ["pool 1", "pool 2"]  # a pool as large as the catalogue is skipped
    small, large = table["pool 1"], table["pool 2"]
    assert small["N"] == 1 and large["recall_of_held_out_clicks"] >= small["recall_of_held_out_clicks"]
    assert large["deployed_top10_in_pool"] >= small["deployed_top10_in_pool"]


def test_retrieval_stage_measured_on_the_run(small_run):
    table = small_run.records["testing"].slices[RETRIEVAL_SLICE]
    pools = [table[f"pool {i}"] for i in (1, 2)]
    assert pools[0]["N"] < pools[1]["N"]
    assert 0 < pools[0]["recall_of_held_out_clicks"] <= pools[1]["recall_of_held_out_clicks"] <= 1
    assert all(p["retrieval_ms_per_user"] > 0 for p in pools)
    # Ranking a pool by the truth cannot beat ranking the whole catalogue by far, and the oracle list mostly survives.
    assert all(p["oracle_top10_in_pool"] > 0.5 for p in pools)


def test_a_small_catalogue_still_gets_two_pools():
    model = PopularityRecommender().fit(CLICKS)
    relevant = sparse.csr_matrix(np.eye(3, 5, 3))
    table = retrieval_table(model, np.arange(3), CLICKS[:3], relevant, np.full((3, 2), 4), (100, 200), 2)
    assert [row["N"] for row in table.values()] == [1, 2]  # a quarter and a half of the five songs
