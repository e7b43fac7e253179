"""Monitoring: PSI by hand, alerts on injected drift, silence without drift."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cases.recommendation.design import DESIGN
from cases.recommendation.monitoring import Window, compare, event_features, new_song_share
from framework.drift import Thresholds, psi

THRESHOLDS = Thresholds(psi=0.2, ks=0.1, metric_change=0.1)


def test_categorical_psi_by_hand():
    # ref [0.5, 0.5], cur [0.75, 0.25]: 0.25 ln 1.5 + 0.25 ln 2 = 0.274653
    assert math.isclose(psi([0, 0, 1, 1], [0, 0, 0, 1], bins=2), 0.25 * math.log(1.5) + 0.25 * math.log(2))


def test_psi_sees_a_category_absent_from_the_reference():
    ref, cur = np.zeros(1000), np.r_[np.zeros(700), np.ones(300)]
    assert psi(ref, cur) > 1.0  # the new category gets its own bin


def test_compare_alerts_only_on_change():
    rng = np.random.default_rng(0)
    ref = Window("ref", {"x": rng.normal(0, 1, 5000), "genre": rng.integers(0, 5, 5000)}, ndcg=0.2, ctr=0.3)
    same = Window("same", {"x": rng.normal(0, 1, 5000), "genre": rng.integers(0, 5, 5000)}, ndcg=0.19, ctr=0.3)
    moved = Window("moved", {"x": rng.normal(1, 1, 5000), "genre": rng.integers(0, 2, 5000)}, ndcg=0.1, ctr=0.2)
    assert compare(ref, same, THRESHOLDS)[1] == []
    table, alerts = compare(ref, moved, THRESHOLDS)
    assert table["x"]["psi"] > 0.2 and table["genre"]["psi"] > 0.2
    metric = {a.subject: a for a in alerts if a.kind == "metric"}
    assert set(metric) == {"moved: ndcg_at_10", "moved: ctr"}
    assert math.isclose(metric["moved: ndcg_at_10"].value, 0.5) and math.isclose(metric["moved: ctr"].value, 1 / 3)
    assert {a.subject for a in alerts if a.kind == "feature"} == {"moved: x", "moved: genre"}


def test_real_data_window_without_ctr_raises_no_ctr_alert():
    ref = Window("train", {"x": np.arange(100.0)}, ndcg=0.3, ctr=None)
    cur = Window("held-out", {"x": np.arange(100.0)}, ndcg=0.3, ctr=None)
    assert compare(ref, cur, THRESHOLDS) == ({"x": {"psi": 0.0, "ks": 0.0, "ks_pvalue": 1.0}}, [])


def test_case_drift_detected_and_no_drift_quiet(small_run):
    mon = small_run.records["monitoring"]
    assert mon.thresholds == Thresholds.from_spec(DESIGN.monitoring).as_dict()
    assert mon.extra["no_drift_alerts"] == []
    assert mon.alerts, "injected drift raised no alert"
    subjects = {a.subject for a in mon.alerts}
    assert (
        "drift window: clicks on songs without a training click" in subjects and "drift window: ndcg_at_10" in subjects
    )
    assert mon.metric == "ndcg_at_10" and mon.metric_after < mon.metric_before
    # One "before" figure: the deployed model's held-out score, also in the metric alert.
    ladder = small_run.records["models"]
    assert mon.metric_before == mon.extra["reference_ndcg"] == ladder.models[ladder.best]["ndcg_at_10"]
    ndcg_alert = next(a for a in mon.alerts if a.subject == "drift window: ndcg_at_10")
    assert ndcg_alert.detail.startswith(f"{mon.metric_before:.4g} ->")
    assert mon.extra["ctr_drift"] < mon.extra["ctr_no_drift"]
    assert all(v["psi"] < 0.2 and v.get("ks", 0) < 0.1 for v in mon.extra["no_drift_feature_drift"].values())
    # New songs are a share of clicks, not a drift statistic.
    assert "new_song" not in mon.feature_drift and mon.extra["new_song_click_share"] > 0.05


def test_categorical_features_use_shares_never_ks(small_run):
    mon = small_run.records["monitoring"]
    for name in ("genre", "age_group", "new_user", "clicked"):
        assert set(mon.feature_drift[name]) == {"psi", "chi2_pvalue"}, name
    assert {"genre", "age_group"} <= {f.name for f in DESIGN.features.features if f.kind == "categorical"}
    assert not any(a.statistic == "ks" and a.subject.endswith(("genre", "age_group")) for a in mon.alerts)


def test_songs_without_training_clicks_are_a_share_not_drift():
    popularity = np.array([5.0, 3.0, 0.0])  # song 2 never clicked in training; song 3 released later
    clicks = np.array([0, 1, 2, 3, 3])
    assert new_song_share(clicks, popularity) == 0.6
    events = pd.DataFrame({"user": [0] * 5, "item": clicks, "clicked": [True] * 5})
    features = event_features(events, None, None, np.array([0.9, 0.5, 0.1]), popularity, np.array([0]))
    assert np.array_equal(features["song_popularity_pct"], [0.9, 0.5])  # only songs the model knows
    ref = Window("ref", {"x": np.arange(100.0)}, ndcg=0.3)
    cur = Window("cur", {"x": np.arange(100.0)}, ndcg=0.3, new_song_share=0.6)
    table, alerts = compare(ref, cur, THRESHOLDS, new_song_alert=0.05)
    assert table["x"]["psi"] == 0.0 and [a.subject for a in alerts] == ["cur: clicks on songs without a training click"]
