"""Sizing an ETA records file before reading it: refuse one whose run would not fit in memory."""

from __future__ import annotations

from pathlib import Path

from cases.eta.config import MEMORY_MODEL
from framework.guards import refuse_over_memory
from framework.tabular import shown_path

# Lower bounds on the bytes one record takes in a file, to size a file before reading it.
_CSV_BYTES_PER_ROW = 20
_GZIP_RATIO = 4
# Parsing text (timestamps as strings, object columns) costs more than the generator's arrays.
_READ_BYTES_PER_ROW = 250.0


def estimated_rows(path: Path) -> int:
    """Rows a records file holds: exact for Parquet (its footer), an upper bound from the size for CSV."""
    size = path.stat().st_size
    if path.suffix.lower() == ".parquet":
        try:
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(path).metadata.num_rows)
        except Exception:  # a corrupt footer: the reader will say so
            return 0
    if path.suffix.lower() == ".gz":
        size *= _GZIP_RATIO
    return size // _CSV_BYTES_PER_ROW


def check_fits_memory(path: Path, n_segments: int, available: int | None = None) -> None:
    """Refuse a records file whose run would need more memory than this machine has, before reading it.

    Args:
        path: the records file.
        n_segments: segments in the segment table (every model is a segments x week table).
        available: bytes available (read from the machine when None).

    Raises:
        BadInput: with the estimate and the memory available.
    """
    rows = estimated_rows(path)
    m = MEMORY_MODEL
    need = m["base"] + (m["per_row_data"] + _READ_BYTES_PER_ROW) * rows + m["per_key"] * n_segments * 5040
    refuse_over_memory(need, f"{shown_path(path)}: about {rows:,} records", "pass a smaller extract", available)
