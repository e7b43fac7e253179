"""Real-data loader for ETA probe records; every problem becomes a one-line ``BadInput``.

Format (``--data PATH``; PATH is a folder or its records file):

- ``records.parquet`` or ``records.csv`` (``.csv.gz`` too), one row per road segment
  and 2-minute interval in which at least one probe car drove it (intervals without
  cars are absent rows):

  =================  ==============================================================
  ``segment_id``     integer id of the segment (a row of ``segments.csv``)
  ``timestamp``      start of the 2-minute interval: ISO-8601 local wall-clock time
                     (``2024-03-04 08:02:00``) or integer Unix seconds (not milliseconds),
                     between 1970 and 2100, spanning at most 52 weeks
  ``car_count``      probe cars that traversed the segment in the interval (>= 1)
  ``avg_speed_kmh``  their average speed in km/h
  =================  ==============================================================

- ``segments.csv`` next to it, one row per directed segment:
  ``segment_id,from_node,to_node,distance_km,speed_limit_kmh,free_flow_kmh,road_class``
  with ``road_class`` one of ``highway``, ``arterial``, ``local``, a length of at most
  ``MAX_DISTANCE_KM`` and speeds of at most ``MAX_SPEED_KMH``.

Segment and node ids may be any integers; they are relabelled ``0..n-1`` in sorted
order. Interval 0 starts at the Monday 00:00 on or before the earliest timestamp, so
``interval_index % 5040`` is the interval within the week. Null or out-of-range speeds,
null cells, unknown segments and duplicates in the records are left for
:func:`cases.eta.data.clean_records` to drop and count; a car count that is not a whole
number or is implausibly large is dropped here and reported as a warning. Structural
problems (missing, unreadable, binary or empty file, missing column, non-numeric value,
unparseable or implausible timestamp, implausible segment) raise
:class:`framework.errors.BadInput` naming the file, the column and the row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cases.eta.network import ROAD_CLASSES, SEGMENT_COLUMNS
from cases.eta.tables import check_fits_memory
from framework.errors import BadInput
from framework.guards import brief, check_datetimes, check_epoch_seconds, quote
from framework.tabular import read_table, shown_path

RECORD_FILE_COLUMNS: tuple[str, ...] = ("segment_id", "timestamp", "car_count", "avg_speed_kmh")
RECORD_FILES: tuple[str, ...] = ("records.parquet", "records.csv", "records.csv.gz")
SEGMENT_FILE = "segments.csv"

# Plausible segments: a road between two intersections is shorter than this, and no road's
# free-flow speed or limit exceeds the speed above which cleaning treats probes as glitches.
MAX_DISTANCE_KM = 1000.0
MAX_SPEED_KMH = 200.0
# More probe cars than this on one segment in two minutes is a counter glitch, not traffic.
MAX_CARS = 10_000
# Ids must survive the float round trip of a CSV reader exactly.
MAX_ID = 2**53
# Longest history the case handles, like the synthetic ``weeks`` bound: aggregates are per week.
MAX_WEEKS = 52
# The routing table is nodes x nodes and every model a segments x 5040 table.
MAX_NODES = 2000
MAX_SEGMENTS = 10_000


@dataclass
class LoadedData:
    """Raw records and the segment table of a real data set, ids relabelled.

    Attributes:
        records: ``segment_id`` (-1 for ids missing from the segment table, NaN for nulls),
            ``interval_index``, ``car_count``, ``avg_speed_kmh``; not yet cleaned.
        segments: the segment table with ids ``0..S-1`` and nodes ``0..N-1``.
        start: the timestamp of interval 0 (a Monday, 00:00).
        source_segment_ids: original id of each relabelled segment.
        warnings: odd but usable things about the input, one readable sentence each.
        dropped: rows the loader dropped itself, per reason (cleaning counts the rest).
    """

    records: pd.DataFrame
    segments: pd.DataFrame
    start: pd.Timestamp
    source_segment_ids: np.ndarray
    warnings: list[str] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)


def _first_bad(mask: pd.Series | np.ndarray) -> int:
    """0-based position of the first True in ``mask``."""
    return int(np.flatnonzero(np.asarray(mask))[0])


def _numeric(frame: pd.DataFrame, column: str, path: Path, allow_null: bool = True) -> pd.Series:
    """The column as float numbers; a non-numeric cell (or a null where none is allowed) is BadInput."""
    raw = frame[column]
    if pd.api.types.is_bool_dtype(raw) or pd.api.types.is_datetime64_any_dtype(raw):
        raise BadInput(f"{shown_path(path)}: column {column} is not numeric (it holds {raw.dtype} values)")
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & (raw.notna() | (not allow_null))
    if bad.any():
        row = _first_bad(bad)
        what = "is empty" if pd.isna(raw.iloc[row]) else f"is not a number ({quote(raw.iloc[row], 40)})"
        raise BadInput(f"{shown_path(path)}: column {column}, data row {row + 1} {what}")
    return values.astype(np.float64)


def _integers(values: pd.Series, column: str, path: Path) -> pd.Series:
    """Refuse non-integral or huge ids (they would be truncated or collide after the int cast)."""
    arr = values.to_numpy()
    bad = ~np.isnan(arr) & ((arr != np.round(arr)) | (np.abs(arr) >= MAX_ID) | ~np.isfinite(arr))
    if bad.any():
        row = _first_bad(bad)
        raise BadInput(
            f"{shown_path(path)}: column {column}, data row {row + 1} must be a whole number below 2**53, "
            f"got {quote(float(arr[row]), 30)}"
        )
    return values


def _parse_text_times(raw: pd.Series, name: str) -> pd.Series:
    """ISO-8601 strings to timestamps; an unparseable cell is named by its row, cut short."""
    text = raw.astype("string")
    try:
        return pd.to_datetime(text, format="ISO8601")
    except (pd.errors.OutOfBoundsDatetime, OverflowError):
        raise BadInput(f"{name}: column timestamp has a date outside 1970-2100 (year 1000? 9999?)") from None
    except (ValueError, TypeError):
        pass  # find the first bad cell below instead of echoing pandas' long message
    try:
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    except (ValueError, TypeError, OverflowError):
        parsed = pd.Series(pd.NaT, index=raw.index)
    bad = parsed.isna() & raw.notna()
    if bad.any():
        row = _first_bad(bad)
        raise BadInput(
            f"{name}: column timestamp, data row {row + 1} is not ISO-8601 or Unix seconds ({quote(raw.iloc[row], 40)})"
        )
    raise BadInput(f"{name}: column timestamp mixes UTC offsets; give local wall-clock times with one offset or none")


def _timestamps(raw: pd.Series, path: Path) -> pd.Series:
    """Parse ISO-8601 wall-clock strings or Unix seconds into naive timestamps within 1970-2100."""
    name = shown_path(path)
    if pd.api.types.is_datetime64_any_dtype(raw):
        ts = pd.Series(raw)
    elif pd.api.types.is_bool_dtype(raw):
        raise BadInput(f"{name}: column timestamp holds true/false values, not date-times")
    else:
        # A text column whose every cell is a number (a CSV reader's choice for huge integers) is seconds too.
        numbers = pd.to_numeric(raw, errors="coerce")
        if numbers.notna().sum() == raw.notna().sum():
            seconds = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
            check_epoch_seconds(seconds[~np.isnan(seconds)], name)
            ts = pd.to_datetime(pd.Series(seconds, index=raw.index), unit="s")
        else:
            ts = _parse_text_times(raw, name)
    if getattr(ts.dt, "tz", None) is not None:
        # Rush hours follow local clocks: keep the wall-clock time, drop the offset.
        ts = ts.dt.tz_localize(None)
    check_datetimes(ts, name)
    return ts


def find_records_file(path: Path) -> Path:
    """The records file of a data folder (or ``path`` itself when it is a file)."""
    path = Path(path)
    if path.is_dir():
        for name in RECORD_FILES:
            if (path / name).is_file():
                return path / name
        raise BadInput(f"{shown_path(path)}: folder has none of {', '.join(RECORD_FILES)}")
    if not path.exists():
        raise BadInput(f"{shown_path(path)}: file not found")
    return path


def _check_segment_values(out: pd.DataFrame, path: Path) -> None:
    """Refuse lengths and speeds no road has, naming the first offending row (the table is small)."""
    limits = {"distance_km": MAX_DISTANCE_KM, "speed_limit_kmh": MAX_SPEED_KMH, "free_flow_kmh": MAX_SPEED_KMH}
    for column, high in limits.items():
        values = out[column].to_numpy()
        bad = ~((values > 0) & (values <= high))  # also catches inf and -inf
        if bad.any():
            row = _first_bad(bad)
            raise BadInput(
                f"{shown_path(path)}: column {column}, data row {row + 1} is {quote(float(values[row]), 30)}; "
                f"it must be > 0 and <= {high:g}"
            )


def load_segments(path: Path) -> pd.DataFrame:
    """Read and validate ``segments.csv`` (ids relabelled ``0..S-1``, nodes ``0..N-1``).

    Raises:
        BadInput: on any structural problem or implausible value, naming the file.
    """
    frame = read_table(path)
    _require_columns(frame, path, SEGMENT_COLUMNS)
    out = pd.DataFrame({c: _numeric(frame, c, path, allow_null=False) for c in SEGMENT_COLUMNS if c != "road_class"})
    for column in ("segment_id", "from_node", "to_node"):
        _integers(out[column], column, path)
    _check_segment_values(out, path)
    out["road_class"] = frame["road_class"].astype(str).str.strip().str.lower()
    unknown = ~out["road_class"].isin(ROAD_CLASSES)
    if unknown.any():
        row = _first_bad(unknown)
        raise BadInput(
            f"{shown_path(path)}: column road_class, data row {row + 1} is {quote(frame['road_class'].iloc[row], 30)} "
            f"(use one of {', '.join(ROAD_CLASSES)})"
        )
    repeated = out["segment_id"].duplicated()
    if repeated.any():
        row = _first_bad(repeated)
        raise BadInput(
            f"{shown_path(path)}: segment_id {int(out['segment_id'].iloc[row])} appears again in data row {row + 1}"
        )
    if len(out) > MAX_SEGMENTS:
        raise BadInput(f"{shown_path(path)}: {len(out):,} segments; the case handles at most {MAX_SEGMENTS:,}")
    out = out.sort_values("segment_id", ignore_index=True)
    out["source_segment_id"] = out["segment_id"].astype(np.int64)
    out["segment_id"] = np.arange(len(out), dtype=np.int64)
    nodes, codes = np.unique(np.concatenate([out["from_node"], out["to_node"]]), return_inverse=True)
    if len(nodes) > MAX_NODES:
        raise BadInput(f"{shown_path(path)}: {len(nodes):,} nodes; the case handles at most {MAX_NODES:,}")
    out["from_node"] = codes[: len(out)].astype(np.int64)
    out["to_node"] = codes[len(out) :].astype(np.int64)
    loops = out["from_node"] == out["to_node"]
    if loops.any():
        sid = int(out["source_segment_id"].iloc[_first_bad(loops)])
        raise BadInput(f"{shown_path(path)}: segment {sid} starts and ends at the same node")
    twins = out.duplicated(["from_node", "to_node"])
    if twins.any():
        sid = int(out["source_segment_id"].iloc[_first_bad(twins)])
        raise BadInput(f"{shown_path(path)}: segment {sid} joins the same pair of nodes, same direction, as another")
    return out


def _require_columns(frame: pd.DataFrame, path: Path, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise BadInput(
            f"{shown_path(path)}: missing column(s) {brief(', '.join(missing), 60)} (expected {','.join(columns)})"
        )


def _implausible_cars(cars: pd.Series) -> tuple[np.ndarray, str | None]:
    """Rows whose car count is not a whole number or is absurdly large, and a warning about them."""
    values = cars.to_numpy()
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(values) & ((values != np.round(values)) | ~(values <= MAX_CARS))
    if not bad.any():
        return bad, None
    row = _first_bad(bad)
    return bad, (
        f"dropped {int(bad.sum()):,} record(s) whose car_count is not a whole number up to {MAX_CARS:,} "
        f"(first: data row {row + 1}, {quote(float(values[row]), 30)})"
    )


def _extra_columns(frame: pd.DataFrame, path: Path) -> str | None:
    extra = [str(c) for c in frame.columns if c not in RECORD_FILE_COLUMNS]
    if not extra:
        return None
    return f"{path.name}: ignored {len(extra)} extra column(s) {quote(', '.join(extra), 60)[1:-1]}"


def load_records(path: Path | str) -> LoadedData:
    """Load a real probe data set in the format described in the module docstring.

    Args:
        path: the data folder, or its records file (``segments.csv`` must sit beside it).

    Returns:
        Raw records (interval-indexed, ids relabelled), the segment table and warnings.

    Raises:
        BadInput: missing, unreadable, empty or malformed file, with the file and the problem.
    """
    records_path = find_records_file(Path(path))
    segments = load_segments(records_path.parent / SEGMENT_FILE)
    check_fits_memory(records_path, len(segments))
    frame = read_table(records_path)
    _require_columns(frame, records_path, RECORD_FILE_COLUMNS)
    warnings = [w for w in (_extra_columns(frame, records_path),) if w]
    speed = _numeric(frame, "avg_speed_kmh", records_path)
    cars = _numeric(frame, "car_count", records_path)
    source_seg = _integers(_numeric(frame, "segment_id", records_path), "segment_id", records_path)
    ts = _timestamps(frame["timestamp"], records_path)
    if ts.isna().all():
        raise BadInput(f"{shown_path(records_path)}: column timestamp has no valid value")
    first, last = ts.min(), ts.max()
    if last - first > pd.Timedelta(weeks=MAX_WEEKS):
        raise BadInput(
            f"{shown_path(records_path)}: timestamps span {first:%Y-%m-%d} to {last:%Y-%m-%d}; "
            f"the case handles at most {MAX_WEEKS} weeks (pass a shorter extract)"
        )
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
    bad_cars, note = _implausible_cars(cars)
    dropped = {}
    if note:
        records = records.loc[~bad_cars].reset_index(drop=True)
        warnings.append(note)
        dropped["implausible_car_count"] = int(bad_cars.sum())
    return LoadedData(records, segments, start, segments["source_segment_id"].to_numpy(), warnings, dropped)
