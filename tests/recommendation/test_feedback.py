"""Exploration slots (epsilon and Thompson) and the simulated degenerate feedback loop."""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import sparse

from cases.recommendation.exploration import EXPLORATION_SLICE, thompson_slot
from cases.recommendation.feedback import FEEDBACK_SLICE, VARIANTS, feedback_reading, feedback_table
from cases.recommendation.models import ImplicitALS


def test_thompson_slot_avoids_history_and_list_and_favours_proven_songs():
    rng = np.random.default_rng(0)
    n_users, n_items = 300, 40
    lists = np.tile(np.arange(10), (n_users, 1))
    seen = np.zeros((n_users, n_items), dtype=bool)
    seen[:, 10:20] = True
    clicks, impressions = np.zeros(n_items), np.full(n_items, 1000.0)
    clicks[30] = 500  # song 30: a click rate of one half after many impressions; the others never clicked
    out = thompson_slot(lists, np.arange(n_users), seen, clicks, impressions, rng, candidates=400)
    slot = out[:, -1]
    assert not seen[np.arange(n_users), slot].any() and not (out[:, :-1] == slot[:, None]).any()
    assert (slot == 30).mean() > 0.95
    unexplored = impressions.copy()
    unexplored[25] = 0.0  # a song never shown has the widest posterior: it takes the slot from the proven song
    out = thompson_slot(lists, np.arange(n_users), seen, clicks, unexplored, rng, candidates=400)
    assert (out[:, -1] == 25).mean() > 0.5


def test_without_exploration_the_loop_narrows_the_catalogue_and_a_slot_keeps_more(small_world):
    users = np.arange(200)
    probs = small_world.click_probability(users)
    start = sparse.csr_matrix((np.random.default_rng(1).random(probs.shape) < probs * 0.05).astype(float))
    table = feedback_table(
        small_world, users, start, lambda: ImplicitALS(8, 10.0, 5.0, 3, random_state=0), 3, 10, 5.0, 0.2, seed=2
    )
    none, eps = table["no exploration"], table["epsilon slot"]
    assert none["coverage_last_round"] < none["coverage_first_round"]  # the degenerate loop
    assert eps["coverage_last_round"] > none["coverage_last_round"]
    assert eps["coverage_last_round"] / eps["coverage_first_round"] > (
        none["coverage_last_round"] / none["coverage_first_round"]
    )
    assert "without exploration" in feedback_reading(table)


def test_exploration_and_feedback_measured_on_the_run(small_run):
    testing = small_run.records["testing"]
    slots = testing.slices[EXPLORATION_SLICE]
    assert {"top-9 + Thompson slot", "Thompson minus without"} <= set(slots)
    assert slots["top-9 + Thompson slot"]["exposure_coverage"] > slots["deployed top-10"]["exposure_coverage"]
    loop = testing.slices[FEEDBACK_SLICE]
    assert list(loop) == list(VARIANTS)
    assert loop["no exploration"]["coverage_last_round"] < loop["epsilon slot"]["coverage_last_round"]
    assert testing.ab_test["feedback_reading"].startswith("over ")


def test_the_loop_can_be_switched_off(make_context, tmp_path):
    from cases.recommendation.step_testing import _feedback_loop

    ctx = make_context(tmp_path)
    ctx = dataclasses.replace(ctx, config=ctx.config.model_copy(update={"feedback_rounds": 0}))
    assert _feedback_loop(ctx, None, None) == {}  # type: ignore[arg-type]
