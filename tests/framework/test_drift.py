"""Tests for framework.drift: PSI, KS and the per-column drift table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from framework import drift


def test_psi_identical_samples_is_zero() -> None:
    x = np.random.default_rng(0).normal(size=5_000)
    assert drift.psi(x, x) == pytest.approx(0.0, abs=1e-12)


def test_psi_same_distribution_is_small() -> None:
    rng = np.random.default_rng(1)
    assert drift.psi(rng.normal(size=20_000), rng.normal(size=20_000)) < 0.01


def test_psi_shifted_normal_is_large_and_grows_with_shift() -> None:
    rng = np.random.default_rng(2)
    reference = rng.normal(size=10_000)
    small = drift.psi(reference, rng.normal(0.25, 1.0, size=10_000))
    large = drift.psi(reference, rng.normal(1.0, 1.0, size=10_000))
    assert large > 0.2
    assert small < large


def test_psi_hand_worked_continuous() -> None:
    # reference 1..8 (8 distinct > 2 bins): the median 4.5 splits it into
    # (-inf, 4.5) and [4.5, inf) with proportions .5 / .5.
    # current [1, 1, 1, 6] -> .75 / .25
    # PSI = (.75 - .5) ln(.75 / .5) + (.25 - .5) ln(.25 / .5) = .25 ln 1.5 + .25 ln 2
    expected = 0.25 * np.log(1.5) + 0.25 * np.log(2.0)
    assert drift.psi(np.arange(1, 9), [1, 1, 1, 6], bins=2) == pytest.approx(expected)


def test_psi_hand_worked_discrete() -> None:
    # a binary column: each value gets its own bin even though 95% of the reference
    # is 0 (every decile of the reference is 0, so quantile edges alone would put
    # 0 and 1 in the same bin). reference .95 / .05, current .5 / .5
    # PSI = (.5 - .95) ln(.5 / .95) + (.5 - .05) ln(.5 / .05)
    reference = np.r_[np.zeros(95), np.ones(5)]
    current = np.r_[np.zeros(50), np.ones(50)]
    expected = (0.5 - 0.95) * np.log(0.5 / 0.95) + (0.5 - 0.05) * np.log(0.5 / 0.05)
    assert drift.psi(reference, current) == pytest.approx(expected)


def test_psi_empty_bin_uses_epsilon() -> None:
    # reference .5 / .5 over {0, 1}; current all 0 -> the "1" bin is empty -> 1e-6
    # PSI = (1 - .5) ln(1 / .5) + (1e-6 - .5) ln(1e-6 / .5)
    reference = np.r_[np.zeros(5), np.ones(5)]
    expected = 0.5 * np.log(2.0) + (1e-6 - 0.5) * np.log(1e-6 / 0.5)
    result = drift.psi(reference, np.zeros(8))
    assert np.isfinite(result)
    assert result == pytest.approx(expected)


def test_psi_ignores_nans() -> None:
    x = np.random.default_rng(3).normal(size=1_000)
    assert drift.psi(np.r_[x, np.nan], np.r_[np.nan, x]) == pytest.approx(0.0, abs=1e-12)


def test_psi_out_of_range_current_values_land_in_open_bins() -> None:
    # values far outside the reference range still fall in the outer bins, so the
    # whole current sample sits in the top bin: a huge, finite PSI
    reference = np.random.default_rng(4).normal(size=1_000)
    result = drift.psi(reference, np.full(100, 1e9))
    assert np.isfinite(result)
    assert result > 5.0


@pytest.mark.parametrize("shift", [0.0, 0.3, 1.0])
def test_ks_statistic_matches_scipy(shift: float) -> None:
    rng = np.random.default_rng(5)
    a = rng.normal(size=800)
    b = rng.normal(shift, 1.0, size=600)
    assert drift.ks_statistic(a, b) == pytest.approx(stats.ks_2samp(a, b).statistic)


def test_ks_statistic_disjoint_samples_is_one() -> None:
    assert drift.ks_statistic([1, 2, 3], [4, 5, 6]) == pytest.approx(1.0)


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(6)
    n = 2_000
    reference = pd.DataFrame(
        {
            "stable": rng.normal(size=n),
            "shifted": rng.normal(size=n),
            "flag": rng.random(n) < 0.1,
            "count": rng.poisson(3, size=n),
            "name": ["x"] * n,
        }
    )
    current = pd.DataFrame(
        {
            "stable": rng.normal(size=n),
            "shifted": rng.normal(1.5, 1.0, size=n),
            "flag": rng.random(n) < 0.4,
            "count": rng.poisson(3, size=n),
            "name": ["y"] * n,
        }
    )
    return reference, current


def test_drift_table_has_every_column_and_matching_values() -> None:
    reference, current = _frames()
    columns = ["stable", "shifted", "flag", "count"]
    table = drift.drift_table(reference, current, columns)
    assert list(table) == columns
    for col in columns:
        assert set(table[col]) == {"psi", "ks", "ks_pvalue"}
        assert all(isinstance(v, float) for v in table[col].values())
        ref = reference[col].astype(float)
        cur = current[col].astype(float)
        scipy_ks = stats.ks_2samp(ref, cur)
        assert table[col]["psi"] == pytest.approx(drift.psi(ref, cur))
        assert table[col]["ks"] == pytest.approx(scipy_ks.statistic)
        assert table[col]["ks_pvalue"] == pytest.approx(scipy_ks.pvalue)


def test_drift_table_separates_drifted_from_stable_columns() -> None:
    reference, current = _frames()
    table = drift.drift_table(reference, current, ["stable", "shifted", "flag", "count"])
    assert table["shifted"]["psi"] > 0.2
    assert table["flag"]["psi"] > 0.2
    assert table["stable"]["psi"] < 0.1
    assert table["count"]["psi"] < 0.1
    assert table["shifted"]["ks_pvalue"] < 1e-6
    assert table["stable"]["ks_pvalue"] > table["shifted"]["ks_pvalue"]


def test_drift_table_compares_text_columns_as_categories_and_rejects_missing_ones() -> None:
    reference, current = _frames()
    table = drift.drift_table(reference, current, ["name"])
    assert set(table["name"]) == {"psi", "chi2_pvalue"} and table["name"]["psi"] >= 0
    ref = pd.DataFrame({"c": ["a"] * 500 + ["b"] * 500})
    same, shifted = pd.DataFrame({"c": ["a"] * 490 + ["b"] * 510}), pd.DataFrame({"c": ["a"] * 200 + ["c"] * 800})
    calm, moved = drift.drift_table(ref, same, ["c"])["c"], drift.drift_table(ref, shifted, ["c"])["c"]
    assert calm["psi"] < 0.01 and calm["chi2_pvalue"] > 0.05
    assert moved["psi"] > 1 and moved["chi2_pvalue"] < 1e-6  # a new category "c" counts
    with pytest.raises(KeyError, match="absent"):
        drift.drift_table(reference, current, ["absent"])


def test_psi_counts_a_category_only_the_current_sample_has():
    # ref all 0; cur 70% 0, 30% new category 1: bins [0, 1] -> ref [1, 1e-6], cur [0.7, 0.3]
    # PSI = (0.7-1) ln(0.7) + (0.3-1e-6) ln(0.3/1e-6)
    ref, cur = np.zeros(1000), np.r_[np.zeros(700), np.ones(300)]
    expected = (0.7 - 1) * np.log(0.7) + (0.3 - 1e-6) * np.log(0.3 / 1e-6)
    assert drift.psi(ref, cur) == pytest.approx(expected)


def test_drift_alerts_name_column_statistic_and_threshold():
    table = {"speed": {"psi": 0.35, "ks": 0.05}, "count": {"psi": 0.01, "ks": 0.2}, "ok": {"psi": 0.0, "ks": 0.0}}
    alerts = drift.drift_alerts(table, drift.Thresholds(psi=0.2, ks=0.1))
    assert [a.message for a in alerts] == ["speed: PSI 0.350 > 0.2", "count: KS 0.200 > 0.1"]
    assert [(a.kind, a.subject, a.statistic) for a in alerts] == [
        ("feature", "speed", "psi"),
        ("feature", "count", "ks"),
    ]


@pytest.mark.parametrize(
    ("before", "after", "higher", "alerts"),
    [(0.5, 0.44, True, True), (0.5, 0.46, True, False), (40.0, 44.5, False, True), (40.0, 43.0, False, False)],
)
def test_metric_alert_fires_on_relative_worsening_in_the_metrics_direction(before, after, higher, alerts):
    alert = drift.metric_alert("m", before, after, higher, drift.Thresholds(metric_change=0.1))
    assert (alert is not None) is alerts
    improved = drift.metric_alert("m", before, 2 * before - after, higher, drift.Thresholds(metric_change=0.1))
    assert improved is None
