"""Cleaning: every kind of mess in the raw logs is fixed or dropped, and counted."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cases.recommendation.cleaning import clean, deserialize
from cases.recommendation.generator import LOG_START, make_world, simulate_events
from cases.recommendation.logs import to_json_lines

USERS = pd.Index(["u1", "u2"])
SONGS = pd.Index(["s1", "s2", "s3"])
T0 = int(LOG_START.astype(np.int64))  # 2024-03-04T00:00:00Z
WINDOW = (T0, T0 + 86_400)
RAW = (
    "\n".join(
        [
            '{"user": "u1", "song": "s1", "ts": "2024-03-04T10:00:00Z", "clicked": true}',
            '{"user": "u1", "song": "s1", "ts": "2024-03-04T10:00:00Z", "clicked": true}',  # exact duplicate
            f'{{"user": " U2 ", "song": "S2", "ts": {T0 + 36_060}, "clicked": 1}}',  # case, spaces, epoch, 1
            '{"user": "u2", "song": "s2", "ts": "2024-03-04T10:01:00Z", "clicked": true}',  # duplicate once normalised
            '{"user": "u1", "song": "s3", "ts": "not-a-date", "clicked": false}',
            '{"user": "u1", "song": "s3", "ts": "1970-01-01T00:00:00Z", "clicked": false}',  # outside the window
            '{"user": "u1", "song": "s3", "ts": null, "clicked": false}',
            '{"user": "u9", "song": "s1", "ts": "2024-03-04T11:00:00Z", "clicked": false}',  # unknown user
            '{"user": "u1", "song": "s9", "ts": "2024-03-04T11:00:00Z", "clicked": false}',  # unknown song
            '{"user": "u1", "song": "s2", "ts": "2024-03-04T12:00:00Z", "cli',  # truncated write
            "not json at all",
            '{"user": "u1", "song": "s2", "ts": "2024-03-04T12:00:00Z", "clicked": true}}',  # extra brace
            '{"user": "u1", "song": "s2", "ts": "2024-03-04T12:00:00Z", "clicked": "maybe"}',
            "",
            '{"user": "u2", "song": "s3", "ts": "2024-03-04T13:00:00Z", "clicked": false}',
        ]
    )
    + "\n"
)


def test_each_kind_of_mess_is_fixed_or_counted():
    raw, parsed = deserialize(RAW)
    assert parsed == {"raw_lines": 15, "blank_lines": 1, "bad_json_lines": 3}
    events, counts = clean(raw, USERS, SONGS, WINDOW)
    assert counts == {
        "ids_normalised": 1,
        "missing_fields": 0,
        "bad_timestamps": 3,
        "bad_clicked_values": 1,
        "duplicates_removed": 2,
        "unknown_users": 1,
        "unknown_songs": 1,
        "clean_events": 3,
    }
    assert events["user_id"].tolist() == ["u1", "u2", "u2"]
    assert events["song_id"].tolist() == ["s1", "s2", "s3"]
    assert events["user"].tolist() == [0, 1, 1] and events["item"].tolist() == [0, 1, 2]
    assert events["clicked"].tolist() == [True, True, False]
    assert events["timestamp"].astype(str).tolist() == [
        "2024-03-04 10:00:00",
        "2024-03-04 10:01:00",
        "2024-03-04 13:00:00",
    ]


def test_round_trip_recovers_the_simulated_events(small_config):
    # Only mess that cleaning can undo: casing, spaces, epoch timestamps, duplicates.
    config = small_config.model_copy(
        update={"bad_timestamp_fraction": 0.0, "bad_json_fraction": 0.0, "unknown_id_fraction": 0.0}
    )
    world = make_world(config, np.random.default_rng(0))
    events = simulate_events(world, config, np.random.default_rng(1))
    text, _ = to_json_lines(events, world, config, np.random.default_rng(2))
    raw, _ = deserialize(text)
    cleaned, counts = clean(
        raw, pd.Index(world.users["user_id"]), pd.Index(world.items["song_id"]), (T0, T0 + world.window_s)
    )
    expected = events.drop_duplicates(["user", "item", "t", "clicked"])
    assert counts["clean_events"] == len(expected)
    got = cleaned.assign(t=cleaned["timestamp"].astype("int64") - T0)[["user", "item", "t", "clicked"]]
    key = ["t", "user", "item", "clicked"]
    pd.testing.assert_frame_equal(
        got.sort_values(key, ignore_index=True),
        expected[["user", "item", "t", "clicked"]].sort_values(key, ignore_index=True),
        check_dtype=False,
    )
