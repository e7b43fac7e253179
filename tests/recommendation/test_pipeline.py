"""Feature pipeline: PII masking, per-user features from training only, the time split."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cases.recommendation.artifacts import RecData, RecFeatures
from cases.recommendation.loader import split_per_user
from cases.recommendation.pipeline import click_matrix, mask_pii, user_features


def test_age_is_masked_into_groups():
    users = pd.DataFrame(
        {
            "user_id": list("abcdefgh"),
            "age": [13, 17, 18, 24, 25, 54, 55, 80],
            "location": [" US", "gb", "de", "br", "in", "jp", "se", "mx"],
        }
    )
    masked = mask_pii(users)
    assert "age" not in masked.columns
    assert masked["age_group"].tolist() == ["<18", "<18", "18-24", "18-24", "25-34", "45-54", "55+", "55+"]
    assert masked["location"].iloc[0] == "us"


def test_features_step_keeps_no_raw_age(small_run):
    data, feats = small_run.get(RecData), small_run.get(RecFeatures)
    assert "age" in data.users.columns  # the raw metadata table (Postgres) has it...
    assert "age" not in feats.user_features.columns  # ...the feature store does not
    assert "age_group" in feats.user_features.columns
    assert small_run.records["features"].summary["raw_age_in_features"] is False


def test_user_features_by_hand():
    items = pd.DataFrame({"song_id": ["s0", "s1", "s2"], "artist_id": [7, 7, 9], "genre_id": [0, 0, 1]})
    users = pd.DataFrame({"user_id": ["u0", "u1"]})
    train = pd.DataFrame(
        {
            "user": [0, 0, 0, 0, 1],
            "item": [0, 1, 2, 2, 2],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02", "2024-01-04", "2024-01-01"]),
            "clicked": [True, True, True, False, False],
        }
    )
    f = user_features(train, users, items, n_genres=2)
    assert f["n_impressions"].tolist() == [4, 1]
    assert f["n_clicks"].tolist() == [3, 0]
    assert f.loc[0, "ctr"] == 0.75 and f.loc[1, "ctr"] == 0.0
    assert f.loc[0, ["top_artist_1", "top_artist_2", "top_artist_3"]].tolist() == [7, 9, -1]
    # most recent click first; the unclicked impression of s2 on 01-04 does not count
    assert f.loc[0, ["last_song_1", "last_song_2", "last_song_3"]].tolist() == [1, 2, 0]
    assert np.allclose(f.loc[0, ["genre_share_0", "genre_share_1"]].to_numpy(float), [2 / 3, 1 / 3])
    assert (f.loc[1, ["top_artist_1", "last_song_1"]] == -1).all()


def test_time_split_and_relevance(small_run):
    record, data, feats = small_run.records["data"], small_run.get(RecData), small_run.get(RecFeatures)
    assert record.synthetic and data.synthetic and data.world is not None
    assert record.time_column == "timestamp"
    assert record.train["timestamp"].max() < record.test["timestamp"].min()
    assert record.train is data.train and record.test is data.test
    # relevant = clicked later and never clicked before: never overlaps the consumed songs
    assert feats.relevant.multiply(feats.consumed).nnz == 0
    assert feats.relevant.nnz > 0
    # the click matrix counts training clicks only
    assert feats.clicks.sum() == data.train["clicked"].sum()


def test_click_matrix_binary_and_counts():
    events = pd.DataFrame({"user": [0, 0, 1, 0], "item": [1, 1, 0, 2], "clicked": [True, True, True, False]})
    assert click_matrix(events, 2, 3, binary=False).toarray().tolist() == [[0, 2, 0], [1, 0, 0]]
    assert click_matrix(events, 2, 3).toarray().tolist() == [[0, 1, 0], [1, 0, 0]]


def test_per_user_split_holds_out_a_quarter():
    sizes = {0: 1, 1: 2, 2: 4, 3: 8, 4: 10}
    ratings = pd.DataFrame({"user": np.repeat(list(sizes), list(sizes.values()))})
    ratings["item"] = np.arange(len(ratings))
    train, test = split_per_user(ratings, np.random.default_rng(0))
    held = test.groupby("user").size().reindex(list(sizes), fill_value=0).tolist()
    assert held == [0, 1, 1, 2, 3]  # round(n / 4) half up, at least one rating left to train on
    assert len(train) + len(test) == len(ratings)
    train2, test2 = split_per_user(ratings, np.random.default_rng(0))
    assert test.equals(test2) and train.equals(train2)


def test_per_user_split_holds_out_each_users_latest_ratings():
    ratings = pd.DataFrame({"user": np.repeat([0, 1], 8), "item": np.arange(16)})
    ratings["timestamp"] = np.array(list(range(8, 0, -1)) * 2, dtype="datetime64[s]")  # item order != time order
    train, test = split_per_user(ratings, np.random.default_rng(0))
    for user in (0, 1):
        assert train[train.user == user].timestamp.max() < test[test.user == user].timestamp.min()
    assert test.groupby("user").size().tolist() == [2, 2]


def test_drill_names_and_titles_do_not_name_their_flaw():
    from cases.recommendation.drills import DRILLS

    for drill in DRILLS:
        shown = set(re.findall(r"[a-z]+", f"{drill.name} {drill.title} {drill.question}".lower()))
        for key, value in drill.flaw.items():
            flaw_words = {*key.split("_"), *str(value).split("_")} - {"test", "and", "drift"}
            assert not flaw_words & shown, (drill.name, flaw_words & shown)
