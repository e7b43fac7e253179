"""Behavioural checks pass for the trained model and fail for models that break them."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from cases.recommendation.artifacts import RecData, RecFeatures, RecModels
from cases.recommendation.behaviour import no_consumed, one_genre
from cases.recommendation.models import recommend


def test_behavioural_checks_pass_on_the_best_model(small_run):
    checks = small_run.records["testing"].behavioural
    assert len(checks) == 4
    assert {c.kind for c in checks} == {"minimum_functionality", "directional", "invariance"}
    assert all(c.passed for c in checks), [c.detail for c in checks if not c.passed]


def test_no_consumed_fails_when_a_clicked_song_is_recommended():
    history = sparse.csr_matrix(np.array([[0, 1, 0], [0, 0, 0]], dtype=float))
    assert no_consumed(np.array([[0, 2], [1, 0]]), history, "m").passed
    assert not no_consumed(np.array([[1, 2], [1, 0]]), history, "m").passed


def test_one_genre_check_fails_for_popularity(small_run):
    data, feats, trained = small_run.get(RecData), small_run.get(RecFeatures), small_run.get(RecModels)
    genres = data.items["genre_id"].to_numpy()
    check = one_genre(trained.fitted["popularity"], genres, feats.popularity, trained.fallback, "popularity")
    assert not check.passed  # the same hits for every genre


def test_cold_start_users_get_their_segment_popularity(small_run):
    feats, trained = small_run.get(RecFeatures), small_run.get(RecModels)
    best = small_run.records["models"].best
    cold = np.flatnonzero(feats.consumed.getnnz(axis=1) == 0)
    assert len(cold) > 0
    recs = recommend(trained.fitted[best], cold, feats.consumed[cold], 10, fallback=trained.fallback)
    expected = np.argsort(-trained.fallback.score(cold), axis=1, kind="stable")[:, :10]
    assert np.array_equal(recs, expected)
    # users of different segments get different lists
    assert len(np.unique(feats.segment[cold])) > 1
    assert len({tuple(r) for r in recs}) > 1


def test_slices_cover_cold_and_warm(small_run):
    slices = small_run.records["testing"].slices
    assert set(slices["cold vs warm"]) == {"cold", "warm"}
    warm = slices["cold vs warm"]["warm"]
    best = small_run.records["models"].best
    assert warm[f"ndcg_{best}"] > warm["ndcg_popularity"]
    assert "ndcg_oracle" in warm
    eval_users = small_run.records["features"].summary["eval_users"]
    assert sum(v["users"] for v in slices["train clicks per user"].values()) == eval_users
