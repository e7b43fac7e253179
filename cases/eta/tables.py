"""Reading a user's CSV/Parquet table safely: every failure is one short ``BadInput`` line naming the file."""

from __future__ import annotations

import gzip
import warnings
import zlib
from pathlib import Path

import pandas as pd

from cases.eta.config import MEMORY_MODEL
from framework.errors import BadInput
from framework.guards import MEMORY_HEADROOM, available_memory_bytes, gib, quote, screen_text_file

# Paths and quoted reasons are cut so a message stays one line of about 200 characters.
_PATH_LIMIT = 60
_REASON_LIMIT = 70
# Lower bounds on the bytes one record takes in a file, to size a file before reading it.
_CSV_BYTES_PER_ROW = 20
_GZIP_RATIO = 4
# Parsing text (timestamps as strings, object columns) costs more than the generator's arrays.
_READ_BYTES_PER_ROW = 250.0


def where(path: Path) -> str:
    """The path for a message: as given, but only its tail when it is long."""
    text = str(path)
    return text if len(text) <= _PATH_LIMIT else "..." + text[-(_PATH_LIMIT - 3) :]


def _reason(exc: BaseException, path: Path) -> str:
    """The exception's text on one line, without the (already named) path, cut short."""
    text = " ".join(str(exc).replace(str(path), path.name).split()) or type(exc).__name__
    return quote(text, _REASON_LIMIT)[1:-1]


def _parse(path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path)
    # Whole-file type inference (low_memory=False): no DtypeWarning lines on stderr for mixed columns.
    # index_col=False: a row longer than the header must not silently turn ids into an index.
    return pd.read_csv(path, encoding="utf-8", low_memory=False, index_col=False)


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV (optionally gzip-compressed) or Parquet file.

    Raises:
        BadInput: missing, empty, binary, non-UTF-8, truncated, corrupt or malformed file,
            or a file without data rows; one line naming the file.
    """
    name = where(path)
    if not path.is_file():
        raise BadInput(f"{name}: file not found")
    if path.stat().st_size == 0:
        raise BadInput(f"{name}: file is empty")
    screen_text_file(path, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # parser warnings would add stray lines to the one-line contract
            warnings.simplefilter("error", pd.errors.ParserWarning)  # ...except a row longer than the header
            frame = _parse(path)
    except pd.errors.EmptyDataError:
        raise BadInput(f"{name}: file is empty") from None
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"{name}: is not UTF-8 text (byte {exc.object[exc.start : exc.start + 1]!r} at offset {exc.start}); "
            "save it as UTF-8"
        ) from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise BadInput(f"{name}: compressed file is truncated or damaged ({_reason(exc, path)})") from None
    except pd.errors.ParserWarning:
        raise BadInput(f"{name}: malformed CSV (a row has more fields than the header)") from None
    except pd.errors.ParserError as exc:
        raise BadInput(f"{name}: malformed CSV ({_reason(exc, path)})") from None
    except MemoryError:
        raise BadInput(f"{name}: too large to read into memory; pass a smaller extract") from None
    except Exception as exc:  # pyarrow and the parsers raise many types; the user needs the file and why
        kind = "Parquet" if path.suffix.lower() == ".parquet" else "CSV"
        raise BadInput(f"{name}: cannot be read as {kind} ({_reason(exc, path)})") from None
    if frame.empty:
        raise BadInput(f"{name}: file has no data rows")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


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
    available = available_memory_bytes() if available is None else available
    if available is None or need <= MEMORY_HEADROOM * available:
        return
    raise BadInput(
        f"{where(path)}: about {rows:,} records need about {gib(need)} of memory, more than the "
        f"{gib(available)} available; pass a smaller extract"
    )
