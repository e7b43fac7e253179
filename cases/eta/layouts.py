"""Which real-data layout a ``--data`` path holds, decided by its file names, and loading it.

- **probe records** (:mod:`cases.eta.loader`): ``records.parquet`` / ``records.csv`` / ``records.csv.gz``
  with ``segments.csv`` beside it; a file passed directly is read as a records file unless its
  name is a speed table's.
- **sensor speeds** (:mod:`cases.eta.sensors`): a wide speed table (``speeds.csv``, ``metr-la.csv``...)
  with ``distances.csv`` or ``sensors.csv`` beside it.

A folder holding both layouts is read as probe records (the case's own format).
"""

from __future__ import annotations

from pathlib import Path

from cases.eta.loader import RECORD_FILES, LoadedData, load_records
from cases.eta.sensors import SPEED_STEMS, is_speed_file, load_sensor_speeds, speed_files
from framework.errors import BadInput
from framework.tabular import shown_path


def layout_of(path: Path) -> str:
    """``"probe records"`` or ``"sensor speeds"``.

    Raises:
        BadInput: a missing path, or a folder with neither layout's files (naming both).
    """
    if path.is_dir():
        if any((path / name).is_file() for name in RECORD_FILES):
            return "probe records"
        if speed_files(path):
            return "sensor speeds"
        raise BadInput(
            f"{shown_path(path)}: folder has none of {', '.join(RECORD_FILES)} (probe records) nor a speed table "
            f"{'|'.join(SPEED_STEMS)}.csv/.csv.gz/.parquet (sensor speeds)"
        )
    if not path.exists():
        raise BadInput(f"{shown_path(path)}: file not found")
    return "sensor speeds" if is_speed_file(path) else "probe records"


def load_data(
    path: Path, columns: dict[str, str], speed_unit: str, links_per_sensor: int, train_fraction: float
) -> LoadedData:
    """Load either layout as raw records and a segment table (see the module docstring)."""
    path = Path(path)
    if layout_of(path) == "sensor speeds":
        return load_sensor_speeds(path, columns, speed_unit, links_per_sensor, train_fraction)
    return load_records(path, columns)
