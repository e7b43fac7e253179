"""New-song cold start: the popularity-within-genre fallback and its measured effect on the drift window."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from cases.recommendation.newsongs import fit_fallback, split_warmup

# Four old songs (genres 0, 0, 1, 1) and four new ones (genres 0, 1, 0, 1); three users.
GENRE = np.array([0, 0, 1, 1, 0, 1, 0, 1])
TRAIN = sparse.csr_matrix(np.array([[3, 1, 0, 0], [0, 0, 2, 2], [1, 0, 0, 0]], dtype=float))
LISTS = np.array([[1, 2, 3, 0], [0, 1, 2, 3], [2, 3, 1, 0]])


def _events(users, items, clicked=None) -> pd.DataFrame:
    clicked = np.ones(len(users), dtype=bool) if clicked is None else np.asarray(clicked)
    return pd.DataFrame({"user": users, "item": items, "clicked": clicked})


def test_no_new_song_plays_leave_the_lists_unchanged():
    fallback = fit_fallback(_events([0, 1], [0, 2]), TRAIN, GENRE, 3, 4)
    assert fallback.slots == 0 and fallback.new_click_share == 0.0
    assert np.array_equal(fallback.apply(LISTS), LISTS)


def test_new_songs_get_their_click_share_of_bottom_slots_in_the_users_genre():
    # Half the warm-up clicks go to new songs: 2 of 4 slots; new song 6 (genre 0) and 7 (genre 1) are the most played.
    warmup = _events([0, 0, 1, 1, 2, 2, 2, 2], [0, 6, 2, 7, 6, 7, 1, 3])
    fallback = fit_fallback(warmup, TRAIN, GENRE, 3, 4)
    assert fallback.slots == 2 and fallback.new_click_share == 0.5
    served = fallback.apply(LISTS)
    assert np.array_equal(served[:, :2], LISTS[:, :2])  # the personalised top of the list is kept
    assert served[0, 2] == 6 and served[1, 2] == 7  # a genre-0 listener gets the genre-0 hit first, and vice versa
    assert (served[:, 2:] >= 4).all()


def test_unclicked_impressions_are_not_plays():
    warmup = _events([0, 1], [6, 0], clicked=[False, True])
    assert fit_fallback(warmup, TRAIN, GENRE, 3, 4).slots == 0


def test_warmup_split_by_time():
    start = 1_700_000_000
    frame = _events([0, 1, 2], [0, 1, 2]).assign(
        timestamp=np.array([start, start + 10, start + 100]).astype("datetime64[s]")
    )
    early, rest = split_warmup(frame, start, 50)
    assert early["user"].tolist() == [0, 1] and rest["user"].tolist() == [2]


def test_fallback_measured_on_the_drift_window(small_run):
    mon = small_run.records["monitoring"]
    extra = mon.extra
    assert extra["new_song_slots"] > 0 and extra["new_song_scored_users"] > 0
    assert extra["new_song_ndcg_with_fallback"] > extra["new_song_ndcg_without_fallback"]
    assert "New-song fallback" in mon.scenario
