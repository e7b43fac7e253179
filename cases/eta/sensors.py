"""Real-data loader for sensor speed tables (METR-LA / PEMS-BAY / loop-detector style) as ETA probe records.

Layout (``--data FOLDER``, or the speed file itself; the folder's file names decide the layout):

- the **speed table** ``speeds.csv`` (also ``speed``, ``metr-la``, ``metr_la``, ``pems-bay``,
  ``pems_bay``; ``.csv``, ``.csv.gz`` or ``.parquet``): one row per timestamp, its first column the
  time (or the column named ``timestamp``/``time``/``datetime``/``date``..., or ``--columns
  timestamp=NAME``; ISO-8601 or Unix seconds), one column per sensor id, cells = the sensor's mean
  speed in that interval (unit ``--set speed_unit=mph``, the default as in METR-LA and PEMS-BAY,
  or ``kmh``; an empty cell is a missing reading). Any regular interval (5 minutes in the
  literature); a Parquet file written from a pandas frame with a time index works too.
- a **sensor graph**, one of (``distances.csv`` wins when both are there):

  - ``distances.csv`` (also ``distances_la_2012.csv``, ``distances_bay_2017.csv``): ``from,to,cost``
    (aliases ``from_sensor``/``source``, ``to_sensor``/``target``, ``distance``/``distance_m``), the
    road distance in **metres** from one sensor to another;
  - ``sensors.csv`` (also ``graph_sensor_locations.csv``, ``graph_sensor_locations_bay.csv``, with or
    without a header): ``sensor_id,latitude,longitude`` (aliases ``id``/``sensor``, ``lat``, ``lon``/``lng``).

Conversion to the case's records (stated in the data summary):

- every sensor is a node; each sensor's ``sensor_links`` (default 3) nearest sensors (by the
  distance list's cost, or by great-circle distance from coordinates) become directed road
  segments leaving it, of that length; a segment's speed at a time is its start sensor's reading;
- a reading becomes one record in the 2-minute interval holding its timestamp, ``car_count`` = 1
  (loop detectors give no probe count), speed converted to km/h;
- every segment is ``highway`` class; its free-flow speed is the fastest reading of its sensor's
  speeds in the training window (the first ``train_fraction`` of the time axis, so the test window
  does not leak into it), clipped to [10, 200] km/h; its speed limit is that rounded up to 10 km/h.

Every speed column must name a sensor of the sensor list (a listed sensor without a speed column is
unused and named in a warning); speeds are converted to km/h on load. A non-numeric speed, a timestamp that
does not parse or a sensor graph that is missing raises :class:`framework.errors.BadInput`
naming the file, the line, the column and the value.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cases.eta.cells import blank_to_null, column, first_bad, line_of, numeric, row_at, timestamps
from cases.eta.columns import DISTANCE_ROLES, SENSOR_ROLES, SPEED_ROLES, split_columns
from cases.eta.loader import MAX_NODES, LoadedData, reading_summary, relabel_segments, week_start
from cases.eta.network import SEGMENT_COLUMNS
from cases.eta.sensor_graph import Links, coordinate_links, distance_links
from framework.dataload import LoadedTable, load_table
from framework.errors import BadInput
from framework.guards import quote, refuse_over_memory
from framework.roles import normalise
from framework.tabular import PARQUET_SUFFIXES, read_table, shown_path

SPEED_STEMS: tuple[str, ...] = ("speeds", "speed", "metr-la", "metr_la", "pems-bay", "pems_bay")
SPEED_SUFFIXES: tuple[str, ...] = (".csv", ".csv.gz", ".parquet")
SENSOR_FILES: tuple[str, ...] = ("sensors.csv", "graph_sensor_locations.csv", "graph_sensor_locations_bay.csv")
DISTANCE_FILES: tuple[str, ...] = ("distances.csv", "distances_la_2012.csv", "distances_bay_2017.csv")
KMH_PER_MPH = 1.609344
FREE_FLOW_QUANTILE = 1.0
FREE_FLOW_RANGE_KMH = (10.0, 200.0)
# Bytes per record of the conversion and the run (the probe loader's figure plus the wide table).
_BYTES_PER_RECORD = 500.0


def speed_files(folder: Path) -> list[Path]:
    """The speed tables a folder holds, in the documented name order."""
    names = [stem + suffix for stem in SPEED_STEMS for suffix in SPEED_SUFFIXES]
    return [folder / n for n in names if (folder / n).is_file()]


def is_speed_file(path: Path) -> bool:
    """Whether a file's name is one of the documented speed-table names."""
    return any(path.name.lower() == stem + suffix for stem in SPEED_STEMS for suffix in SPEED_SUFFIXES)


def canonical_ids(values: pd.Series) -> pd.Series:
    """Sensor ids as comparable text: ``773869``, ``773869.0`` and ``" 773869"`` are one id."""
    text = values.astype(str).str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    whole = numbers.notna() & np.isfinite(numbers) & (numbers == np.round(numbers)) & (numbers.abs() < 2**53)
    out = text.copy()
    out[whole] = numbers[whole].astype(np.int64).astype(str)
    return out


def _read_speeds(path: Path, mapping: dict[str, str]) -> tuple[LoadedTable, list[str], pd.DataFrame]:
    """The speed table: its time column as a one-role table, the sensor columns' ids, the raw speed cells."""
    name = shown_path(path)
    frame = read_table(path)
    if not isinstance(frame.index, pd.RangeIndex):  # a pandas frame saved with its time index
        frame = frame.reset_index()
    columns = [str(c) for c in frame.columns]
    frame.columns = columns
    wanted = mapping.get("timestamp")
    aliases = SPEED_ROLES[0].names()
    if wanted is not None:
        matches = [c for c in columns if normalise(c) == normalise(wanted)]
        if not matches:
            raise BadInput(f"--columns timestamp={quote(wanted, 30)}: {name} has no such column")
        time_column = matches[0]
    else:
        time_column = next((c for a in aliases for c in columns if normalise(c) == a), columns[0])
    sensors = [c for c in columns if c != time_column]
    if not sensors:
        raise BadInput(f"{name}: no sensor column besides the time column {quote(time_column, 30)}")
    layout = "Parquet" if path.suffix.lower() in PARQUET_SUFFIXES else "comma-separated text with a header"
    table = LoadedTable(
        frame=blank_to_null(frame[[time_column]].rename(columns={time_column: "timestamp"})),
        path=path,
        layout=layout,
        columns={"timestamp": time_column},
        ignored=[],
        header_lines=0 if layout == "Parquet" else 1,
    )
    return table, sensors, frame[sensors]


def _speed_matrix(cells: pd.DataFrame, table: LoadedTable) -> np.ndarray:
    """The speed cells as floats (NaN: missing reading); a non-numeric cell is BadInput naming it."""
    text = blank_to_null(cells)
    values = text.apply(pd.to_numeric, errors="coerce")
    bad = values.isna().to_numpy() & text.notna().to_numpy()
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise BadInput(
            f"{shown_path(table.path)}: sensor column {quote(cells.columns[col], 30)}, {row_at(table, row)} is not "
            f"a number ({quote(cells.iat[row, col], 40)}){line_of(table, row)}"
        )
    return values.to_numpy(np.float64)


def _sensor_ids(sensors: list[str], listed: pd.Series, speeds: Path, graph: Path) -> np.ndarray:
    """Position of every speed column in the sensor list; a column the list lacks is BadInput."""
    ids = canonical_ids(pd.Series(sensors))
    known = pd.Index(canonical_ids(listed).unique())
    missing = ~ids.isin(known)
    if missing.any():
        first = sensors[first_bad(missing)]
        raise BadInput(
            f"{shown_path(speeds)}: sensor column {quote(first, 30)} is not in {graph.name} "
            f"({int(missing.sum())} of {len(ids)} columns missing); list every sensor there"
        )
    return ids.to_numpy()


def _links(
    folder: Path, ids: np.ndarray, speeds: Path, mapping: dict[str, dict[str, str]], k: int
) -> tuple[Links, LoadedTable, str]:
    """Directed sensor links ``(from, to, km)`` and the graph file's table and rule."""
    distances = next((folder / n for n in DISTANCE_FILES if (folder / n).is_file()), None)
    sensors = next((folder / n for n in SENSOR_FILES if (folder / n).is_file()), None)
    if distances is not None:
        table = load_table(distances, DISTANCE_ROLES, mapping=mapping["distances"], what="sensor distances")
        table.frame = blank_to_null(table.frame)
        _sensor_ids(list(ids), pd.concat([table.frame["from_sensor"], table.frame["to_sensor"]]), speeds, distances)
        metres = numeric(table, "distance_m", allow_null=False)
        negative = metres < 0
        if negative.any():
            row = first_bad(negative)
            raise BadInput(
                f"{shown_path(distances)}: column {column(table, 'distance_m')}, {row_at(table, row)} is "
                f"{quote(float(metres.iloc[row]), 30)}; a distance must be >= 0 metres{line_of(table, row)}"
            )
        origin = canonical_ids(table.frame["from_sensor"]).to_numpy()
        target = canonical_ids(table.frame["to_sensor"]).to_numpy()
        links = distance_links(ids, origin, target, metres.to_numpy() / 1000.0, k)
        rule = f"each sensor's {k} nearest sensors by {distances.name} (road distance, metres)"
        listed = np.unique(np.concatenate([origin, target]))
        absent = np.setdiff1d(listed, ids)
        if len(absent):
            rule += (
                f"; {len(absent)} sensor(s) of {distances.name} have no speed column (e.g. {absent[0]}): "
                "their distances are unused"
            )
        return links, table, rule
    if sensors is not None:
        table = load_table(
            sensors, SENSOR_ROLES, mapping=mapping["sensors"], headerless=("sensor_id", "latitude", "longitude")
        )
        table.frame = blank_to_null(table.frame)
        lat, lon = numeric(table, "latitude", allow_null=False), numeric(table, "longitude", allow_null=False)
        for role, values, limit in (("latitude", lat, 90.0), ("longitude", lon, 180.0)):
            bad = ~(values.abs() <= limit)
            if bad.any():
                row = first_bad(bad)
                raise BadInput(
                    f"{shown_path(sensors)}: column {column(table, role)}, {row_at(table, row)} is "
                    f"{quote(float(values.iloc[row]), 30)}; degrees within +-{limit:g}{line_of(table, row)}"
                )
        listed = canonical_ids(table.frame["sensor_id"])
        _sensor_ids(list(ids), listed, speeds, sensors)
        first = ~listed.duplicated()
        where = pd.Series(np.arange(int(first.sum())), index=listed[first].to_numpy())
        pos = where.reindex(ids).to_numpy()
        links = coordinate_links(lat[first].to_numpy()[pos], lon[first].to_numpy()[pos], k)
        rule = f"each sensor's {k} nearest sensors by great-circle distance from {sensors.name} (straight line)"
        return links, table, rule
    raise BadInput(
        f"{shown_path(folder)}: a sensor speed table needs a sensor graph beside it: "
        f"{DISTANCE_FILES[0]} or {SENSOR_FILES[0]} (also {', '.join(DISTANCE_FILES[1:] + SENSOR_FILES[1:])})"
    )


def _free_flow(speed_kmh: np.ndarray, train_rows: int) -> np.ndarray:
    """Per sensor: the fastest of its training-window speeds, clipped to a plausible range."""
    train = speed_kmh[: max(train_rows, 1)]
    with np.errstate(all="ignore"):
        valid = np.where(train >= FREE_FLOW_RANGE_KMH[0], train, np.nan)
        quantile = np.nanquantile(valid, FREE_FLOW_QUANTILE, axis=0) if valid.size else np.array([])
    quantile = np.where(np.isnan(quantile), FREE_FLOW_RANGE_KMH[1] / 2, quantile)
    return np.clip(quantile, *FREE_FLOW_RANGE_KMH)


def load_sensor_speeds(
    path: Path, columns: dict[str, str] | None, speed_unit: str, links_per_sensor: int, train_fraction: float
) -> LoadedData:
    """Load a sensor speed table and its sensor graph as the case's raw records and segment table.

    Args:
        path: the folder, or its speed table.
        columns: ``--columns`` (``timestamp``; the sensor list's and distance list's roles).
        speed_unit: ``mph`` or ``kmh``: the unit of the speed cells.
        links_per_sensor: directed segments leaving each sensor.
        train_fraction: share of the time axis the free-flow speeds are read from.

    Raises:
        BadInput: naming the file, line, column and value of the first problem.
    """
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    speeds = path if path.is_file() else speed_files(folder)[0]
    mapping = split_columns(columns or {}, "sensor speeds")
    table, sensors, cells = _read_speeds(speeds, mapping["speeds"])
    ts = timestamps(table)
    name = shown_path(speeds)
    if ts.isna().any():
        row = first_bad(ts.isna())
        raise BadInput(
            f"{name}: column {column(table, 'timestamp')}, {row_at(table, row)} is empty{line_of(table, row)}"
        )
    start = week_start(ts, name)
    if len(sensors) > MAX_NODES:
        raise BadInput(f"{name}: {len(sensors):,} sensors; the case handles at most {MAX_NODES:,}")
    ids = canonical_ids(pd.Series(sensors)).to_numpy()
    links, graph_table, rule = _links(folder, ids, speeds, mapping, links_per_sensor)
    refuse_over_memory(
        _BYTES_PER_RECORD * len(ts) * len(links[0]),
        f"{name}: about {len(ts) * len(links[0]):,} records",
        "pass fewer sensors or a shorter extract",
    )
    factor = KMH_PER_MPH if speed_unit == "mph" else 1.0
    speed_kmh = _speed_matrix(cells, table) * factor
    order = np.argsort(ts.to_numpy(), kind="stable")
    cut_row = int(train_fraction * len(order))
    free_flow = _free_flow(speed_kmh[order], cut_row)
    origin, target, km = links
    segments = pd.DataFrame(
        {
            "segment_id": np.arange(len(origin), dtype=np.float64),
            "from_node": origin.astype(np.float64),
            "to_node": target.astype(np.float64),
            "distance_km": km,
            "speed_limit_kmh": np.minimum(np.ceil(free_flow[origin] / 10.0) * 10.0, FREE_FLOW_RANGE_KMH[1]),
            "free_flow_kmh": free_flow[origin],
            "road_class": "highway",
        }
    )[list(SEGMENT_COLUMNS)]
    segments = relabel_segments(segments, shown_path(graph_table.path))
    interval = np.floor((ts - start).dt.total_seconds().to_numpy() / 120.0)
    link_speed = speed_kmh[:, origin]  # (timestamps, links): each link carries its start sensor's reading
    present = ~np.isnan(link_speed)
    rows, segs = np.nonzero(present)
    records = pd.DataFrame(
        {
            "segment_id": segs.astype(np.float64),
            "interval_index": interval[rows],
            "car_count": 1.0,
            "avg_speed_kmh": link_speed[rows, segs],
        }
    )
    step = np.diff(np.sort(ts.unique()))
    step_min = float(np.median(step) / np.timedelta64(1, "m")) if len(step) else float("nan")
    reading = {
        "layout": "sensor speeds",
        **reading_summary(table, graph=graph_table),
        "columns": {"timestamp": table.columns["timestamp"], "speeds": f"{len(sensors)} sensor columns ({speed_unit})"},
        "sensors": len(sensors),
        "speed_unit": speed_unit,
        "reading_interval_min": round(step_min, 3),
        "missing_readings": int(np.count_nonzero(np.isnan(speed_kmh))),
        "sensor_graph": f"{rule}; {len(origin):,} directed segments",
        "conversion": (
            "a segment's speed is its start sensor's reading; one record per reading in the 2-minute interval "
            "holding it, car_count 1 (sensors count no probe cars); free flow = the fastest of the sensor's "
            "training-window speeds; every segment highway class; speeds converted to km/h on load (the cleaning "
            "rule, min_speed_kmh and the drift table's avg_speed_kmh are in km/h; the speed MAE is in the table's unit)"
        ),
    }
    warnings = [rule.split("; ", 1)[1]] if "; " in rule else []
    unused = np.setdiff1d(np.arange(len(sensors)), origin)
    if len(unused):
        warnings.append(f"{len(unused)} sensor(s) have no link in the sensor graph; their readings are unused")
    return LoadedData(records, segments, start, segments["source_segment_id"].to_numpy(), warnings, {}, reading)
