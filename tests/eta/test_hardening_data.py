"""ETA hardening of the data path: the real-data loader, the run-time guards and the whole command line.

Every bad file must end as one short ``BadInput`` line naming the file, the column or the row;
most tests call the loader and the guards directly so the suite stays fast.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cases.eta import case
from cases.eta.config import MEMORY_MODEL
from cases.eta.data import add_derived, clean_records, split_by_time
from cases.eta.features import HistoryFeatures
from cases.eta.guards import check_history, cleaning_warnings, real_split
from cases.eta.loader import load_records, load_segments
from cases.eta.network import build_network
from cases.eta.tables import check_fits_memory
from cases.eta.traffic import INTERVALS_PER_DAY, INTERVALS_PER_WEEK
from framework.cli import invoke, make_case_app
from framework.errors import BadInput
from framework.tabular import shown_path

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "eta_sample"
MAX_LINE = 200

# ----------------------------------------------------------------------------- loader


@pytest.fixture(scope="module")
def sample() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sample's records and segments, as read from disk."""
    return pd.read_parquet(SAMPLE / "records.parquet"), pd.read_csv(SAMPLE / "segments.csv")


def write(folder: Path, records: pd.DataFrame | str | bytes, segments: pd.DataFrame | str | None = None) -> Path:
    """A data folder with ``records.csv`` (or the given raw text/bytes) and ``segments.csv``."""
    folder.mkdir(parents=True, exist_ok=True)
    segments = pd.read_csv(SAMPLE / "segments.csv") if segments is None else segments
    if isinstance(segments, str):
        (folder / "segments.csv").write_text(segments)
    else:
        segments.to_csv(folder / "segments.csv", index=False)
    target = folder / "records.csv"
    if isinstance(records, bytes):
        target.write_bytes(records)
    elif isinstance(records, str):
        target.write_text(records)
    else:
        records.to_csv(target, index=False)
    return folder


def load_refused(folder: Path, *needles: str) -> str:
    """Load a data folder that must be refused; check the message is one short line with ``needles``."""
    with pytest.raises(BadInput) as info:
        load_records(folder)
    message = str(info.value)
    assert "\n" not in message and len(message) <= MAX_LINE, message
    for needle in needles:
        assert needle in message, message
    return message


def head(records: pd.DataFrame, n: int = 50) -> pd.DataFrame:
    return records.head(n).copy()


@pytest.mark.parametrize(
    ("column", "value", "needles"),
    [
        ("segment_id", "abc", ("segment_id", "data row 4", "'abc'")),
        ("car_count", "x" * 100_000, ("car_count", "data row 4", "characters")),
        ("avg_speed_kmh", "fast", ("avg_speed_kmh", "data row 4")),
        ("segment_id", 1.5, ("segment_id", "whole number")),
        ("segment_id", 1e30, ("segment_id", "whole number")),
        ("timestamp", "2024-13-45 99:00:00", ("timestamp", "data row 4", "ISO-8601")),
        ("timestamp", True, ("timestamp", "data row 4", "ISO-8601")),
        ("timestamp", "2" * 300, ("timestamp", "characters")),
        ("timestamp", "x" * 1_000_000, ("timestamp", "characters")),
        ("timestamp", "9999-01-01 00:00:00", ("records.csv", "after 2100")),
        ("timestamp", "1000-01-01 00:00:00", ("records.csv", "1970")),
        ("timestamp", "1999-01-01 00:00:00", ("records.csv", "52 weeks")),
    ],
)
def test_bad_record_cell_names_the_column_and_row(tmp_path, sample, column, value, needles):
    records = head(sample[0]).astype({column: object})
    records.loc[3, column] = value
    load_refused(write(tmp_path, records), *needles)


@pytest.mark.parametrize(
    ("scale", "needle"),
    [(1, ""), (1000, "milliseconds"), (1_000_000, "microseconds"), (-1, "1970-2100")],
)
def test_unix_seconds_are_accepted_and_milliseconds_are_named(tmp_path, sample, scale, needle):
    records = head(sample[0])
    seconds = (records["timestamp"] - pd.Timestamp("1970-01-01")).dt.total_seconds().astype(np.int64)
    records["timestamp"] = seconds * scale
    folder = write(tmp_path, records)
    if scale == 1:
        assert load_records(folder).start == pd.Timestamp("2024-03-04")
    else:
        load_refused(folder, "records.csv", needle)


def test_integer_overflowing_timestamp_is_bad_input(tmp_path, sample):
    records = head(sample[0])
    seconds = (records["timestamp"] - pd.Timestamp("1970-01-01")).dt.total_seconds().astype(np.int64).astype(object)
    seconds.iloc[3] = 2**64 + 7
    records["timestamp"] = seconds
    load_refused(write(tmp_path, records), "records.csv", "1970-2100")


def test_mixed_utc_offsets_are_bad_input(tmp_path, sample):
    records = head(sample[0])
    text = records["timestamp"].astype(str)
    records["timestamp"] = np.where(np.arange(len(text)) % 2, text + "+01:00", text + "+02:00")
    load_refused(write(tmp_path, records), "timestamp", "offset")


@pytest.mark.parametrize("column", ["segment_id", "timestamp", "car_count", "avg_speed_kmh"])
def test_dropped_column_is_named_and_other_case_is_matched(tmp_path, sample, column):
    with pytest.raises(BadInput) as info:  # the framework's message: one line, naming the aliases tried
        load_records(write(tmp_path / "drop", head(sample[0]).drop(columns=column)))
    assert "\n" not in str(info.value) and f"no {column} column" in str(info.value) and "--columns" in str(info.value)
    # Column names are matched case-insensitively through the framework's alias table.
    renamed = head(sample[0]).rename(columns={column: column.upper()})
    loaded = load_records(write(tmp_path / "rename", renamed))
    assert loaded.reading["columns"][column] == column.upper()


def test_extra_columns_and_odd_car_counts_load_with_warnings(tmp_path, sample):
    records = head(sample[0]).assign(extra=1).astype({"car_count": float})
    records.loc[[3, 4], "car_count"] = [2.5, 1e300]
    loaded = load_records(write(tmp_path, records))
    assert len(loaded.records) == len(records) - 2
    assert loaded.dropped == {"implausible_car_count": 2}
    assert loaded.reading["ignored_columns"] == ["extra"]
    assert any("car_count" in w and "data row 4" in w for w in loaded.warnings)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        (b"segment_id,timestamp,car_count,avg_speed_kmh\n", "no data rows"),
        (b"\x00\x00\x00binary", "NUL"),
        (b"segment_id,timestamp,car_count,avg_speed_kmh\n1000,2024-03-04 00:00:00,1,caf\xe9\n", "UTF-8"),
        (b"segment_id,timestamp,car_count,avg_speed_kmh\n1,2,3,4,5,6,7\n1,2,3,4\n", "malformed row"),
    ],
)
def test_malformed_records_file_is_one_line(tmp_path, content, needle):
    load_refused(write(tmp_path, content), "records.csv", needle)


def test_truncated_gzip_is_bad_input(tmp_path, sample):
    folder = write(tmp_path, head(sample[0], 5000))
    packed = gzip.compress((folder / "records.csv").read_bytes())
    (folder / "records.csv").unlink()
    (folder / "records.csv.gz").write_bytes(packed[: len(packed) // 2])
    load_refused(folder, "records.csv.gz", "truncated")


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_corrupt_parquet_is_bad_input(tmp_path, damage):
    data = (SAMPLE / "records.parquet").read_bytes()
    folder = write(tmp_path, "unused")
    (folder / "records.csv").unlink()
    broken = data[: len(data) // 2] if damage == "truncate" else b"PAR1" + bytes(5000)
    (folder / "records.parquet").write_bytes(broken)
    load_refused(folder, "records.parquet", "Parquet")


@pytest.mark.parametrize(
    ("column", "value", "needle"),
    [
        ("distance_km", 1e300, "<= 1000"),
        ("distance_km", 0, "> 0"),
        ("distance_km", -1, "> 0"),
        ("free_flow_kmh", 1e9, "<= 200"),
        ("free_flow_kmh", float("inf"), "<= 200"),
        ("speed_limit_kmh", 500, "<= 200"),
        ("from_node", 1.5, "whole number"),
        ("segment_id", None, "is empty"),
        ("road_class", "motorway", "highway"),
        ("road_class", "x" * 100_000, "characters"),
    ],
)
def test_implausible_segment_names_column_and_row(tmp_path, sample, column, value, needle):
    segments = sample[1].astype({column: object})
    segments.loc[3, column] = value
    with pytest.raises(BadInput) as info:
        load_segments(write(tmp_path, "x", segments) / "segments.csv")
    message = str(info.value)
    assert len(message) <= MAX_LINE and "segments.csv" in message and column in message and needle in message


def test_duplicate_segment_is_named(tmp_path, sample):
    segments = pd.concat([sample[1], sample[1].iloc[:1]])
    with pytest.raises(BadInput, match="1000 appears again"):
        load_segments(write(tmp_path, "x", segments) / "segments.csv")


def test_long_path_keeps_the_file_name():
    long = Path("/" + "d" * 300) / "records.csv"
    assert shown_path(long).endswith("records.csv") and len(shown_path(long)) <= 80


def test_memory_guard_for_real_data():
    with pytest.raises(BadInput, match="smaller extract"):
        check_fits_memory(SAMPLE / "records.parquet", 24, available=MEMORY_MODEL["base"] // 2)
    check_fits_memory(SAMPLE / "records.parquet", 24, available=2**40)


# ----------------------------------------------------------------------------- run-time guards


def cleaned(records: pd.DataFrame, folder: Path) -> tuple[pd.DataFrame, dict[str, int], pd.DataFrame]:
    loaded = load_records(write(folder, records))
    clean, dropped = clean_records(loaded.records, len(loaded.segments))
    return clean, dropped, loaded.segments


@pytest.mark.parametrize(
    ("days", "period"),
    [(1, None), (3, INTERVALS_PER_DAY), (8.5, INTERVALS_PER_DAY), (9, INTERVALS_PER_DAY), (14, INTERVALS_PER_WEEK)],
)
def test_short_data_falls_back_to_time_of_day_and_names_the_minimum(tmp_path, sample, days, period):
    records = sample[0][sample[0]["timestamp"] < pd.Timestamp("2024-03-04") + pd.Timedelta(days=days)]
    clean, dropped, _ = cleaned(records, tmp_path)
    if period is None:
        with pytest.raises(BadInput) as info:
            real_split(clean, dropped, 0.8, "data")
        assert f"span {days:.1f} days" in str(info.value) and "at least 1.9" in str(info.value)
        return
    first, cut, end, got = real_split(clean, dropped, 0.8, "data")
    assert got == period and end - cut >= INTERVALS_PER_DAY // 4


def test_nothing_left_after_cleaning_names_the_reasons(tmp_path, sample):
    records = head(sample[0]).assign(segment_id=123456)
    clean, dropped, _ = cleaned(records, tmp_path)
    with pytest.raises(BadInput, match="unknown_segment"):
        real_split(clean, dropped, 0.8, "data")
    assert any("segments.csv does not list" in w for w in cleaning_warnings(dropped, len(records)))


def test_one_week_of_training_history_is_bad_input(tmp_path, sample):
    records = sample[0][sample[0]["timestamp"] < pd.Timestamp("2024-03-11")]
    clean, _, segments = cleaned(records, tmp_path)
    network = build_network(segments)
    train, _ = split_by_time(add_derived(clean, network.segments), INTERVALS_PER_WEEK)
    history = HistoryFeatures().fit(train, network.segments)
    with pytest.raises(BadInput, match="2 or more: raise weeks"):
        check_history(history)
    with pytest.raises(BadInput, match="pass data covering more weeks"):
        check_history(history, tmp_path)


# ----------------------------------------------------------------------------- whole command line


def run_cli(args: list[str], capsys) -> tuple[int, list[str]]:
    code = invoke(make_case_app(case), ["run", "--scale", "small", "--quiet", *args])
    return code, [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def test_cli_short_data_is_one_line_exit_2(tmp_path, sample, capsys):
    records = sample[0][sample[0]["timestamp"] < pd.Timestamp("2024-03-04 12:00")]
    folder = write(tmp_path / "data", records)
    code, lines = run_cli(["--data", str(folder), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and len(lines) == 1 and "0.5 days" in lines[0] and "time-of-day" in lines[0], lines
    assert not (tmp_path / "out").exists()


def test_cli_three_days_run_on_time_of_day_history(tmp_path, sample, capsys):
    # Before the fallback, data this short was refused (and earlier still crashed in the history features).
    records = sample[0][sample[0]["timestamp"] < pd.Timestamp("2024-03-07")]
    folder = write(tmp_path / "data", records)
    code, lines = run_cli(["--data", str(folder), "--out", str(tmp_path / "out")], capsys)
    assert code == 0, lines
    data = json.loads((tmp_path / "out" / "metrics.json").read_text())["data"]
    assert data["history"].startswith("time of day") and "oracle" not in data.get("models", {})
    assert "time of day" in (tmp_path / "out" / "report.md").read_text()


@pytest.mark.parametrize(("override", "key"), [("weeks=1", "weeks"), ("train_fraction=1e-09", "train_fraction")])
def test_cli_bad_config_is_one_line_exit_2(tmp_path, capsys, override, key):
    code, lines = run_cli(["--set", override, "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and len(lines) == 1 and key in lines[0], lines
    assert not (tmp_path / "out").exists()


def test_cli_real_data_is_not_bound_by_the_generators_weeks(tmp_path, capsys):
    # weeks is a generator knob: with --data only the data's own span decides.
    args = ["--data", str(SAMPLE), "--set", "weeks=2", "--set", "train_fraction=0.7", "--out", str(tmp_path / "o")]
    code, lines = run_cli(args, capsys)
    assert code == 0 and not lines, lines
    assert (tmp_path / "o" / "metrics.json").is_file()
