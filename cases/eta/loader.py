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

Both files are read by :func:`framework.dataload.load_table`: CSV, TSV, ``;``/``|``/space-separated
text (plain or gzip/bz2/xz/zip compressed) or Parquet, separator and header sniffed, columns matched
case-insensitively through the alias table of :mod:`framework.roles` (records: ``segment_id`` also
``segment``, ``link_id``, ``edge_id``...; ``car_count`` also ``cars``, ``count``, ``vehicles``...;
``avg_speed_kmh`` also ``speed_kmh``, ``speed``...; the segment table's aliases are in
:mod:`cases.eta.columns`) or named with ``--columns role=COLUMN`` (``records.ROLE`` or
``segments.ROLE`` for one table only). Extra columns are ignored and listed in the data summary.

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
from typing import Any

import numpy as np
import pandas as pd

from cases.eta.cells import blank_to_null, column, first_bad, integers, line_of, numeric, row_at, timestamps
from cases.eta.columns import RECORD_ROLES, SEGMENT_ROLES, split_columns
from cases.eta.network import ROAD_CLASSES
from cases.eta.tables import check_fits_memory
from framework.dataload import LoadedTable, load_table
from framework.errors import BadInput
from framework.guards import quote
from framework.tabular import shown_path

RECORD_FILE_COLUMNS: tuple[str, ...] = ("segment_id", "timestamp", "car_count", "avg_speed_kmh")
RECORD_FILES: tuple[str, ...] = ("records.parquet", "records.csv", "records.csv.gz")
SEGMENT_FILE = "segments.csv"

# Plausible segments: a road between two intersections is shorter than this, and no road's
# free-flow speed or limit exceeds the speed above which cleaning treats probes as glitches.
MAX_DISTANCE_KM = 1000.0
MAX_SPEED_KMH = 200.0
# More probe cars than this on one segment in two minutes is a counter glitch, not traffic.
MAX_CARS = 10_000
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
        reading: how the files were read, for ``metrics.json["data"]`` (file, format, columns,
            ignored_columns, reading_notes and what else the layout says).
    """

    records: pd.DataFrame
    segments: pd.DataFrame
    start: pd.Timestamp
    source_segment_ids: np.ndarray
    warnings: list[str] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    reading: dict[str, Any] = field(default_factory=dict)


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


def _check_segment_values(out: pd.DataFrame, table: LoadedTable) -> None:
    """Refuse lengths and speeds no road has, naming the first offending row (the table is small)."""
    limits = {"distance_km": MAX_DISTANCE_KM, "speed_limit_kmh": MAX_SPEED_KMH, "free_flow_kmh": MAX_SPEED_KMH}
    for role, high in limits.items():
        values = out[role].to_numpy()
        bad = ~((values > 0) & (values <= high))  # also catches inf and -inf
        if bad.any():
            row = first_bad(bad)
            raise BadInput(
                f"{shown_path(table.path)}: column {column(table, role)}, {row_at(table, row)} is "
                f"{quote(float(values[row]), 30)}; it must be > 0 and <= {high:g}{line_of(table, row)}"
            )


def read_segments(path: Path, mapping: dict[str, str] | None = None) -> tuple[pd.DataFrame, LoadedTable]:
    """Read and validate a segment table (ids relabelled ``0..S-1``, nodes ``0..N-1``) and how it was read.

    Args:
        path: the segment file.
        mapping: ``--columns`` for this table (role -> column).

    Raises:
        BadInput: on any structural problem or implausible value, naming the file.
    """
    table = load_table(path, SEGMENT_ROLES, mapping=mapping, what="segments")
    table.frame = blank_to_null(table.frame)
    name = shown_path(path)
    out = pd.DataFrame({r.name: numeric(table, r.name, allow_null=False) for r in SEGMENT_ROLES[:-1]})
    for role in ("segment_id", "from_node", "to_node"):
        integers(table, role, out[role])
    _check_segment_values(out, table)
    raw_class = table.frame["road_class"]
    out["road_class"] = raw_class.astype(str).str.strip().str.lower()
    unknown = ~out["road_class"].isin(ROAD_CLASSES)
    if unknown.any():
        row = first_bad(unknown)
        raise BadInput(
            f"{name}: column {column(table, 'road_class')}, {row_at(table, row)} is {quote(raw_class.iloc[row], 30)} "
            f"(use one of {', '.join(ROAD_CLASSES)}){line_of(table, row)}"
        )
    repeated = out["segment_id"].duplicated()
    if repeated.any():
        row = first_bad(repeated)
        raise BadInput(
            f"{name}: segment_id {int(out['segment_id'].iloc[row])} appears again in "
            f"{row_at(table, row)}{line_of(table, row)}"
        )
    return relabel_segments(out, name), table


def load_segments(path: Path) -> pd.DataFrame:
    """Read and validate ``segments.csv`` (see :func:`read_segments`)."""
    return read_segments(path)[0]


def relabel_segments(out: pd.DataFrame, name: str) -> pd.DataFrame:
    """Sort by id, keep it as ``source_segment_id``, relabel segments ``0..S-1`` and nodes ``0..N-1``.

    Raises:
        BadInput: too many segments or nodes, a loop, or two segments joining the same nodes.
    """
    if len(out) > MAX_SEGMENTS:
        raise BadInput(f"{name}: {len(out):,} segments; the case handles at most {MAX_SEGMENTS:,}")
    out = out.sort_values("segment_id", ignore_index=True)
    out["source_segment_id"] = out["segment_id"].astype(np.int64)
    out["segment_id"] = np.arange(len(out), dtype=np.int64)
    nodes, codes = np.unique(np.concatenate([out["from_node"], out["to_node"]]), return_inverse=True)
    if len(nodes) > MAX_NODES:
        raise BadInput(f"{name}: {len(nodes):,} nodes; the case handles at most {MAX_NODES:,}")
    out["from_node"] = codes[: len(out)].astype(np.int64)
    out["to_node"] = codes[len(out) :].astype(np.int64)
    loops = out["from_node"] == out["to_node"]
    if loops.any():
        sid = int(out["source_segment_id"].iloc[first_bad(loops)])
        raise BadInput(f"{name}: segment {sid} starts and ends at the same node")
    twins = out.duplicated(["from_node", "to_node"])
    if twins.any():
        sid = int(out["source_segment_id"].iloc[first_bad(twins)])
        raise BadInput(f"{name}: segment {sid} joins the same pair of nodes, same direction, as another")
    return out


def _implausible_cars(cars: pd.Series, table: LoadedTable) -> tuple[np.ndarray, str | None]:
    """Rows whose car count is not a whole number or is absurdly large, and a warning about them."""
    values = cars.to_numpy()
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(values) & ((values != np.round(values)) | ~(values <= MAX_CARS))
    if not bad.any():
        return bad, None
    row = first_bad(bad)
    return bad, (
        f"dropped {int(bad.sum()):,} record(s) whose car_count is not a whole number up to {MAX_CARS:,} "
        f"(first: {row_at(table, row)}, {quote(float(values[row]), 30)})"
    )


def week_start(ts: pd.Series, name: str) -> pd.Timestamp:
    """The Monday 00:00 on or before the first timestamp (interval 0), after checking the span.

    Raises:
        BadInput: no valid timestamp, or a span longer than ``MAX_WEEKS``.
    """
    if ts.isna().all():
        raise BadInput(f"{name}: column timestamp has no valid value")
    first, last = ts.min(), ts.max()
    if last - first > pd.Timedelta(weeks=MAX_WEEKS):
        raise BadInput(
            f"{name}: timestamps span {first:%Y-%m-%d} to {last:%Y-%m-%d}; "
            f"the case handles at most {MAX_WEEKS} weeks (pass a shorter extract)"
        )
    return first.normalize() - pd.Timedelta(days=int(first.day_of_week))


def reading_summary(main: LoadedTable, **others: LoadedTable) -> dict[str, Any]:
    """The main table's reading summary, plus each other table's columns under ``<name>_columns``."""
    summary = main.summary()
    for key, table in others.items():
        summary[f"{key}_file"] = table.path.name
        summary[f"{key}_columns"] = dict(table.columns)
        summary["ignored_columns"] += [f"{table.path.name}:{c}" for c in table.ignored]
        summary["reading_notes"] += [f"{table.path.name}: {n}" for n in table.notes]
    return summary


def load_records(path: Path | str, columns: dict[str, str] | None = None) -> LoadedData:
    """Load a real probe data set in the format described in the module docstring.

    Args:
        path: the data folder, or its records file (``segments.csv`` must sit beside it).
        columns: ``--columns`` (role or ``records.ROLE`` / ``segments.ROLE`` -> column).

    Returns:
        Raw records (interval-indexed, ids relabelled), the segment table and warnings.

    Raises:
        BadInput: missing, unreadable, empty or malformed file, with the file and the problem.
    """
    mapping = split_columns(columns or {}, "probe records")
    records_path = find_records_file(Path(path))
    segments, segment_table = read_segments(records_path.parent / SEGMENT_FILE, mapping["segments"])
    check_fits_memory(records_path, len(segments))
    table = load_table(records_path, RECORD_ROLES, mapping=mapping["records"], what="probe records")
    table.frame = blank_to_null(table.frame)
    speed = numeric(table, "avg_speed_kmh")
    cars = numeric(table, "car_count")
    source_seg = integers(table, "segment_id", numeric(table, "segment_id"))
    ts = timestamps(table)
    start = week_start(ts, shown_path(records_path))
    interval = np.floor((ts - start).dt.total_seconds().to_numpy() / 120.0)
    # Unknown segment ids become -1 so cleaning counts them; nulls stay NaN for the same reason.
    known = segments["source_segment_id"].to_numpy(dtype=np.float64)
    pos = np.clip(np.searchsorted(known, source_seg.to_numpy()), 0, len(known) - 1)
    seg = np.where(known[pos] == source_seg.to_numpy(), pos.astype(np.float64), -1.0)
    seg[source_seg.isna().to_numpy()] = np.nan
    records = pd.DataFrame(
        {"segment_id": seg, "interval_index": interval, "car_count": cars.to_numpy(), "avg_speed_kmh": speed.to_numpy()}
    )
    bad_cars, note = _implausible_cars(cars, table)
    dropped, warnings = {}, []
    if note:
        records = records.loc[~bad_cars].reset_index(drop=True)
        warnings.append(note)
        dropped["implausible_car_count"] = int(bad_cars.sum())
    reading = {"layout": "probe records", **reading_summary(table, segments=segment_table)}
    source_ids = segments["source_segment_id"].to_numpy()
    return LoadedData(records, segments, start, source_ids, warnings, dropped, reading)
