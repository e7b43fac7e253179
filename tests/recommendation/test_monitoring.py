"""Monitoring: PSI by hand, alerts on injected drift, silence without drift."""

from __future__ import annotations

import math

import numpy as np

from cases.recommendation.monitoring import Window, compare
from framework.drift import psi


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
    assert compare(ref, same, 0.2, 0.1, 0.1)[1] == []
    table, alerts = compare(ref, moved, 0.2, 0.1, 0.1)
    assert table["x"]["psi"] > 0.2 and table["genre"]["psi"] > 0.2
    assert any("NDCG@10 fell" in a for a in alerts) and any("CTR fell" in a for a in alerts)


def test_case_drift_detected_and_no_drift_quiet(small_run):
    mon = small_run.metrics["monitoring"]
    assert mon["no_drift_alerts"] == []
    assert mon["alerts"], "injected drift raised no alert"
    assert any("new_song" in a for a in mon["alerts"]) and any("NDCG@10 fell" in a for a in mon["alerts"])
    assert mon["metric_after"] < mon["metric_before"]
    assert mon["ctr_drift"] < mon["ctr_no_drift"]
    assert all(v["psi"] < 0.2 and v["ks"] < 0.1 for v in mon["no_drift_feature_drift"].values())
