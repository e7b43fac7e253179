"""Load real transactions (CSV or Parquet) into the simulator's frame, with one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from framework.errors import BadInput

COLUMNS: tuple[str, ...] = ("transaction_id", "timestamp", "customer_id", "terminal_id", "amount", "is_fraud")
SECONDS_PER_DAY = 86_400


def _read(path: Path) -> pd.DataFrame:
    """Read the file as strings (so every bad value can be named), CSV or Parquet by suffix."""
    if path.is_dir():
        raise BadInput(f"--data {path.name!r} is a folder; pass one .csv or .parquet file")
    if path.stat().st_size == 0:
        raise BadInput(f"data file {path.name!r} is empty")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
            return frame.astype({c: "string" for c in frame.columns if c != "timestamp"})
        if suffix in (".csv", ".txt", ".gz"):
            return pd.read_csv(path, dtype=str, keep_default_na=False, on_bad_lines="error")
    except pd.errors.EmptyDataError:
        raise BadInput(f"data file {path.name!r} is empty") from None
    except pd.errors.ParserError as exc:
        first = str(exc).strip().splitlines()[-1]
        raise BadInput(f"malformed row in {path.name!r}: {first}") from None
    except (OSError, ValueError) as exc:
        raise BadInput(f"cannot read {path.name!r}: {str(exc).splitlines()[0]}") from None
    raise BadInput(f"unsupported data file {path.name!r}; use .csv or .parquet")


def _row_of(frame: pd.DataFrame, mask: np.ndarray) -> int:
    """1-based data row number (header excluded) of the first True in ``mask``."""
    return int(np.flatnonzero(mask)[0]) + 1


def _numeric(frame: pd.DataFrame, column: str, name: str) -> np.ndarray:
    """A column as float; BadInput naming the first non-numeric value and its row."""
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isnan(values)
    if bad.any():
        i = _row_of(frame, bad)
        raise BadInput(f"non-numeric {column} {raw.iloc[i - 1]!r} in row {i} of {name!r}")
    return values


def _ids(frame: pd.DataFrame, column: str, name: str) -> np.ndarray:
    """An id column; empty values are an error."""
    values = frame[column].astype("string").str.strip()
    empty = values.isna().to_numpy() | (values == "").to_numpy()
    if empty.any():
        raise BadInput(f"empty {column} in row {_row_of(frame, empty)} of {name!r}")
    return values.to_numpy(dtype=object)


def load_transactions(path: Path) -> pd.DataFrame:
    """Load and validate a real transaction file.

    Expected columns (exactly): transaction_id, timestamp, customer_id, terminal_id,
    amount, is_fraud. ``timestamp`` is an ISO date-time (or seconds since the epoch),
    ``amount`` a non-negative number, ``is_fraud`` 0 or 1.

    Args:
        path: a .csv or .parquet file.

    Returns:
        Rows sorted by time (stable), with ``day`` (days since the first midnight) and
        ``time_s`` (seconds since that midnight) added, ids as given.

    Raises:
        BadInput: naming the file and the first bad column, value or row.
    """
    name = path.name
    frame = _read(path)
    columns = [str(c) for c in frame.columns]
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise BadInput(f"unknown column {unknown[0]!r} in {name!r}; expected exactly {', '.join(COLUMNS)}")
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise BadInput(f"missing column {missing[0]!r} in {name!r}; expected {', '.join(COLUMNS)}")
    if len(frame) == 0:
        raise BadInput(f"data file {name!r} has a header but no rows")

    amount = _numeric(frame, "amount", name)
    if (amount < 0).any():
        i = _row_of(frame, amount < 0)
        raise BadInput(f"negative amount {frame['amount'].iloc[i - 1]!r} in row {i} of {name!r}")
    label = _numeric(frame, "is_fraud", name)
    bad = ~np.isin(label, (0.0, 1.0))
    if bad.any():
        i = _row_of(frame, bad)
        raise BadInput(f"is_fraud must be 0 or 1, got {frame['is_fraud'].iloc[i - 1]!r} in row {i} of {name!r}")
    timestamp = _timestamps(frame, name)
    tx_id = _ids(frame, "transaction_id", name)
    dupes = pd.Series(tx_id).duplicated().to_numpy()
    if dupes.any():
        raise BadInput(f"duplicate transaction_id {tx_id[dupes][0]!r} in row {_row_of(frame, dupes)} of {name!r}")

    out = pd.DataFrame(
        {
            "transaction_id": _as_int_if_possible(tx_id),
            "timestamp": timestamp,
            "customer_id": _as_int_if_possible(_ids(frame, "customer_id", name)),
            "terminal_id": _as_int_if_possible(_ids(frame, "terminal_id", name)),
            "amount": amount,
            "is_fraud": label.astype(np.int8),
        }
    )
    out = out.sort_values("timestamp", kind="stable").reset_index(drop=True)
    secs = out["timestamp"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    origin = secs[0] - secs[0] % SECONDS_PER_DAY  # midnight of the first day
    out["time_s"] = secs - origin
    out["day"] = out["time_s"] // SECONDS_PER_DAY
    return out


def _timestamps(frame: pd.DataFrame, name: str) -> pd.Series:
    """Parse ISO date-times (or epoch seconds); BadInput naming the first unparsable value."""
    raw = frame["timestamp"]
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) is not None else raw
    else:
        text = raw.astype("string").str.strip()
        numeric = pd.to_numeric(text, errors="coerce")
        try:
            if numeric.notna().all():
                parsed = pd.to_datetime(numeric, unit="s", errors="coerce")
            else:
                parsed = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True).dt.tz_convert(None)
        except (ValueError, TypeError, OverflowError) as exc:
            raise BadInput(f"unparsable timestamp column in {name!r}: {str(exc).splitlines()[0]}") from None
    bad = parsed.isna().to_numpy()
    if bad.any():
        i = _row_of(frame, bad)
        raise BadInput(f"unparsable timestamp {raw.iloc[i - 1]!r} in row {i} of {name!r}")
    return parsed.astype("datetime64[s]")


def _as_int_if_possible(values: np.ndarray) -> np.ndarray:
    """Canonical integer ids become int64 (compact); anything else ("C01", "007") stays a string.

    "007" and "7" would collide as integers, so only ids that print back unchanged convert.
    """
    text = values.astype(str)
    try:
        ints = np.asarray(text, dtype=np.int64)
    except (TypeError, ValueError, OverflowError):
        return text
    return ints if np.array_equal(ints.astype(str), text) else text
