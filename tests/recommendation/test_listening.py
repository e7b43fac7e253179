"""Music metrics beyond clicks: listen durations, streams, skips and skip rate of the A/B arms."""

from __future__ import annotations

import numpy as np

from cases.recommendation.generator import STREAM_SECONDS, listen_seconds
from cases.recommendation.listening import MUSIC_SLICE, music_reading, music_table

CONTROL, TREATMENT, DIFF = "today's feed (control)", "deployed feed (treatment)", "treatment minus control"


def test_better_matching_songs_are_played_longer():
    rng = np.random.default_rng(0)
    weak, strong = listen_seconds(np.full(20_000, 0.05), rng), listen_seconds(np.full(20_000, 0.6), rng)
    assert strong.mean() > weak.mean()
    assert (strong < STREAM_SECONDS).mean() < (weak < STREAM_SECONDS).mean()


def _table(small_world, song_p: float) -> dict[str, dict[str, float]]:
    rng = np.random.default_rng(1)
    n, k = 400, 10
    population = rng.integers(0, small_world.n_users, n)
    treated = np.arange(n) % 2 == 0
    per_slot = rng.poisson(0.3, (n, k))
    impressions = np.full(n, 5 * k)
    song = np.full((small_world.n_users, k), song_p)
    return music_table(small_world, population, treated, per_slot, impressions, song, 0.1, np.random.default_rng(2))


def test_skip_rate_follows_how_well_the_deployed_songs_match(small_world):
    good, bad = _table(small_world, 0.9), _table(small_world, 0.001)
    assert good[DIFF]["skip_rate"] < 0 < bad[DIFF]["skip_rate"]  # flip the song quality, the sign flips
    assert "skipped less" in music_reading(good) and "skipped more" in music_reading(bad)
    assert good[DIFF]["streams_vs_control"] > good[DIFF]["clicks_vs_control"]
    for table in (good, bad):
        for arm in (CONTROL, TREATMENT):
            row = table[arm]
            assert row["streams"] + row["skips"] == row["clicks"]
            assert row["skip_rate_ci_low"] <= row["skip_rate"] <= row["skip_rate_ci_high"]


def test_music_metrics_measured_on_the_run(small_run):
    testing = small_run.records["testing"]
    table, ab = testing.slices[MUSIC_SLICE], testing.ab_test
    assert table[CONTROL]["clicks"] == ab["control_clicks"] and table[TREATMENT]["clicks"] == ab["treatment_clicks"]
    assert 0 < table[TREATMENT]["skip_rate"] < 1 and 0 < table[CONTROL]["skip_rate"] < 1
    assert ab["music_reading"].startswith("clicks are only the proxy")
