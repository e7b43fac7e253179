"""Real-data loader for ETA probe records; every problem becomes a one-line ``BadInput``.

Format (``--data PATH``; PATH is a folder or its records file):

- ``records.parquet`` or ``records.csv`` (``.csv.gz`` too), one row per road segment
  and 2-minute interval in which at least one probe car drove it (intervals without
  cars are absent rows):

  =================  ==============================================================
  ``segment_id``     integer id of the segment (a row of ``segments.csv``)
  ``timestamp``      start of the 2-minute interval: ISO-8601 local wall-clock time
                     (``2024-03-04 08:02:00``) or integer Unix seconds
  ``car_count``      probe cars that traversed the segment in the interval (>= 1)
  ``avg_speed_kmh``  their average speed in km/h
  =================  ==============================================================

- ``segments.csv`` next to it, one row per directed segment:
  ``segment_id,from_node,to_node,distance_km,speed_limit_kmh,free_flow_kmh,road_class``
  with ``road_class`` one of ``highway``, ``arterial``, ``local``.

Segment and node ids may be any integers; they are relabelled ``0..n-1`` in sorted
order. Interval 0 starts at the Monday 00:00 on or before the earliest timestamp, so
``interval_index % 5040`` is the interval within the week. Null or out-of-range values
in the records are left for :func:`cases.eta.data.clean_records` to drop and count;
structural problems (missing, unreadable or empty file, missing column, non-numeric
value, unparseable timestamp) raise :class:`framework.errors.BadInput`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cases.eta.network import ROAD_CLASSES, SEGMENT_COLUMNS
from framework.errors import BadInput

RECORD_FILE_COLUMNS: tuple[str, ...] = ("segment_id", "timestamp", "car_count", "avg_speed_kmh")
RECORD_FILES: tuple[str, ...] = ("records.parquet", "records.csv", "records.csv.gz")
SEGMENT_FILE = "segments.csv"


@dataclass
class LoadedData:
    """Raw records and the segment table of a real data set, ids relabelled.

    Attributes:
        records: ``segment_id`` (-1 for ids missing from the segment table, NaN for nulls),
            ``interval_index``, ``car_count``, ``avg_speed_kmh``; not yet cleaned.
        segments: the segment table with ids ``0..S-1`` and nodes ``0..N-1``.
        start: the timestamp of interval 0 (a Monday, 00:00).
        source_segment_ids: original id of each relabelled segment.
    """

    records: pd.DataFrame
    segments: pd.DataFrame
    start: pd.Timestamp
    source_segment_ids: np.ndarray


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _read_table(path: Path) -> pd.DataFrame:
    """Read a CSV or Parquet file, turning every failure into a one-line BadInput."""
    if not path.is_file():
        raise BadInput(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise BadInput(f"{path}: file is empty")
    try:
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise BadInput(f"{path}: file is empty") from None
    except Exception as exc:  # parsers raise many types; the user needs the file and the reason
        raise BadInput(f"{path}: cannot be read ({_one_line(exc)})") from None
    if frame.empty:
        raise BadInput(f"{path}: file has no data rows")
    return frame


def _require_columns(frame: pd.DataFrame, path: Path, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise BadInput(f"{path}: missing column(s) {', '.join(missing)} (expected {','.join(columns)})")


def _numeric(frame: pd.DataFrame, column: str, path: Path, allow_null: bool = True) -> pd.Series:
    """The column as numbers; a non-numeric cell (or a null where none is allowed) is BadInput."""
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & (raw.notna() | (not allow_null))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise BadInput(f"{path}: column {column} is not numeric (value {raw.iloc[row]!r} in data row {row + 1})")
    return values.astype(np.float64)


def _timestamps(raw: pd.Series, path: Path) -> pd.Series:
    """Parse ISO-8601 wall-clock strings or Unix seconds into naive timestamps."""
    try:
        if pd.api.types.is_datetime64_any_dtype(raw):
            ts = pd.Series(raw)
        elif pd.api.types.is_numeric_dtype(raw):
            ts = pd.to_datetime(raw, unit="s")
        else:
            ts = pd.to_datetime(raw, format="ISO8601")
    except Exception as exc:  # a bad cell: name the column and pandas' reason
        raise BadInput(f"{path}: column timestamp cannot be parsed ({_one_line(exc)})") from None
    if getattr(ts.dt, "tz", None) is not None:
        # Rush hours follow local clocks: keep the wall-clock time, drop the offset.
        ts = ts.dt.tz_localize(None)
    return ts


def find_records_file(path: Path) -> Path:
    """The records file of a data folder (or ``path`` itself when it is a file)."""
    path = Path(path)
    if path.is_dir():
        for name in RECORD_FILES:
            if (path / name).is_file():
                return path / name
        raise BadInput(f"{path}: folder has none of {', '.join(RECORD_FILES)}")
    if not path.exists():
        raise BadInput(f"{path}: file not found")
    return path


def load_segments(path: Path) -> pd.DataFrame:
    """Read and validate ``segments.csv`` (ids relabelled ``0..S-1``, nodes ``0..N-1``).

    Raises:
        BadInput: on any structural problem, naming the file.
    """
    frame = _read_table(path)
    _require_columns(frame, path, SEGMENT_COLUMNS)
    out = pd.DataFrame({c: _numeric(frame, c, path, allow_null=False) for c in SEGMENT_COLUMNS if c != "road_class"})
    out["road_class"] = frame["road_class"].astype(str).str.strip().str.lower()
    unknown = sorted(set(out["road_class"]) - set(ROAD_CLASSES))
    if unknown:
        raise BadInput(f"{path}: unknown road_class {unknown[0]!r} (use one of {', '.join(ROAD_CLASSES)})")
    repeated = out.loc[out["segment_id"].duplicated(), "segment_id"]
    if len(repeated):
        raise BadInput(f"{path}: segment_id {int(repeated.iloc[0])} appears more than once")
    for column in ("distance_km", "speed_limit_kmh", "free_flow_kmh"):
        if (out[column] <= 0).any():
            raise BadInput(f"{path}: column {column} must be > 0")
    out = out.sort_values("segment_id", ignore_index=True)
    out["source_segment_id"] = out["segment_id"].astype(np.int64)
    out["segment_id"] = np.arange(len(out), dtype=np.int64)
    _, codes = np.unique(np.concatenate([out["from_node"], out["to_node"]]), return_inverse=True)
    out["from_node"] = codes[: len(out)].astype(np.int64)
    out["to_node"] = codes[len(out) :].astype(np.int64)
    if (out["from_node"] == out["to_node"]).any():
        raise BadInput(f"{path}: a segment starts and ends at the same node")
    if out.duplicated(["from_node", "to_node"]).any():
        raise BadInput(f"{path}: two segments join the same pair of nodes in the same direction")
    return out


def load_records(path: Path | str) -> LoadedData:
    """Load a real probe data set in the format described in the module docstring.

    Args:
        path: the data folder, or its records file (``segments.csv`` must sit beside it).

    Returns:
        Raw records (interval-indexed, ids relabelled) and the segment table.

    Raises:
        BadInput: missing, unreadable, empty or malformed file, with the file and the problem.
    """
    records_path = find_records_file(Path(path))
    segments = load_segments(records_path.parent / SEGMENT_FILE)
    frame = _read_table(records_path)
    _require_columns(frame, records_path, RECORD_FILE_COLUMNS)
    speed = _numeric(frame, "avg_speed_kmh", records_path)
    cars = _numeric(frame, "car_count", records_path)
    source_seg = _numeric(frame, "segment_id", records_path)
    ts = _timestamps(frame["timestamp"], records_path)
    if ts.isna().all():
        raise BadInput(f"{records_path}: column timestamp has no valid value")
    first = ts.min()
    start = first.normalize() - pd.Timedelta(days=int(first.day_of_week))
    interval = np.floor((ts - start).dt.total_seconds().to_numpy() / 120.0)
    # Unknown segment ids become -1 so cleaning counts them; nulls stay NaN for the same reason.
    known = segments["source_segment_id"].to_numpy(dtype=np.float64)
    pos = np.clip(np.searchsorted(known, source_seg.to_numpy()), 0, len(known) - 1)
    seg = np.where(known[pos] == source_seg.to_numpy(), pos.astype(np.float64), -1.0)
    seg[source_seg.isna().to_numpy()] = np.nan
    records = pd.DataFrame(
        {"segment_id": seg, "interval_index": interval, "car_count": cars.to_numpy(), "avg_speed_kmh": speed.to_numpy()}
    )
    return LoadedData(records, segments, start, segments["source_segment_id"].to_numpy())
