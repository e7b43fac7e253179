"""Generator invariants: valid ground truth, long tail, determinism, and the raw-log mess it injects."""

from __future__ import annotations

import numpy as np

from cases.recommendation.generator import make_world, sample_categorical_rows, simulate_events
from cases.recommendation.logs import to_json_lines


def test_world_is_a_valid_ground_truth(small_world, small_config):
    w = small_world
    assert np.allclose(w.taste.sum(axis=1), 1.0)
    p = w.click_probability()
    assert p.shape == (small_config.n_users, small_config.n_items)
    assert (p > 0).all() and (p < 1).all()
    assert sorted(w.items["genre_id"].unique()) == list(range(small_config.n_genres))
    assert w.items["artist_id"].nunique() == small_config.n_artists
    # every song of an artist has the artist's genre
    assert (w.items.groupby("artist_id")["genre_id"].nunique() == 1).all()
    assert "age" in w.users and w.users["age"].between(13, 80).all()


def test_true_probability_follows_taste(small_world):
    w = small_world
    p = w.click_probability()
    genre = w.items["genre_id"].to_numpy()
    onehot = np.eye(w.n_genres)[genre]  # (items, genres)
    mean_p = (p @ onehot) / onehot.sum(axis=0)
    favourite = mean_p[np.arange(w.n_users), w.taste.argmax(axis=1)]
    least = mean_p[np.arange(w.n_users), w.taste.argmin(axis=1)]
    assert (favourite > least).mean() > 0.95


def test_clicks_have_a_long_tail(small_world, small_config):
    events = simulate_events(small_world, small_config, np.random.default_rng(1))
    clicks = np.sort(np.bincount(events.loc[events["clicked"], "item"], minlength=small_world.n_items))[::-1]
    top_decile = clicks[: len(clicks) // 10].sum() / clicks.sum()
    assert top_decile > 0.25, top_decile  # uniform would be 0.10


def test_same_seed_same_logs_other_seed_differs(small_config):
    def logs(seed):
        world = make_world(small_config, np.random.default_rng(seed))
        events = simulate_events(world, small_config, np.random.default_rng(seed + 1))
        return to_json_lines(events, world, small_config, np.random.default_rng(seed + 2))[0]

    assert logs(3) == logs(3)
    assert logs(3) != logs(4)


def test_sampler_draws_in_proportion_to_weights():
    weights = np.array([[1.0, 3.0, 6.0], [5.0, 0.0, 5.0]])
    rows = np.repeat([0, 1], 20_000)
    draws = sample_categorical_rows(weights, rows, np.random.default_rng(0))
    freq0 = np.bincount(draws[rows == 0], minlength=3) / 20_000
    freq1 = np.bincount(draws[rows == 1], minlength=3) / 20_000
    assert np.allclose(freq0, [0.1, 0.3, 0.6], atol=0.015)
    assert freq1[1] == 0 and abs(freq1[0] - 0.5) < 0.015


def test_mess_is_injected_and_counted(small_world, small_config):
    events = simulate_events(small_world, small_config, np.random.default_rng(1))
    text, counts = to_json_lines(events, small_world, small_config, np.random.default_rng(2))
    lines = text.splitlines()
    assert len(lines) == counts["lines"] == len(events) + counts["duplicates_injected"]
    for kind in (
        "duplicates_injected",
        "bad_json_injected",
        "bad_timestamps_injected",
        "unknown_ids_injected",
        "mixed_case_injected",
        "stray_spaces_injected",
    ):
        assert counts[kind] > 0, kind
    assert sum(line.startswith('{"user": "U') for line in lines) > 0
    assert sum('"ts": 17' in line for line in lines) > 0  # epoch seconds from the legacy client
