"""Every --data format of every case as frames built from the shipped samples, and the writers of each layout."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[2] / "data"


@dataclass(frozen=True)
class Layout:
    """One case's real-data layout.

    Attributes:
        frames: table name -> the sample's rows (strings or typed, as the sample is).
        formats: file formats the loader documents.
        time_columns: table name -> its timestamp column.
        id_columns: table name -> columns naming entities (for single-entity mutations).
        label: (table, column) of a class label, if any.
        write: writes the tables in a format under a folder and returns the ``--data`` path.
    """

    frames: Callable[[], dict[str, pd.DataFrame]]
    formats: tuple[str, ...]
    time_columns: dict[str, str]
    id_columns: dict[str, tuple[str, ...]]
    label: tuple[str, str] | None
    write: Callable[[dict[str, pd.DataFrame], str, Path], Path]


def _write_table(frame: pd.DataFrame, path: Path, fmt: str, **csv_kwargs) -> Path:
    if fmt == "parquet":
        path = path.with_suffix(".parquet")
        # A mutated column may mix numbers and strings, which Parquet cannot type: store it as text.
        mixed = [c for c in frame.columns if frame[c].dtype == object]
        frame.astype({c: str for c in mixed}).to_parquet(path, index=False)
    elif fmt == "csv.gz":
        path = path.with_suffix(".csv.gz")
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            frame.to_csv(fh, index=False, **csv_kwargs)
    else:
        path = path.with_suffix(".csv")
        frame.to_csv(path, index=False, **csv_kwargs)
    return path


@cache
def _eta_frames() -> dict[str, pd.DataFrame]:
    records = pd.read_parquet(DATA / "eta_sample" / "records.parquet")
    return {"records": records, "segments": pd.read_csv(DATA / "eta_sample" / "segments.csv")}


def _eta_write(frames: dict[str, pd.DataFrame], fmt: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if "segments" in frames:
        frames["segments"].to_csv(folder / "segments.csv", index=False)
    _write_table(frames["records"], folder / "records", fmt)
    return folder


@cache
def _rec_frames() -> dict[str, pd.DataFrame]:
    names = ["user_id", "item_id", "rating", "timestamp"]
    return {"ratings": pd.read_csv(DATA / "recommendation_sample.data", sep="\t", header=None, names=names)}


def _rec_write(frames: dict[str, pd.DataFrame], fmt: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "udata":
        path = folder / "u.data"
        frames["ratings"].to_csv(path, sep="\t", header=False, index=False)
        return path
    if fmt == "dat":  # MovieLens-1M/10M ratings.dat: '::'-separated, no header
        path = folder / "ratings.dat"
        path.write_text(frames["ratings"].to_csv(sep="\t", header=False, index=False).replace("\t", "::"))
        return path
    return _write_table(frames["ratings"], folder / "ratings", fmt)


@cache
def _fraud_frames() -> dict[str, pd.DataFrame]:
    return {"tx": pd.read_csv(DATA / "fraud_sample.csv")}


def _fraud_write(frames: dict[str, pd.DataFrame], fmt: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return _write_table(frames["tx"], folder / "transactions", fmt)


@cache
def _sensor_frames() -> dict[str, pd.DataFrame]:
    folder = DATA / "eta_sensors_coords"
    speeds = pd.read_parquet(folder / "speeds.parquet").reset_index()
    return {"speeds": speeds, "sensors": pd.read_csv(folder / "sensors.csv")}


def _sensor_write(frames: dict[str, pd.DataFrame], fmt: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    _write_table(frames["speeds"], folder / "speeds", fmt)
    frames["sensors"].to_csv(folder / "sensors.csv", index=False)
    return folder


@cache
def _anonymous_frames() -> dict[str, pd.DataFrame]:
    return {"tx": pd.read_csv(DATA / "fraud_anonymous.csv")}


# Key: the case, or ``case-layout`` for a case's second layout (the test runs the case before the dash).
LAYOUTS: dict[str, Layout] = {
    "eta": Layout(
        frames=_eta_frames,
        formats=("csv", "parquet", "csv.gz"),
        time_columns={"records": "timestamp"},
        id_columns={"records": ("segment_id",), "segments": ("segment_id", "from_node")},
        label=None,
        write=_eta_write,
    ),
    "recommendation": Layout(
        frames=_rec_frames,
        formats=("udata", "csv", "dat", "csv.gz", "parquet"),
        time_columns={"ratings": "timestamp"},
        id_columns={"ratings": ("user_id", "item_id")},
        label=None,
        write=_rec_write,
    ),
    "eta-sensors": Layout(
        frames=_sensor_frames,
        formats=("csv", "parquet", "csv.gz"),
        time_columns={"speeds": "timestamp"},
        id_columns={"sensors": ("sensor_id",)},
        label=None,
        write=_sensor_write,
    ),
    "fraud-anonymous": Layout(
        frames=_anonymous_frames,
        formats=("csv", "parquet", "csv.gz"),
        time_columns={"tx": "Time"},
        id_columns={},
        label=("tx", "Class"),
        write=_fraud_write,
    ),
    "fraud": Layout(
        frames=_fraud_frames,
        formats=("csv", "parquet", "csv.gz"),
        time_columns={"tx": "timestamp"},
        id_columns={"tx": ("customer_id", "terminal_id", "transaction_id")},
        label=("tx", "is_fraud"),
        write=_fraud_write,
    ),
}


def epoch_seconds(values: pd.Series) -> np.ndarray:
    """A timestamp column (datetimes, ISO strings or numbers, possibly mutated already) as float Unix seconds.

    Cells that are neither become a plausible time, so a second mutation still has numbers to work on.
    """
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().mean() > 0.5:
        seconds = numbers.to_numpy(dtype=np.float64)
    else:
        try:
            stamps = pd.to_datetime(values.astype(str), errors="coerce", format="ISO8601")
            seconds = (stamps - pd.Timestamp(0)).dt.total_seconds().to_numpy(dtype=np.float64)
        except (ValueError, OverflowError):  # year 1000 or 9999 from an earlier mutation
            seconds = np.full(len(values), np.nan)
    return np.where(np.isfinite(seconds) & (np.abs(seconds) < 4e12), seconds, 1.7e9)
