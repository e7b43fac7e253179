"""ETA step 4: generated records, cleaning, trips, determinism and the real-data loader."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from cases.eta import case
from cases.eta.artifacts import EtaData, EtaModels
from cases.eta.data import MAX_SPEED_KMH, clean_records, generate_probes, inject_invalid, load_records
from cases.eta.network import grid_network
from cases.eta.traffic import INTERVALS_PER_DAY, INTERVALS_PER_WEEK, build_traffic, draw_incidents
from framework.errors import BadInput
from framework.pipeline import run_steps

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "eta_sample"


def _ratio(records: pd.DataFrame, segments: pd.DataFrame) -> pd.Series:
    return records["travel_time_s"] / segments["free_flow_s"].to_numpy()[records["segment_id"].to_numpy()]


def test_clean_split_has_schema_and_invariants(small_run):
    ctx, outputs = small_run
    data = outputs.records["data"]
    artifact = outputs.get(EtaData)
    assert data.synthetic is True and artifact.synthetic is True and artifact.traffic is not None
    assert artifact.train is data.train and artifact.test is data.test
    with pytest.raises(ValueError, match="exactly when the data is synthetic"):
        replace(artifact, traffic=None)
    expected = ["segment_id", "interval_index", "car_count", "avg_speed_kmh", "interval_within_week", "travel_time_s"]
    n_seg = artifact.network.n_segments
    for frame in (data.train, data.test):
        assert list(frame.columns) == expected
        assert not frame.isna().any().any()
        assert frame["avg_speed_kmh"].between(0, MAX_SPEED_KMH, inclusive="right").all()
        assert frame["car_count"].min() >= 1
        assert frame["segment_id"].between(0, n_seg - 1).all()
        assert frame["interval_within_week"].between(0, INTERVALS_PER_WEEK - 1).all()
        assert (frame["interval_within_week"] == frame["interval_index"] % INTERVALS_PER_WEEK).all()
        assert not frame.duplicated(["segment_id", "interval_index"]).any()
    assert data.train["interval_index"].max() < data.test["interval_index"].min()
    assert data.test["interval_index"].max() < ctx.config.weeks * INTERVALS_PER_WEEK
    assert len(data.test) / (len(data.train) + len(data.test)) == pytest.approx(0.2, abs=0.03)
    assert data.summary["rows_clean"] == len(data.train) + len(data.test)


def test_cleaning_removes_and_counts_every_injected_row():
    rng = np.random.default_rng(3)
    network = grid_network(3, 3, 0.8, 3, 2, rng)
    traffic = build_traffic(network.segments, 1.0, rng)
    records = generate_probes(traffic, 0, 2 * INTERVALS_PER_DAY, 0.3, rng)
    dirty, injected = inject_invalid(records, 0.02, rng)
    assert all(n > 0 for n in injected.values())
    assert len(dirty) == len(records) + sum(injected.values())
    clean, report = clean_records(dirty, network.n_segments)
    for reason, n in injected.items():
        assert report[reason] == n, reason
    assert sum(report.values()) == sum(injected.values())
    pd.testing.assert_frame_equal(clean, records)


def test_cleaning_counts_real_feed_problems():
    raw = pd.DataFrame(
        {
            "segment_id": [0, 1, 7, 2, 2, np.nan, 3],
            "interval_index": [0, 0, 0, 5, 5, 1, 2],
            "car_count": [2, 0, 1, 1, 3, 1, np.nan],
            "avg_speed_kmh": [50.0, 40.0, 30.0, 20.0, 25.0, 10.0, 10.0],
        }
    )
    clean, report = clean_records(raw, n_segments=5)
    assert report["no_cars"] == 1  # car_count 0
    assert report["unknown_segment"] == 1  # id 7 of 5 segments
    assert report["duplicate"] == 1  # second row of (2, 5): the first one wins
    assert report["null_value"] == 2  # null segment id, null car count
    assert clean["segment_id"].tolist() == [0, 2]
    assert clean["avg_speed_kmh"].tolist() == [50.0, 20.0]


def test_rush_hour_slower_than_night_and_weekend_faster_than_weekday(small_run):
    _, outputs = small_run
    data = outputs.get(EtaData)
    train = data.train
    ratio = _ratio(train, data.network.segments)
    day, slot = np.divmod(train["interval_within_week"].to_numpy(), INTERVALS_PER_DAY)
    hour = slot // 30
    weekday = day < 5
    rush = ratio[weekday & ((hour == 8) | (hour == 17))].mean()
    night = ratio[weekday & (hour >= 1) & (hour <= 4)].mean()
    assert rush > 1.3 * night
    daytime = (hour >= 7) & (hour <= 19)
    assert ratio[~weekday & daytime].mean() < ratio[weekday & daytime].mean()


def test_trip_routes_are_connected_and_start_in_the_test_window(small_run):
    ctx, outputs = small_run
    data = outputs.get(EtaData)
    trips, segments = data.trips, data.network.segments
    paths, table = trips.paths, trips.table
    n_seg = (paths >= 0).sum(axis=1)
    assert (n_seg >= ctx.config.min_route_segments).all()
    src = segments["from_node"].to_numpy()
    dst = segments["to_node"].to_numpy()
    assert (src[paths[:, 0]] == table["origin"]).all()
    assert (dst[paths[np.arange(len(paths)), n_seg - 1]] == table["destination"]).all()
    both = (paths[:, :-1] >= 0) & (paths[:, 1:] >= 0)
    assert (dst[paths[:, :-1][both]] == src[paths[:, 1:][both]]).all()
    assert table["departure_interval"].between(data.cut, data.end - 1).all()
    assert (table["duration_s"] > 0).all() and np.isfinite(table["duration_s"]).all()


def test_batch_routes_match_networkx_shortest_paths(small_run):
    data = small_run[1].get(EtaData)
    network = data.network
    table = data.trips.table.head(40)
    paths = network.routes(table["origin"].to_numpy(), table["destination"].to_numpy())
    for row, path in zip(table.itertuples(), paths):
        nodes = nx.shortest_path(network.graph, row.origin, row.destination, weight="free_flow_s")
        expected = [network.graph[u][v]["segment_id"] for u, v in zip(nodes[:-1], nodes[1:])]
        assert path[path >= 0].tolist() == expected


def test_same_seed_same_data_other_seed_other_data(make_context):
    first, again, other = (run_steps(case, make_context(seed=s), until="data").records["data"] for s in (5, 5, 6))
    pd.testing.assert_frame_equal(first.train, again.train)
    pd.testing.assert_frame_equal(first.test, again.test)
    assert first.summary == again.summary
    assert len(first.train) != len(other.train) or not first.train.equals(other.train)


def test_incident_slows_its_segment_only_while_active():
    rng = np.random.default_rng(0)
    network = grid_network(2, 3, 0.8, 3, 2, rng)
    incidents = pd.DataFrame({"segment_id": [1], "start_interval": [100], "n_intervals": [15], "factor": [3.0]})
    traffic = build_traffic(network.segments, 1.0, rng).with_incidents(incidents)
    factor = traffic.incident_factor(np.array([1, 1, 1, 2]), np.array([99, 100, 114, 105]))
    assert factor.tolist() == [1.0, 3.0, 3.0, 1.0]
    assert len(draw_incidents(10, 0, INTERVALS_PER_WEEK, 2.0, rng)) > 0


@pytest.mark.parametrize("chunk", [1, 7, 10_000])
def test_overlapping_incidents_keep_the_worst_factor_per_cell_whatever_the_chunk(monkeypatch, chunk):
    from cases.eta import traffic as traffic_module

    rng = np.random.default_rng(chunk)
    k = 80  # incidents on 6 segments over 60 intervals: many overlaps, some of zero length
    incidents = pd.DataFrame(
        {
            "segment_id": rng.integers(0, 6, k),
            "start_interval": rng.integers(0, 60, k),
            "n_intervals": rng.integers(0, 9, k),
            "factor": rng.choice([1.5, 2.0, 3.0], k),
        }
    )
    # The expected cells, one incident at a time: each covered (segment, interval), its largest factor.
    cells = pd.DataFrame(
        [(s * (1 << 32) + t0 + i, f) for s, t0, n, f in incidents.itertuples(index=False) for i in range(n)],
        columns=["key", "factor"],
    )
    want = cells.groupby("key")["factor"].max()
    monkeypatch.setattr(traffic_module, "_CELLS_PER_CHUNK", chunk)
    keys, factors = traffic_module._incident_cells(incidents)
    np.testing.assert_array_equal(keys, want.index.to_numpy())
    np.testing.assert_array_equal(factors, want.to_numpy())


# --------------------------------------------------------------------------- real-data loader


def test_sample_loads_in_the_documented_format():
    loaded = load_records(SAMPLE)
    assert list(loaded.records.columns) == ["segment_id", "interval_index", "car_count", "avg_speed_kmh"]
    assert len(loaded.records) > 10_000
    assert loaded.segments["segment_id"].tolist() == list(range(len(loaded.segments)))
    assert loaded.source_segment_ids.min() >= 1000  # relabelled from the file's own ids
    assert loaded.start.day_of_week == 0 and loaded.start == loaded.start.normalize()
    clean, report = clean_records(loaded.records, len(loaded.segments))
    assert report["unknown_segment"] == 0
    assert 0 < sum(report.values()) < 0.01 * len(loaded.records)
    assert load_records(SAMPLE / "records.parquet").records.equals(loaded.records)


def test_all_steps_run_on_the_sample(make_context):
    outputs = run_steps(case, make_context(data_path=SAMPLE))
    records = outputs.records
    assert records["data"].summary["source"] == "real"
    assert records["data"].synthetic is False
    data = outputs.get(EtaData)
    assert data.synthetic is False and data.traffic is None
    with pytest.raises(ValueError, match="no generator"):
        data.world()
    ladder = records["models"]
    # Real data has no generator truth: no oracle (the test labels would be a perfect model, not a bound).
    assert ladder.oracle is None and "oracle" not in ladder.models and "oracle" not in ladder.notes
    assert "no generator truth" in records["data"].summary["oracle"]
    assert list(ladder.models) == [m.name for m in case.design.models.ladder if m.role != "oracle"]
    assert "oracle" not in outputs.get(EtaModels).fitted
    # Guardrails are measured on real data too; the A/B plan is sized but not simulated (no generator).
    assert set(records["deployment"].guardrails.values) == {"backend_p99_ms", "below_free_flow_share"}
    plan = records["testing"].ab_plan
    assert plan.simulated_per_arm is None and plan.per_arm >= 1 and plan.days >= 7
    assert records["testing"].ab_test["simulation"].startswith("There is no simulation")
    assert records["deployment"].extra["max_abs_diff_vs_offline_s"] < 1e-6
    assert records["monitoring"].extra["recent_period"].startswith("bootstrap of the test window")


def _write_csv(folder: Path, records: str, segments: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "records.csv").write_text(records)
    if segments is None:
        segments = (SAMPLE / "segments.csv").read_text()
    (folder / "segments.csv").write_text(segments)
    return folder / "records.csv"


GOOD_ROW = "1000,2024-03-04 08:00:00,3,42.5\n"
HEADER = "segment_id,timestamp,car_count,avg_speed_kmh\n"


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ("", "file is empty"),
        (HEADER, "no data rows"),
        ("segment_id,timestamp,car_count\n1000,2024-03-04 08:00:00,3\n", "no avg_speed_kmh column"),
        (HEADER + GOOD_ROW + "1001,2024-03-04 08:02:00,2,fast\n", "column avg_speed_kmh, data row 2 is not a number"),
        (HEADER + GOOD_ROW + "1001,yesterday,2,40\n", "column timestamp, data row 2 is not ISO-8601"),
        (HEADER + GOOD_ROW + "1001,2024-03-04 08:02:00,2,40,7,7\n", "malformed row"),
    ],
)
def test_bad_records_file_raises_bad_input(tmp_path, records, message):
    path = _write_csv(tmp_path / "bad", records)
    with pytest.raises(BadInput) as err:
        load_records(path)
    text = str(err.value)
    assert message in text
    assert "records.csv" in text and "\n" not in text


def test_missing_or_unreadable_paths_raise_bad_input(tmp_path):
    with pytest.raises(BadInput, match="not found"):
        load_records(tmp_path / "nope.csv")
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(BadInput, match="records.parquet"):
        load_records(tmp_path / "empty_dir")
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    (lonely / "records.csv").write_text(HEADER + GOOD_ROW)
    with pytest.raises(BadInput, match="segments.csv: file not found"):
        load_records(lonely)
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "records.parquet").write_bytes(b"not parquet at all")
    (garbage / "segments.csv").write_text((SAMPLE / "segments.csv").read_text())
    with pytest.raises(BadInput, match="records.parquet: cannot be read"):
        load_records(garbage)


def test_bad_segment_table_raises_bad_input(tmp_path):
    segments = (SAMPLE / "segments.csv").read_text().replace("arterial", "dirt_track", 1)
    path = _write_csv(tmp_path / "seg", HEADER + GOOD_ROW, segments)
    with pytest.raises(BadInput, match="column road_class, data row 1 is 'dirt_track'"):
        load_records(path)


def test_unix_second_timestamps_load_like_iso_strings(tmp_path):
    iso = _write_csv(tmp_path / "iso", HEADER + GOOD_ROW + "1001,2024-03-05 17:32:00,2,40\n")
    epoch = pd.Timestamp("1970-01-01")
    stamps = [(pd.Timestamp(t) - epoch) // pd.Timedelta(seconds=1) for t in ("2024-03-04 08:00", "2024-03-05 17:32")]
    unix = _write_csv(tmp_path / "unix", HEADER + f"1000,{stamps[0]},3,42.5\n1001,{stamps[1]},2,40\n")
    a, b = load_records(iso), load_records(unix)
    pd.testing.assert_frame_equal(a.records, b.records)
    assert a.records["interval_index"].tolist() == [8 * 30, INTERVALS_PER_DAY + 17 * 30 + 16]
