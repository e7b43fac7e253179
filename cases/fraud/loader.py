"""Load real transactions (CSV or Parquet) into the simulator's frame, with one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cases.fraud.config import MAX_AMOUNT
from framework.errors import BadInput
from framework.guards import brief, check_datetimes, check_epoch_seconds, quote, refuse_over_memory
from framework.tabular import PARQUET_SUFFIXES, read_table
from framework.timeunits import SECONDS_PER_DAY

COLUMNS: tuple[str, ...] = ("transaction_id", "timestamp", "customer_id", "terminal_id", "amount", "is_fraud")
CSV_SUFFIXES = (".csv", ".txt", ".gz")
# Peak RSS of a whole --data run per byte of CSV text (measured with `/usr/bin/time -f %M`: the large
# preset's 1.78M transactions as an 80 MB CSV peak at 1.43 GiB, 19 bytes per file byte); gzip and
# Parquet hold about 4x and 3x as much text per file byte.
PEAK_BYTES_PER_TEXT_BYTE = 20
TEXT_PER_FILE_BYTE = {".gz": 4.0, ".parquet": 3.0, ".pq": 3.0}
MAX_ID_CHARS = 256


def _read(path: Path) -> pd.DataFrame:
    """Read the file as strings (so every bad value can be named), CSV or Parquet by suffix."""
    name = quote(path.name, 40)
    if path.is_dir():
        raise BadInput(f"--data {name} is a folder; pass one .csv or .parquet file")
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + PARQUET_SUFFIXES:
        raise BadInput(f"unsupported data file {name}; use .csv, .csv.gz or .parquet")
    size = path.stat().st_size
    need = size * TEXT_PER_FILE_BYTE.get(suffix, 1.0) * PEAK_BYTES_PER_TEXT_BYTE
    refuse_over_memory(need, f"data file {name} ({size / 2**20:,.0f} MiB)", "use a smaller extract")
    return read_table(path, as_text=True)


def _row_of(mask: np.ndarray) -> int:
    """1-based data row number (header excluded) of the first True in ``mask``."""
    return int(np.flatnonzero(mask)[0]) + 1


def _numeric(frame: pd.DataFrame, column: str, name: str) -> np.ndarray:
    """A column as float; BadInput naming the first missing or non-numeric value and its row."""
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isnan(values)
    if bad.any():
        i = _row_of(bad)
        value = raw.iloc[i - 1]
        if pd.isna(value) or not str(value).strip():
            raise BadInput(f"missing {column} in row {i} of {name}")
        raise BadInput(f"non-numeric {column} {quote(value)} in row {i} of {name}")
    return values


def _amounts(frame: pd.DataFrame, name: str) -> np.ndarray:
    """The amount column: finite, not negative, not implausibly large."""
    amount = _numeric(frame, "amount", name)
    for bad, problem, why in (
        (~np.isfinite(amount), "non-finite", ""),
        (amount < 0, "negative", ""),
        (amount > MAX_AMOUNT, "implausibly large", f" (the limit is {MAX_AMOUNT:.0e})"),
    ):
        if bad.any():
            i = _row_of(bad)
            raise BadInput(f"{problem} amount {quote(frame['amount'].iloc[i - 1])} in row {i} of {name}{why}")
    return amount


def _labels(frame: pd.DataFrame, name: str) -> np.ndarray:
    """The is_fraud column: 0 or 1 in every row."""
    label = _numeric(frame, "is_fraud", name)
    bad = ~np.isin(label, (0.0, 1.0))
    if bad.any():
        i = _row_of(bad)
        raise BadInput(f"is_fraud must be 0 or 1, got {quote(frame['is_fraud'].iloc[i - 1])} in row {i} of {name}")
    return label.astype(np.int8)


def check_classes(tx: pd.DataFrame, path: Path) -> None:
    """The models need both classes: refuse a file whose ``is_fraud`` is the same in every row.

    Raises:
        BadInput: naming the file and the missing class.
    """
    frauds, rows = int(tx["is_fraud"].sum()), len(tx)
    if frauds in (0, rows):
        kind, value = ("fraudulent", 0) if frauds == 0 else ("legitimate", 1)
        raise BadInput(
            f"{quote(path.name, 40)} has no {kind} transaction (is_fraud is {value} in all {rows:,} rows); "
            "the models need both classes"
        )


def _ids(frame: pd.DataFrame, column: str, name: str) -> np.ndarray:
    """An id column; empty or absurdly long values are an error."""
    values = frame[column].astype("string").str.strip()
    empty = values.isna().to_numpy() | (values == "").to_numpy()
    if empty.any():
        raise BadInput(f"empty {column} in row {_row_of(empty)} of {name}")
    # A megabyte id is a broken file, and fixed-width id arrays would take rows x longest id x 4 bytes.
    long = (values.str.len() > MAX_ID_CHARS).to_numpy(dtype=bool)
    if long.any():
        i = _row_of(long)
        raise BadInput(
            f"{column} of {len(values.iloc[i - 1]):,} characters in row {i} of {name} (ids have at most {MAX_ID_CHARS})"
        )
    return values.to_numpy(dtype=object)


def _check_columns(frame: pd.DataFrame, name: str) -> None:
    columns = [str(c) for c in frame.columns]
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise BadInput(f"unknown column {quote(unknown[0], 40)} in {name}; expected exactly {', '.join(COLUMNS)}")
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise BadInput(f"missing column {missing[0]!r} in {name}; expected {', '.join(COLUMNS)}")
    if len(frame) == 0:
        raise BadInput(f"data file {name} has a header but no rows")


def load_transactions(path: Path, warnings: list[str] | None = None) -> pd.DataFrame:
    """Load and validate a real transaction file.

    Expected columns (exactly): transaction_id, timestamp, customer_id, terminal_id,
    amount, is_fraud. ``timestamp`` is an ISO date-time (or seconds since the epoch) from
    1970 to 2100, ``amount`` a finite number from 0 to :data:`~cases.fraud.config.MAX_AMOUNT`,
    ``is_fraud`` 0 or 1 with both classes present.

    Args:
        path: a .csv, .csv.gz or .parquet file.
        warnings: odd but usable findings (unsorted rows, zero amounts) are appended here.

    Returns:
        Rows sorted by time (stable), with ``day`` (days since the first midnight) and
        ``time_s`` (seconds since that midnight) added, ids as given.

    Raises:
        BadInput: naming the file and the first bad column, value or row, on one short line.
    """
    name = quote(path.name, 40)
    frame = _read(path)
    _check_columns(frame, name)
    amount = _amounts(frame, name)
    label = _labels(frame, name)
    timestamp = _timestamps(frame, name)
    tx_id = _ids(frame, "transaction_id", name)
    dupes = pd.Series(tx_id).duplicated().to_numpy()
    if dupes.any():
        raise BadInput(f"duplicate transaction_id {quote(tx_id[dupes][0])} in row {_row_of(dupes)} of {name}")

    out = pd.DataFrame(
        {
            "transaction_id": _as_int_if_possible(tx_id),
            "timestamp": timestamp,
            "customer_id": _as_int_if_possible(_ids(frame, "customer_id", name)),
            "terminal_id": _as_int_if_possible(_ids(frame, "terminal_id", name)),
            "amount": amount,
            "is_fraud": label,
        }
    )
    if warnings is not None:
        warnings += _warnings(out, name)
    out = out.sort_values("timestamp", kind="stable").reset_index(drop=True)
    secs = out["timestamp"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    origin = secs[0] - secs[0] % SECONDS_PER_DAY  # midnight of the first day
    out["time_s"] = secs - origin
    out["day"] = out["time_s"] // SECONDS_PER_DAY
    return out


def _warnings(tx: pd.DataFrame, name: str) -> list[str]:
    """Odd but usable properties of a loaded file, said once after the run."""
    out = []
    if not tx["timestamp"].is_monotonic_increasing:
        out.append(f"{name}: rows are not in time order; they were sorted by timestamp")
    zero = int((tx["amount"] == 0).sum())
    if zero:
        out.append(f"{name}: {zero:,} transaction(s) have amount 0 (kept, e.g. card checks)")
    return out


def _timestamps(frame: pd.DataFrame, name: str) -> pd.Series:
    """Parse ISO date-times (or epoch seconds) from 1970 to 2100; BadInput naming the first bad value."""
    raw = frame["timestamp"]
    where = f"{name} column timestamp"
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) is not None else raw
    else:
        text = raw.astype("string").str.strip()
        numeric = pd.to_numeric(text, errors="coerce")
        if numeric.notna().all():
            seconds = numeric.to_numpy(dtype=np.float64)
            # Checked before conversion: milliseconds or a 300-digit number overflow the datetime range.
            check_epoch_seconds(seconds, where)
            parsed = pd.to_datetime(numeric, unit="s", errors="coerce")
        else:
            try:
                parsed = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True).dt.tz_convert(None)
            except (ValueError, TypeError, OverflowError) as exc:
                reason = brief(str(exc) or type(exc).__name__, 100)
                raise BadInput(f"unparsable timestamp column in {name}: {reason}") from None
    bad = parsed.isna().to_numpy()
    if bad.any():
        i = _row_of(bad)
        value = raw.iloc[i - 1]
        if pd.isna(value) or not str(value).strip():
            raise BadInput(f"missing timestamp in row {i} of {name}")
        raise BadInput(f"unparsable timestamp {quote(value)} in row {i} of {name}")
    check_datetimes(parsed, where)
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
