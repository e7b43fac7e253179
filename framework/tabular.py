"""Reading a user's CSV/Parquet table: every failure is one short ``BadInput`` line naming the file."""

from __future__ import annotations

import gzip
import warnings
import zlib
from pathlib import Path

import pandas as pd

from framework.errors import BadInput
from framework.guards import brief, screen_text_file

PATH_LIMIT = 60  # characters of a path in a message: its tail, where the file name is
PARQUET_SUFFIXES = (".parquet", ".pq")


def shown_path(path: Path | str) -> str:
    """The path for a message: as given, or only its tail when it is long."""
    text = str(path)
    return text if len(text) <= PATH_LIMIT else "..." + text[-(PATH_LIMIT - 3) :]


def _reason(exc: BaseException, path: Path) -> str:
    """The exception's text on one line, without the (already named) path, cut short."""
    return brief(str(exc).replace(str(path), path.name) or type(exc).__name__, 70)


def _parse(path: Path, as_text: bool) -> pd.DataFrame:
    if path.suffix.lower() in PARQUET_SUFFIXES:
        frame = pd.read_parquet(path)
        if as_text:  # strings like a CSV read as text, so every bad value can be named; dates stay dates
            text = [c for c in frame.columns if not pd.api.types.is_datetime64_any_dtype(frame[c])]
            frame = frame.astype({c: "string" for c in text})
        return frame
    # Whole-file type inference (low_memory=False): no DtypeWarning lines on stderr for mixed columns.
    # index_col=False: a row longer than the header must not silently turn ids into an index.
    text_options = {"dtype": str, "keep_default_na": False} if as_text else {}
    return pd.read_csv(path, encoding="utf-8", low_memory=False, index_col=False, **text_options)


def read_table(path: Path, *, as_text: bool = False) -> pd.DataFrame:
    """Read a CSV (optionally gzip-compressed) or Parquet file.

    Args:
        path: the file; ``.parquet``/``.pq`` is Parquet, anything else CSV (``.gz`` decompressed).
        as_text: every column as strings, empty cells as ``""`` (dates in Parquet stay dates).

    Raises:
        BadInput: missing, empty, binary, non-UTF-8, truncated, corrupt or malformed file,
            or a file without data rows; one line naming the file.
    """
    name = shown_path(path)
    if not path.is_file():
        raise BadInput(f"{name}: file not found")
    if path.stat().st_size == 0:
        raise BadInput(f"{name}: file is empty")
    screen_text_file(path, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # parser warnings would add stray lines to the one-line contract
            warnings.simplefilter("error", pd.errors.ParserWarning)  # ...except a row longer than the header
            frame = _parse(path, as_text)
    except pd.errors.EmptyDataError:
        raise BadInput(f"{name}: file is empty") from None
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start : exc.start + 1].hex()
        raise BadInput(f"{name}: is not UTF-8 text (byte 0x{byte}) at offset {exc.start}; save it as UTF-8") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise BadInput(f"{name}: truncated or damaged gzip file ({_reason(exc, path)})") from None
    except pd.errors.ParserWarning:
        raise BadInput(f"{name}: malformed CSV row (a row has more fields than the header)") from None
    except pd.errors.ParserError as exc:
        raise BadInput(f"{name}: malformed CSV row ({_reason(exc, path)})") from None
    except MemoryError:
        raise BadInput(f"{name}: too large to read into memory; pass a smaller extract") from None
    except Exception as exc:  # pyarrow and the parsers raise many types; the user needs the file and why
        kind = "Parquet" if path.suffix.lower() in PARQUET_SUFFIXES else "CSV"
        raise BadInput(f"{name}: cannot be read as {kind} ({_reason(exc, path)})") from None
    if frame.empty:
        raise BadInput(f"{name}: file has no data rows")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame
