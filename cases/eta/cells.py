"""Cell checks of a loaded ETA table: numbers, ids and timestamps; each refusal names file, row, column, value."""

from __future__ import annotations

import numpy as np
import pandas as pd

from framework.dataload import LoadedTable
from framework.errors import BadInput
from framework.guards import check_datetimes, check_epoch_seconds, quote
from framework.tabular import shown_path

# Ids must survive the float round trip of a CSV reader exactly.
MAX_ID = 2**53


def first_bad(mask: pd.Series | np.ndarray) -> int:
    """0-based position of the first True in ``mask``."""
    return int(np.flatnonzero(np.asarray(mask))[0])


def blank_to_null(frame: pd.DataFrame) -> pd.DataFrame:
    """Empty text cells (``""``, as :func:`framework.dataload.load_table` gives them) as nulls."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values):
            out[column] = values.where(values.astype(str).str.strip() != "")
    return out


def column(table: LoadedTable, role: str) -> str:
    """``"segment_id"``, or ``"link (segment_id)"`` when the file names the role's column otherwise."""
    source = table.columns.get(role, role)
    return role if source == role else f"{source} ({role})"


def row_at(table: LoadedTable, row: int) -> str:
    """``"data row 4"``: the 1-based data row (the wording of earlier messages; :func:`line_of` adds the line)."""
    return f"data row {row + 1}"


def line_of(table: LoadedTable, row: int) -> str:
    """``" (line 5)"`` for a text file, ``""`` for Parquet (rows have no lines): a message's tail."""
    return "" if table.layout == "Parquet" else f" (line {table.line(row):,})"


def numeric(table: LoadedTable, role: str, allow_null: bool = True) -> pd.Series:
    """The role's column as float numbers; a non-numeric cell (or a null where none is allowed) is BadInput."""
    raw = table.frame[role]
    name = shown_path(table.path)
    if pd.api.types.is_bool_dtype(raw) or pd.api.types.is_datetime64_any_dtype(raw):
        raise BadInput(f"{name}: column {column(table, role)} is not numeric (it holds {raw.dtype} values)")
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & (raw.notna() | (not allow_null))
    if bad.any():
        row = first_bad(bad)
        what = "is empty" if pd.isna(raw.iloc[row]) else f"is not a number ({quote(raw.iloc[row], 40)})"
        raise BadInput(f"{name}: column {column(table, role)}, {row_at(table, row)} {what}{line_of(table, row)}")
    return values.astype(np.float64)


def integers(table: LoadedTable, role: str, values: pd.Series) -> pd.Series:
    """Refuse non-integral or huge ids (they would be truncated or collide after the int cast)."""
    arr = values.to_numpy()
    bad = ~np.isnan(arr) & ((arr != np.round(arr)) | (np.abs(arr) >= MAX_ID) | ~np.isfinite(arr))
    if bad.any():
        row = first_bad(bad)
        raise BadInput(
            f"{shown_path(table.path)}: column {column(table, role)}, {row_at(table, row)} must be a whole number "
            f"below 2**53, got {quote(float(arr[row]), 30)}{line_of(table, row)}"
        )
    return values


def _parse_text_times(table: LoadedTable, raw: pd.Series, role: str) -> pd.Series:
    """ISO-8601 strings to timestamps; an unparseable cell is named by its row, cut short."""
    name = shown_path(table.path)
    text = raw.astype("string")
    try:
        return pd.to_datetime(text, format="ISO8601")
    except (pd.errors.OutOfBoundsDatetime, OverflowError):
        raise BadInput(
            f"{name}: column {column(table, role)} has a date outside 1970-2100 (year 1000? 9999?)"
        ) from None
    except (ValueError, TypeError):
        pass  # find the first bad cell below instead of echoing pandas' long message
    try:
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    except (ValueError, TypeError, OverflowError):
        parsed = pd.Series(pd.NaT, index=raw.index)
    bad = parsed.isna() & raw.notna()
    if bad.any():
        row = first_bad(bad)
        raise BadInput(
            f"{name}: column {column(table, role)}, {row_at(table, row)} is not ISO-8601 or Unix seconds "
            f"({quote(raw.iloc[row], 40)}){line_of(table, row)}"
        )
    raise BadInput(
        f"{name}: column {column(table, role)} mixes UTC offsets; give local wall-clock times with one offset or none"
    )


def timestamps(table: LoadedTable, role: str = "timestamp") -> pd.Series:
    """Parse ISO-8601 wall-clock strings or Unix seconds into naive timestamps within 1970-2100."""
    raw = table.frame[role]
    name = shown_path(table.path)
    if pd.api.types.is_datetime64_any_dtype(raw):
        ts = pd.Series(raw)
    elif pd.api.types.is_bool_dtype(raw):
        raise BadInput(f"{name}: column {column(table, role)} holds true/false values, not date-times")
    else:
        # A text column whose every cell is a number (a CSV reader's choice for huge integers) is seconds too.
        numbers = pd.to_numeric(raw, errors="coerce")
        if numbers.notna().sum() == raw.notna().sum():
            seconds = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
            check_epoch_seconds(seconds[~np.isnan(seconds)], name)
            ts = pd.to_datetime(pd.Series(seconds, index=raw.index), unit="s")
        else:
            ts = _parse_text_times(table, raw, role)
    if getattr(ts.dt, "tz", None) is not None:
        # Rush hours follow local clocks: keep the wall-clock time, drop the offset.
        ts = ts.dt.tz_localize(None)
    check_datetimes(ts, name)
    return ts
