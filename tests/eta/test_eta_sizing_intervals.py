"""ETA expert items: the serving design sized from the run, and calibrated p10/p90 ETAs."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from cases.eta.intervals import RatioIntervals, coverage_slices
from cases.eta.serving import SegmentTimeStore
from cases.eta.sizing import COMPACT_VALUE_BYTES, REGION_SEGMENTS, serving_sizing
from cases.eta.traffic import INTERVALS_PER_WEEK


def test_sizing_multiplies_out_keys_bytes_and_reads():
    s = serving_sizing(224, 8, 1000.0, store_lookup_us=20.0, memory_lookup_us=0.5, route_p50_ms=0.1)
    assert s["run_keys"] == 224 * INTERVALS_PER_WEEK
    assert s["region_keys"] == REGION_SEGMENTS * INTERVALS_PER_WEEK
    assert s["region_table_gb"] == pytest.approx(s["region_keys"] * COMPACT_VALUE_BYTES / 1e9)
    assert s["reads_per_second_peak"] == pytest.approx(1000.0 * s["route_segments"])
    assert s["route_lookups_ms_store"] > s["route_lookups_ms_memory"]


def test_sizing_moves_the_table_to_a_kv_store_when_it_outgrows_router_memory(monkeypatch):
    from cases.eta import sizing

    assert sizing.serving_sizing(10, 8, 1.0, 1.0, 1.0, 1.0)["placement"].startswith("router memory")
    monkeypatch.setattr(sizing, "ROUTER_TABLE_BUDGET_GB", 1.0)
    assert sizing.serving_sizing(10, 8, 1.0, 1.0, 1.0, 1.0)["placement"].startswith("KV store")


def test_store_holds_one_row_per_segment(tmp_path):
    table = np.arange(3 * INTERVALS_PER_WEEK, dtype=float).reshape(3, INTERVALS_PER_WEEK) + 0.25
    store = SegmentTimeStore(tmp_path / "kv.sqlite")
    assert store.write(table) == table.size
    assert store.get(2, INTERVALS_PER_WEEK - 1) == table[2, -1]
    store.close()
    with sqlite3.connect(tmp_path / "kv.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM segment_week").fetchone()[0] == 3


def test_run_reports_sizing_and_interval_coverage(small_run):
    _, outputs = small_run
    sizing = outputs.records["deployment"].extra["sizing"]
    assert sizing["run_keys"] == outputs.records["deployment"].extra["store_keys"]
    assert sizing["store_lookup_us"] > 0 and sizing["memory_lookup_us"] > 0
    coverage = outputs.records["testing"].slices["eta_p10_p90_coverage"]
    assert {"all", "rush hours", "other hours"} <= set(coverage)
    # Calibrated on training-window trips: the nominal 80% interval covers roughly 80% of test trips.
    assert coverage["all"]["coverage"] == pytest.approx(0.8, abs=0.08)


def test_intervals_cover_their_nominal_share_and_widen_with_noise():
    rng = np.random.default_rng(0)
    n = 20_000
    length = rng.integers(2, 20, n)
    eta = rng.uniform(100, 1000, n)

    def actual(spread: float) -> np.ndarray:
        return eta * np.exp(rng.standard_normal(n) * spread / np.sqrt(length))

    narrow = RatioIntervals().fit(actual(0.3), eta, length)
    wide = RatioIntervals().fit(actual(0.6), eta, length)
    slices = coverage_slices(narrow, actual(0.3), eta, length, rng.integers(0, 24, n))
    assert slices["all"]["coverage"] == pytest.approx(0.8, abs=0.02)
    # Short routes average fewer segments' noise: their relative interval is wider.
    assert narrow.high_[0] - narrow.low_[0] > narrow.high_[-1] - narrow.low_[-1]
    assert (
        coverage_slices(wide, actual(0.6), eta, length, np.zeros(n))["all"]["mean_width_s"]
        > slices["all"]["mean_width_s"]
    )
