"""The exploration slot: random songs outside the history, and what it costs and buys on the small run."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from cases.recommendation.exploration import EXPLORATION_SLICE, explore_slot, exposure_coverage


def test_explore_slot_replaces_only_the_last_slot_with_an_unseen_song():
    rng = np.random.default_rng(0)
    n_users, n_items = 50, 30
    history = sparse.random(n_users, n_items, density=0.3, format="csr", random_state=1)
    lists = np.tile(np.arange(10), (n_users, 1))
    out = explore_slot(lists, np.arange(n_users), history, rng)
    assert (out[:, :-1] == lists[:, :-1]).all()
    assert not (out[:, -1:] == out[:, :-1]).any()
    assert (np.asarray(history[np.arange(n_users), out[:, -1]]).ravel() == 0).all()


def test_exposure_coverage_counts_distinct_songs():
    assert exposure_coverage(np.array([[0, 1, -1], [1, 2, -1]]), 6) == 0.5


def test_exploration_costs_ctr_and_buys_exposure(small_run):
    table = small_run.records["testing"].slices[EXPLORATION_SLICE]
    plain, explored = table["deployed top-10"], table["top-9 + exploration slot"]
    assert explored["exposure_coverage"] > plain["exposure_coverage"]
    assert explored["simulated_ctr"] < plain["simulated_ctr"]  # a random song is clicked less than the 10th best
    assert explored["ndcg_at_10"] <= plain["ndcg_at_10"]
    assert table["with minus without"]["ctr_ci_high"] < 0  # the cost is measured, not noise
