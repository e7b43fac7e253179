"""Behavioural checks pass for the trained model and fail for models that break them."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from cases.recommendation.behaviour import no_consumed, one_genre


def test_behavioural_checks_pass_on_the_best_model(small_run):
    checks = small_run.results["testing"].behavioural
    assert {c.kind for c in checks} == {"minimum_functionality", "directional", "invariance"}
    assert all(c.passed for c in checks), [c.detail for c in checks if not c.passed]


def test_no_consumed_fails_when_a_clicked_song_is_recommended():
    history = sparse.csr_matrix(np.array([[0, 1, 0], [0, 0, 0]], dtype=float))
    assert no_consumed(np.array([[0, 2], [1, 0]]), history, "m").passed
    assert not no_consumed(np.array([[1, 2], [1, 0]]), history, "m").passed


def test_one_genre_check_fails_for_popularity(small_run):
    state = small_run.ctx.state
    check = one_genre(
        state["fitted"]["popularity"],
        state["items"]["genre_id"].to_numpy(),
        state["popularity"],
        state["fallback"],
        "popularity",
    )
    assert not check.passed  # the same hits for every genre


def test_cold_start_users_get_their_segment_popularity(small_run):
    state = small_run.ctx.state
    cold = np.flatnonzero(state["consumed"].getnnz(axis=1) == 0)
    assert len(cold) > 0
    from cases.recommendation.models import recommend

    recs = recommend(state["fitted"][state["best"]], cold, state["consumed"][cold], 10, fallback=state["fallback"])
    expected = np.argsort(-state["fallback"].score(cold), axis=1, kind="stable")[:, :10]
    assert np.array_equal(recs, expected)
    # users of different segments can get different lists
    segments = state["segment"][cold]
    if len(np.unique(segments)) > 1:
        assert len({tuple(r) for r in recs}) > 1


def test_slices_cover_cold_and_warm(small_run):
    slices = small_run.metrics["testing"]["slices"]
    assert set(slices["cold vs warm"]) == {"cold", "warm"}
    warm = slices["cold vs warm"]["warm"]
    best = small_run.metrics["best_model"]
    assert warm[f"ndcg_{best}"] > warm["ndcg_popularity"]
    assert (
        sum(v["users"] for v in slices["train clicks per user"].values()) == small_run.metrics["features"]["eval_users"]
    )
