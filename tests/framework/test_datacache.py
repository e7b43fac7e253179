"""The generated-data cache: Parquet keyed by case, seed, scale and config; reused, stated, never half-read."""

from __future__ import annotations

import pandas as pd
import pytest

from framework import datacache
from framework.case import CaseConfig, RunContext
from framework.datacache import COMPLETE, cache_key, cached_frame, part_name
from framework.throughput import throughput, throughput_rows


class _Config(CaseConfig):
    rows: int = 3


def _ctx(tmp_path, scale="xl", seed=0, rows=3):
    return RunContext(case="toy", config=_Config(rows=rows), seed=seed, scale=scale, out_dir=tmp_path)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(datacache.CACHE_ENV, str(folder))
    return folder


def _maker(calls):
    def make():
        calls.append(1)
        return pd.DataFrame({"a": range(3), "b": ["x", "y", "z"]})

    return make


def test_xl_rows_are_written_once_then_reused_and_the_reuse_is_said(tmp_path, cache):
    calls, said = [], []
    first = cached_frame(_ctx(tmp_path), "rows", _maker(calls), "v1", say=said.append)
    second = cached_frame(_ctx(tmp_path), "rows", _maker(calls), "v1", say=said.append)
    assert calls == [1]
    pd.testing.assert_frame_equal(first, second)
    assert "generated and cached at" in said[0] and "reusing rows cached at" in said[1]
    folder = next(cache.glob("toy/*/rows"))
    assert (folder / COMPLETE).exists() and (folder / part_name(0)).exists()


@pytest.mark.parametrize("change", [{"seed": 1}, {"rows": 4}])
def test_another_seed_or_config_is_another_cache_entry(tmp_path, cache, change):
    calls: list[int] = []
    cached_frame(_ctx(tmp_path), "rows", _maker(calls), "v1", say=lambda _m: None)
    cached_frame(_ctx(tmp_path, **change), "rows", _maker(calls), "v1", say=lambda _m: None)
    assert calls == [1, 1]
    assert cache_key(_ctx(tmp_path), "v1") != cache_key(_ctx(tmp_path), "v2")


def test_a_half_written_entry_is_rebuilt_not_read(tmp_path, cache):
    calls: list[int] = []
    cached_frame(_ctx(tmp_path), "rows", _maker(calls), "v1", say=lambda _m: None)
    folder = next(cache.glob("toy/*/rows"))
    (folder / COMPLETE).unlink()  # as if the run was killed between the data and the marker
    rows = cached_frame(_ctx(tmp_path), "rows", _maker(calls), "v1", say=lambda _m: None)
    assert calls == [1, 1] and len(rows) == 3 and (folder / COMPLETE).exists()


def test_smaller_scales_are_not_cached(tmp_path, cache):
    calls: list[int] = []
    cached_frame(_ctx(tmp_path, scale="small"), "rows", _maker(calls), "v1", say=lambda _m: None)
    assert calls == [1] and not cache.exists()


def test_partition_files_sort_in_partition_order():
    names = [part_name(i) for i in (0, 2, 10, 100)]
    assert sorted(names) == names


def test_throughput_counts_busy_threads_and_extrapolates_only_from_enough_rows():
    record = throughput(3_600_000, 10.0, 2, 57, 50e6, "dask", "xl")
    assert record["busy_threads"] == 2 and record["rows_per_s_per_thread"] == 180_000.0
    # 50M events at 180k rows/s per thread: 278 thread-seconds, 0.08 of one thread for an hour.
    assert record["threads_for_1h"] == 0.08 and record["threads_for_24h"] == 0.0
    one_block = throughput(3_600_000, 10.0, 2, 1, 50e6, "dask", "large")
    assert one_block["busy_threads"] == 1 and one_block["rows_per_s_per_thread"] == 360_000.0
    heavy = throughput(2_000_000, 10.0, 1, 1, 20e9, "pandas", "large")
    assert heavy["threads_for_1h"] == 27.78  # 20e9 / (200k rows/s x 3600 s)
    assert ["extrapolated threads to clean and featurise one day in 1 h", "27.78 (so 28)"] in throughput_rows(heavy)
    small = throughput(25_000, 0.5, 2, 1, 50e6, "dask", "small")
    assert "threads_for_1h" not in small and small["extrapolation"].startswith("not extrapolated: 25,000 rows")
    assert throughput_rows(small)[-1][1] == small["extrapolation"]
    # A case whose rows are not the design's logged events names its own daily volume (ETA: 2-minute records).
    records = throughput(2_000_000, 10.0, 1, 1, 1.44e9, "pandas", "large", daily_label="segment records a day")
    assert ["design's daily volume (segment records a day)", "1,440,000,000"] in throughput_rows(records)
    assert records["threads_for_1h"] == 2.0  # 1.44e9 / (200k rows/s x 3600 s)


def test_etas_capacity_counts_segment_records_not_gps_pings():
    from framework.checks import session_for
    from framework.registry import get_case

    data = session_for(get_case("eta")).run().data
    assert data["batch_rows_per_day"] == 2_000_000 * 720  # the region's segments x 2-minute intervals a day
    assert "2-minute segment records" in data["batch_rows_per_day_label"]


def test_a_cache_hit_is_recorded_on_the_run(tmp_path, cache):
    ctx = _ctx(tmp_path)
    cached_frame(ctx, "rows", _maker([]), "v1", say=lambda _m: None)
    assert ctx.data_from_cache is False
    again = _ctx(tmp_path)
    cached_frame(again, "rows", _maker([]), "v1", say=lambda _m: None)
    assert again.data_from_cache is True
