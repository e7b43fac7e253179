"""Monitoring: PSI by hand, alerts on injected drift, silence without drift."""

from __future__ import annotations

import math

import numpy as np

from cases.recommendation.design import DESIGN
from cases.recommendation.monitoring import Window, compare
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
    assert compare(ref, cur, THRESHOLDS) == ({"x": {"psi": 0.0, "ks": 0.0}}, [])


def test_case_drift_detected_and_no_drift_quiet(small_run):
    mon = small_run.records["monitoring"]
    assert mon.thresholds == Thresholds.from_spec(DESIGN.monitoring).as_dict()
    assert mon.extra["no_drift_alerts"] == []
    assert mon.alerts, "injected drift raised no alert"
    subjects = {a.subject for a in mon.alerts}
    assert "drift window: new_song" in subjects and "drift window: ndcg_at_10" in subjects
    assert mon.metric == "ndcg_at_10" and mon.metric_after < mon.metric_before
    assert (
        mon.extra["reference_ndcg"]
        == small_run.records["models"].models[small_run.records["models"].best]["ndcg_at_10"]
    )
    assert mon.extra["ctr_drift"] < mon.extra["ctr_no_drift"]
    assert all(v["psi"] < 0.2 and v["ks"] < 0.1 for v in mon.extra["no_drift_feature_drift"].values())
