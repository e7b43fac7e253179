"""ETA real-data layouts: probe records through the shared loader, sensor speed tables, short data, the speed floor.

Every sample runs end to end through the command line; every malformed variant is one ``error:`` line,
exit 2 and no output folder.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cases.eta import case
from cases.eta.columns import split_columns
from cases.eta.features import HistoryFeatures
from cases.eta.loader import load_records
from cases.eta.network import build_network
from cases.eta.traffic import INTERVALS_PER_DAY
from framework.cli import invoke, make_case_app
from framework.errors import BadInput

DATA = Path(__file__).resolve().parents[2] / "data"
SENSORS = DATA / "eta_sensors"
COORDS = DATA / "eta_sensors_coords"
PROBES = DATA / "eta_sample"


def run_cli(args: list[str], capsys) -> tuple[int, list[str], list[str]]:
    """Run the case at small scale; the exit code, stdout lines and non-empty stderr lines."""
    code = invoke(make_case_app(case), ["run", "--scale", "small", "--quiet", *args])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), [line for line in captured.err.splitlines() if line.strip()]


def refused(folder: Path, tmp_path: Path, capsys, *needles: str, extra: tuple[str, ...] = ()) -> str:
    """Run on a bad folder: exit 2, one ``error:`` line holding ``needles``, nothing written."""
    out = tmp_path / "out"
    code, _, err = run_cli(["--data", str(folder), "--out", str(out), *extra], capsys)
    assert code == 2 and len(err) == 1 and err[0].startswith("error: "), err
    for needle in needles:
        assert needle in err[0], err
    assert not out.exists()
    return err[0]


def speeds_frame() -> pd.DataFrame:
    return pd.read_csv(SENSORS / "speeds.csv.gz", dtype=str, keep_default_na=False)


def sensor_folder(tmp_path: Path, speeds: pd.DataFrame, graph: str | None = "distances.csv") -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    with gzip.open(folder / "speeds.csv.gz", "wt") as fh:
        speeds.to_csv(fh, index=False)
    if graph:
        shutil.copy(SENSORS / graph, folder / graph)
    return folder


# ----------------------------------------------------------------------------- the samples


def test_sensor_sample_with_distances_runs_on_time_of_week_history(tmp_path, capsys):
    code, out, err = run_cli(["--data", str(SENSORS), "--out", str(tmp_path / "o")], capsys)
    assert code == 0, err
    assert "columns: timestamp=timestamp, speeds=20 sensor columns (mph)" in out
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    data = metrics["data"]
    assert data["layout"] == "sensor speeds" and data["sensors"] == 20 and data["reading_interval_min"] == 5.0
    assert data["history"].startswith("time of week") and "oracle" not in metrics["models"]
    assert "nearest sensors by distances.csv" in data["sensor_graph"]
    assert data["rows_dropped"]["non_positive_speed"] > 0  # the detectors' zeros for a missing reading
    for name, numbers in metrics["models"].items():
        assert numbers["segment_speed_mae_mph"] > 0, name
    hist = metrics["models"]["historical_mean"]["segment_speed_mae_mph"]
    assert hist < metrics["models"]["free_flow"]["segment_speed_mae_mph"]


def test_sensor_sample_with_coordinates_falls_back_to_time_of_day(tmp_path, capsys):
    code, out, err = run_cli(["--data", str(COORDS), "--out", str(tmp_path / "o")], capsys)
    assert code == 0, err
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert metrics["data"]["history"].startswith("time of day") and "great-circle" in metrics["data"]["sensor_graph"]
    assert "time of day" in (tmp_path / "o" / "report.md").read_text()


def test_speed_unit_kmh_reports_kmh(tmp_path, capsys):
    args = ["--data", str(COORDS), "--set", "speed_unit=kmh", "--out", str(tmp_path / "o")]
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    models = json.loads((tmp_path / "o" / "metrics.json").read_text())["models"]
    assert all("segment_speed_mae_kmh" in m for m in models.values())


def test_time_of_day_tables_repeat_every_day():
    loaded = load_records(PROBES)
    network = build_network(loaded.segments)
    from cases.eta.data import add_derived, clean_records

    clean, _ = clean_records(loaded.records, network.n_segments)
    train = add_derived(clean, network.segments)
    train = train[train["interval_index"] < 3 * INTERVALS_PER_DAY]
    history = HistoryFeatures().fit(train, network.segments, period=INTERVALS_PER_DAY)
    table = history.key_table()
    day = INTERVALS_PER_DAY
    np.testing.assert_array_equal(table[:, :day], table[:, 3 * day : 4 * day])
    assert history.n_weeks_ == 3  # folded by day


# ----------------------------------------------------------------------------- malformed sensor data


def test_sensor_column_missing_from_the_distance_list(tmp_path, capsys):
    speeds = speeds_frame().assign(**{"499999": "60.0"})
    refused(sensor_folder(tmp_path, speeds), tmp_path, capsys, "speeds.csv.gz", "'499999'", "distances.csv")


def test_sensor_column_missing_from_the_sensor_list(tmp_path, capsys):
    folder = tmp_path / "data"
    shutil.copytree(COORDS, folder)
    sensors = pd.read_csv(folder / "sensors.csv").iloc[1:]
    sensors.to_csv(folder / "sensors.csv", index=False)
    refused(folder, tmp_path, capsys, "speeds.parquet", "'400001'", "sensors.csv")


def test_non_numeric_speed_names_line_column_and_value(tmp_path, capsys):
    speeds = speeds_frame()
    speeds.loc[4, "400003"] = "fast"
    refused(sensor_folder(tmp_path, speeds), tmp_path, capsys, "'400003'", "data row 5", "line 6", "'fast'")


def test_unparseable_timestamp_names_line_and_value(tmp_path, capsys):
    speeds = speeds_frame()
    speeds.loc[7, "timestamp"] = "yesterday"
    refused(sensor_folder(tmp_path, speeds), tmp_path, capsys, "timestamp", "data row 8", "line 9", "'yesterday'")


def test_less_than_a_day_names_the_minimum(tmp_path, capsys):
    speeds = speeds_frame().iloc[: 12 * 12]  # 12 hours of 5-minute readings
    refused(sensor_folder(tmp_path, speeds), tmp_path, capsys, "0.5 days", "at least 1.9", "time-of-day")


def test_no_distance_or_coordinate_file(tmp_path, capsys):
    refused(sensor_folder(tmp_path, speeds_frame(), graph=None), tmp_path, capsys, "distances.csv", "sensors.csv")


def test_negative_distance_is_refused(tmp_path, capsys):
    folder = sensor_folder(tmp_path, speeds_frame())
    text = (folder / "distances.csv").read_text().replace("400001,400002,", "400001,400002,-", 1)
    (folder / "distances.csv").write_text(text)
    refused(folder, tmp_path, capsys, "distances.csv", "cost (distance_m)", ">= 0")


def test_folder_with_neither_layout(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    refused(tmp_path / "data", tmp_path, capsys, "records.csv", "speeds")


# ----------------------------------------------------------------------------- --columns over two tables


def test_columns_split_by_table_and_unknown_role_lists_both():
    split = split_columns({"segment_id": "link", "records.car_count": "n", "distance_km": "len"}, "probe records")
    assert split == {
        "records": {"segment_id": "link", "car_count": "n"},
        "segments": {"segment_id": "link", "distance_km": "len"},
    }
    with pytest.raises(BadInput) as info:
        split_columns({"user": "x"}, "probe records")
    assert "records: segment_id" in str(info.value) and "segments: segment_id, from_node" in str(info.value)


def test_columns_maps_an_unknown_header_and_is_recorded(tmp_path, capsys):
    folder = tmp_path / "data"
    folder.mkdir()
    records = pd.read_parquet(PROBES / "records.parquet").rename(columns={"car_count": "probes", "segment_id": "link"})
    records.assign(note="x").to_csv(folder / "records.csv", index=False)
    shutil.copy(PROBES / "segments.csv", folder / "segments.csv")
    args = [
        "--data",
        str(folder),
        "--columns",
        "car_count=probes,records.segment_id=link",
        "--out",
        str(tmp_path / "o"),
    ]
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    assert any(line.startswith("columns: segment_id=link") for line in out), out
    data = json.loads((tmp_path / "o" / "metrics.json").read_text())["data"]
    assert data["ignored_columns"] == ["note"]
    assert data["columns"]["car_count"] == "probes" and data["segments_columns"]["segment_id"] == "segment_id"


def test_unknown_columns_role_is_one_line(tmp_path, capsys):
    refused(PROBES, tmp_path, capsys, "'user'", "records:", "segments:", extra=("--columns", "user=x"))


# ----------------------------------------------------------------------------- the speed floor


def test_stopped_vehicles_are_dropped_so_free_flow_does_not_win(tmp_path, capsys):
    records = pd.read_parquet(PROBES / "records.parquet")
    rng = np.random.default_rng(3)
    stopped = rng.random(len(records)) < 0.18
    records.loc[stopped, "avg_speed_kmh"] = rng.uniform(0.5, 4.9, int(stopped.sum())).round(1)
    folder = tmp_path / "data"
    folder.mkdir()
    records.to_parquet(folder / "records.parquet")
    shutil.copy(PROBES / "segments.csv", folder / "segments.csv")
    code, _, err = run_cli(["--data", str(folder), "--out", str(tmp_path / "o")], capsys)
    assert code == 0, err
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert metrics["data"]["rows_dropped"]["below_min_speed"] >= int(stopped.sum())
    assert metrics["best_model"] != "free_flow"
    assert metrics["models"]["historical_mean"]["trip_mae_s"] < metrics["models"]["free_flow"]["trip_mae_s"]
    # Without the floor the crawling records dominate every averaged time: free flow beats the history tables.
    args = ["--data", str(folder), "--set", "min_speed_kmh=0", "--out", str(tmp_path / "nofloor")]
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    models = json.loads((tmp_path / "nofloor" / "metrics.json").read_text())["models"]
    assert models["free_flow"]["segment_mae_s"] < models["historical_mean"]["segment_mae_s"]
