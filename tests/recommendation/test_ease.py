"""EASE: the closed form against per-song ridge regressions by hand, the validation split, tuning and the skip."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from cases.recommendation import ease, step_models
from cases.recommendation.artifacts import RecData, RecFeatures
from cases.recommendation.models import recommend

X = sparse.csr_matrix(np.array([[1, 1, 0, 0], [1, 0, 1, 0], [0, 1, 1, 1], [1, 1, 1, 0], [0, 0, 1, 1]], dtype=float))


def test_weights_are_ridge_regressions_of_each_song_on_the_others():
    lam = 2.0
    b = ease.ease_weights(X, lam)
    x = X.toarray()
    assert np.allclose(np.diag(b), 0.0)
    for j in range(x.shape[1]):  # column j: ridge of song j on the other songs (the zero-diagonal constraint)
        others = [i for i in range(x.shape[1]) if i != j]
        a = x[:, others]
        expected = np.linalg.solve(a.T @ a + lam * np.eye(len(others)), a.T @ x[:, j])
        assert np.allclose(b[others, j], expected)


def test_scores_are_history_times_weights_and_history_is_excluded():
    model = ease.EASE(l2=1.0).fit(X)
    users = np.arange(5)
    assert np.allclose(model.score(users, X), X.toarray() @ model.weights_)
    recs = recommend(model, users, X, 4)
    assert all(X[u, i] == 0 for u in users for i in recs[u] if i >= 0)
    assert model.describe() == "lambda 1 (fixed)"


def test_validation_split_holds_out_a_share_of_each_users_songs():
    rng = np.random.default_rng(0)
    dense = (rng.random((40, 30)) < 0.3).astype(float)
    dense[0] = 0.0
    dense[1] = 0.0
    dense[1, 3] = 1.0  # a one-song user keeps the song
    clicks = sparse.csr_matrix(dense)
    fit, held = ease.validation_split(clicks, 0.25, np.random.default_rng(1))
    assert (fit + held - clicks).nnz == 0 and fit.multiply(held).nnz == 0
    per_user = clicks.getnnz(axis=1)
    assert np.array_equal(held.getnnz(axis=1), np.floor(0.25 * per_user).astype(int))
    assert held[1].nnz == 0 and fit[1, 3] == 1.0


def test_tuning_picks_the_best_of_the_grid_on_training_only():
    rng = np.random.default_rng(3)
    clicks = sparse.csr_matrix((rng.random((200, 40)) < (np.linspace(0.05, 0.5, 40))[None, :]).astype(float))
    model = ease.EASE(grid=(1.0, 10.0, 100.0), random_state=5).fit(clicks)
    scores = model.validation_ndcg_
    assert set(scores) >= {1.0, 10.0, 100.0} and model.l2_ == max(scores, key=lambda k: scores[k])
    assert set(scores) - {1.0, 10.0, 100.0} <= {0.1, 0.01, 0.001, 1000.0, 10000.0, 100000.0}  # edge steps only
    assert np.allclose(model.weights_, ease.ease_weights(clicks, model.l2_))  # refitted on all of training
    note = model.describe()
    assert f"lambda {model.l2_:g} chosen" in note and "grid 1: " in note and "100: " in note


def test_memory_guard_names_the_size():
    assert ease.skip_reason(ease.MAX_ITEMS) is None
    reason = ease.skip_reason(ease.MAX_ITEMS + 1)
    assert reason and reason.startswith("skipped:") and f"{ease.MAX_ITEMS + 1:,} songs" in reason
    assert ease.skip_reason(50, max_items=10) is not None


def test_ladder_skips_ease_above_the_limit_and_says_why(small_ctx, small_run, monkeypatch):
    monkeypatch.setattr(ease, "MAX_ITEMS", 10)
    data, feats = small_run.get(RecData), small_run.get(RecFeatures)
    ladder, _ = step_models.models(small_ctx, data, feats)
    assert "ease" not in ladder.models and ladder.best != "ease"
    assert ladder.notes["ease"].startswith("skipped: EASE inverts a songs x songs matrix")


def test_ladder_note_records_lambda_and_grid(small_run):
    note = small_run.records["models"].notes["ease"]
    assert "chosen by NDCG@10 on a validation split of training" in note and "grid" in note


def test_als_reads_the_confidence_column():
    events = pd.DataFrame(
        {"user": [0, 0, 1, 1], "item": [0, 1, 1, 1], "clicked": True, "confidence": [1.0, 2.5, 1.0, 3.0]}
    )
    conf = step_models.confidence_matrix(events, 2, 3)
    assert conf is not None and conf.toarray().tolist() == [[1.0, 2.5, 0.0], [0.0, 3.0, 0.0]]
    assert step_models.confidence_matrix(events.drop(columns="confidence"), 2, 3) is None
