"""Load real transactions (any layout the shared loader reads) into the simulator's frame, with one-line errors.

Columns are found by :func:`framework.dataload.load_table` through the alias table below (names
compared case-insensitively, ignoring ``_ - . space``) or ``--columns role=name,...``. Extra
columns are ignored and listed in the data summary, never refused.

==============  ========  ==========================================================================
role            needed    aliases (first match wins)
==============  ========  ==========================================================================
transaction_id  no        transaction_id, tx_id, id, trans_id, transactionid (row number when absent)
timestamp       one of    timestamp, time, ts, datetime, date, event_time, unixtime, created_at,
                the two   tx_datetime: ISO date-times, Unix seconds, or seconds since the start
                          (all values below 1980's Unix time, e.g. the anonymised card set's ``Time``)
step_hours                step: hours since the start (PaySim); used only without a timestamp
customer_id     no        customer_id, customer, nameOrig, card_id, cc_num, account_id, client_id
terminal_id     no        terminal_id, terminal, nameDest, merchant, merchant_id, device_id
amount          yes       amount, tx_amount, amt, value, transaction_amount
is_fraud        yes       is_fraud, tx_fraud, fraud, isFraud, Class, label, target, y
==============  ========  ==========================================================================

Layouts it was written for (see ``data/README_fraud.md``): the case's own ``transaction_id,
timestamp, customer_id, terminal_id, amount, is_fraud`` (also without a header, in that order); the
Fraud Detection Handbook's export (``TRANSACTION_ID, TX_DATETIME, CUSTOMER_ID, TERMINAL_ID,
TX_AMOUNT, TX_TIME_SECONDS, TX_TIME_DAYS, TX_FRAUD, TX_FRAUD_SCENARIO``: the last three extra
columns are ignored); the anonymised card set (``Time, V1..V28, Amount, Class``); PaySim logs
(``step, type, amount, nameOrig, ..., isFraud, isFlaggedFraud``: ``isFlaggedFraud`` is the old
rule's flag, never the label). Which ids are present picks the mode (:mod:`cases.fraud.modes`).
Elapsed times (seconds or hours since the start) are placed on a calendar starting Monday
2000-01-03 00:00, so weekday and night flags assume the data starts at midnight on a Monday.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cases.fraud import modes
from cases.fraud.config import MAX_AMOUNT
from framework.dataload import LoadedTable, load_table
from framework.errors import BadInput
from framework.guards import brief, check_datetimes, check_epoch_seconds, quote, refuse_over_memory
from framework.roles import ALIASES, Role, normalise
from framework.tabular import shown_path
from framework.timeunits import SECONDS_PER_DAY, SECONDS_PER_HOUR

COLUMNS: tuple[str, ...] = ("transaction_id", "timestamp", "customer_id", "terminal_id", "amount", "is_fraud")
ROLES: tuple[Role, ...] = (
    Role("transaction_id", required=False, doc="unique per row; row numbers when absent"),
    Role("timestamp", ALIASES["timestamp"] + ("tx_datetime",), required=False, doc="when it happened"),
    Role("step_hours", required=False, doc="hours since the start"),
    Role("customer_id", required=False, doc="the card or account"),
    Role("terminal_id", required=False, doc="the terminal or merchant"),
    Role("amount", doc="the transaction amount"),
    Role("is_fraud", doc="1 for fraud, 0 for legitimate"),
)
# Peak RSS of a whole --data run per byte of CSV text (measured with `/usr/bin/time -f %M`: the large
# preset's 1.78M transactions as an 80 MB CSV peak at 1.43 GiB, 19 bytes per file byte); gzip and
# Parquet hold about 4x and 3x as much text per file byte.
PEAK_BYTES_PER_TEXT_BYTE = 20
TEXT_PER_FILE_BYTE = {".gz": 4.0, ".parquet": 3.0, ".pq": 3.0}
MAX_ID_CHARS = 256
# Numeric times below 1980-01-01 in Unix seconds are elapsed seconds since the start of the data.
ELAPSED_BELOW_S = 315_532_800
ELAPSED_ORIGIN = np.datetime64("2000-01-03T00:00:00", "s")  # a Monday at midnight


@dataclass
class RealTransactions:
    """A loaded transaction file.

    Attributes:
        tx: rows sorted by time (stable) with ``transaction_id, timestamp, customer_id, terminal_id,
            amount, is_fraud, time_s, day`` and, in the anonymous mode, the given feature columns.
        mode: one of :data:`cases.fraud.modes.MODES`.
        given: columns of the file that became features (anonymous mode only).
        summary: what ``metrics.json["data"]`` records about the reading (file, columns, ignored...).
    """

    tx: pd.DataFrame
    mode: str
    given: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def _row_of(mask: np.ndarray) -> int:
    """0-based data row of the first True in ``mask``."""
    return int(np.flatnonzero(mask)[0])


def _at(table: LoadedTable, role: str, i: int) -> str:
    """``row N ('FILE' line M, column C)`` for data row ``i`` (0-based) of ``role``'s column."""
    line = "" if table.layout == "Parquet" else f" line {table.line(i):,}"
    return f"row {i + 1:,} ({quote(table.path.name, 40)}{line}, column {quote(table.columns[role], 30)})"


def _numeric(table: LoadedTable, role: str) -> np.ndarray:
    """A column as float; BadInput naming the first missing or non-numeric value, its row, line and column."""
    raw = table.frame[role]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isnan(values)
    if bad.any():
        i = _row_of(bad)
        value = raw.iloc[i]
        if pd.isna(value) or not str(value).strip():
            raise BadInput(f"missing {role} in {_at(table, role, i)}")
        raise BadInput(f"non-numeric {role} {quote(value)} in {_at(table, role, i)}")
    return values


def _amounts(table: LoadedTable) -> np.ndarray:
    """The amount column: finite, not negative, not implausibly large."""
    amount = _numeric(table, "amount")
    for bad, problem, why in (
        (~np.isfinite(amount), "non-finite", ""),
        (amount < 0, "negative", ""),
        (amount > MAX_AMOUNT, "implausibly large", f" (the limit is {MAX_AMOUNT:.0e})"),
    ):
        if bad.any():
            i = _row_of(bad)
            raise BadInput(f"{problem} amount {quote(table.frame['amount'].iloc[i])} in {_at(table, 'amount', i)}{why}")
    return amount


def _labels(table: LoadedTable) -> np.ndarray:
    """The is_fraud column: 0 or 1 in every row."""
    label = _numeric(table, "is_fraud")
    bad = ~np.isin(label, (0.0, 1.0))
    if bad.any():
        i = _row_of(bad)
        value = quote(table.frame["is_fraud"].iloc[i])
        raise BadInput(f"is_fraud must be 0 or 1, got {value} in {_at(table, 'is_fraud', i)}")
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


def _ids(table: LoadedTable, role: str) -> np.ndarray:
    """An id column; empty or absurdly long values are an error."""
    values = table.frame[role].astype("string").str.strip()
    empty = values.isna().to_numpy() | (values == "").to_numpy()
    if empty.any():
        raise BadInput(f"empty {role} in {_at(table, role, _row_of(empty))}")
    # A megabyte id is a broken file, and fixed-width id arrays would take rows x longest id x 4 bytes.
    long = (values.str.len() > MAX_ID_CHARS).to_numpy(dtype=bool)
    if long.any():
        i = _row_of(long)
        raise BadInput(
            f"{role} of {len(values.iloc[i]):,} characters in {_at(table, role, i)} (ids have at most {MAX_ID_CHARS})"
        )
    return values.to_numpy(dtype=object)


def _read(path: Path, mapping: dict[str, str] | None) -> LoadedTable:
    """The file through the shared loader, after a memory estimate."""
    path = Path(path)
    if path.is_file():
        size = path.stat().st_size
        need = size * TEXT_PER_FILE_BYTE.get(path.suffix.lower(), 1.0) * PEAK_BYTES_PER_TEXT_BYTE
        refuse_over_memory(need, f"data file {quote(path.name, 40)} ({size / 2**20:,.0f} MiB)", "use a smaller extract")
    table = load_table(path, ROLES, mapping=mapping, headerless=COLUMNS, what="transactions", keep_ignored=True)
    if "timestamp" not in table.columns and "step_hours" not in table.columns:
        listed = brief(", ".join([*table.columns.values(), *table.ignored]), 40)
        raise BadInput(
            f"{shown_path(path)}: no timestamp column among {listed} (nor a PaySim step); "
            "use --columns timestamp=COLUMN"
        )
    return table


def load_transactions(
    path: Path, warnings: list[str] | None = None, columns: dict[str, str] | None = None
) -> pd.DataFrame:
    """Load and validate a real transaction file (the frame of :func:`read_transactions`)."""
    return read_transactions(path, warnings, columns).tx


def read_transactions(
    path: Path, warnings: list[str] | None = None, columns: dict[str, str] | None = None
) -> RealTransactions:
    """Load and validate a real transaction file and choose its mode.

    ``timestamp`` is an ISO date-time, Unix seconds (1970 to 2100) or seconds since the start;
    ``amount`` a finite number from 0 to :data:`~cases.fraud.config.MAX_AMOUNT`; ``is_fraud`` 0 or 1.

    Args:
        path: any table :func:`framework.dataload.load_table` reads.
        warnings: odd but usable findings (unsorted rows, zero amounts) are appended here.
        columns: ``--columns`` role -> column.

    Returns:
        Rows sorted by time (stable), with ``day`` (days since the first midnight) and ``time_s``
        (seconds since that midnight) added, ids as given (placeholders for absent ones, see
        :mod:`cases.fraud.modes`).

    Raises:
        BadInput: naming the file, the first bad row and line, the column and the value, on one line.
    """
    table = _read(path, columns)
    n = len(table.frame)
    amount = _amounts(table)
    label = _labels(table)
    timestamp, time_note = _times(table)
    notes = list(time_note)
    if "transaction_id" in table.columns:
        tx_id = _ids(table, "transaction_id")
        dupes = pd.Series(tx_id).duplicated().to_numpy()
        if dupes.any():
            i = _row_of(dupes)
            raise BadInput(f"duplicate transaction_id {quote(tx_id[i])} in {_at(table, 'transaction_id', i)}")
        tx_id = _as_int_if_possible(tx_id)
    else:
        tx_id = np.arange(n, dtype=np.int64)
        notes.append("no transaction id column: transactions are numbered by their row (0-based)")
    mode = modes.choose(set(table.columns))
    ids = {r: _as_int_if_possible(_ids(table, r)) for r in ("customer_id", "terminal_id") if r in table.columns}
    out = pd.DataFrame({"transaction_id": tx_id, "timestamp": timestamp})
    out["customer_id"] = ids["customer_id"] if mode != modes.ANONYMOUS else np.arange(n, dtype=np.int64)
    out["terminal_id"] = ids["terminal_id"] if mode == modes.CUSTOMER_TERMINAL else np.zeros(n, dtype=np.int64)
    out["amount"] = amount
    out["is_fraud"] = label
    given: list[str] = []
    if mode == modes.ANONYMOUS:
        given, extra = modes.given_features(table)
        for name in given:
            out[name] = extra[name]
    summary = table.summary()
    if mode == modes.ANONYMOUS:
        summary["ignored_columns"] = [c for c in summary["ignored_columns"] if c not in given]
        if "terminal_id" in table.columns:
            summary["ignored_columns"].append(table.columns["terminal_id"])
            notes.append("terminal ids without customer ids are not used: the run is anonymous tabular")
    summary["reading_notes"] = [*summary["reading_notes"], *notes]
    if warnings is not None:
        name = quote(Path(path).name, 40)
        warnings += _warnings(out, name)
        warnings += [f"{name}: {note}" for note in summary["reading_notes"] if "whole column is dropped" in note]
        # Only columns that could carry signal are worth a warning: a label-like column (the handbook's
        # TX_FRAUD_SCENARIO) or a time column is rightly ignored and must not be suggested as a feature.
        unused = [
            str(c)
            for c in summary["ignored_columns"]
            if not (modes.LEAKY.search(normalise(str(c))) or modes.TIME_LIKE.search(normalise(str(c))))
        ]
        if mode != modes.ANONYMOUS and unused:
            these = f"column {unused[0]} is" if len(unused) == 1 else f"columns {', '.join(unused)} are"
            warnings.append(
                f"{name}: {these} not used: the {mode} mode uses only its own features (per-customer and "
                "per-terminal amount and count windows); numeric extra columns become features only in the "
                "anonymous mode (a copy of the file without the customer and terminal id columns runs in it)"
            )
    out = out.sort_values("timestamp", kind="stable").reset_index(drop=True)
    secs = out["timestamp"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    origin = secs[0] - secs[0] % SECONDS_PER_DAY  # midnight of the first day
    out["time_s"] = secs - origin
    out["day"] = out["time_s"] // SECONDS_PER_DAY
    return RealTransactions(tx=out, mode=mode, given=given, summary=summary)


def _warnings(tx: pd.DataFrame, name: str) -> list[str]:
    """Odd but usable properties of a loaded file, said once after the run."""
    out = []
    if not tx["timestamp"].is_monotonic_increasing:
        out.append(f"{name}: rows are not in time order; they were sorted by timestamp")
    zero = int((tx["amount"] == 0).sum())
    if zero:
        out.append(f"{name}: {zero:,} transaction(s) have amount 0 (kept, e.g. card checks)")
    return out


def _times(table: LoadedTable) -> tuple[pd.Series, list[str]]:
    """Timestamps from the timestamp column, or from PaySim's ``step`` hours; with a note for elapsed times."""
    if "timestamp" in table.columns:
        if "step_hours" in table.columns:
            table.ignored.append(table.columns.pop("step_hours"))
        return _timestamps(table)
    hours = _numeric(table, "step_hours")
    bad = ~np.isfinite(hours) | (hours < 0) | (hours > 1e6)
    if bad.any():
        i = _row_of(bad)
        value = quote(table.frame["step_hours"].iloc[i])
        raise BadInput(f"step (hours since the start) must be 0 to 1e6, got {value} in {_at(table, 'step_hours', i)}")
    seconds = np.round(hours * SECONDS_PER_HOUR).astype(np.int64)
    note = (
        f"column {table.columns['step_hours']} read as hours since the start, on a calendar starting "
        "Monday 2000-01-03 00:00 (weekday and night flags assume that start)"
    )
    return pd.Series(ELAPSED_ORIGIN + seconds.astype("timedelta64[s]")), [note]


def _timestamps(table: LoadedTable) -> tuple[pd.Series, list[str]]:
    """Parse ISO date-times, Unix seconds or elapsed seconds; BadInput naming the first bad value."""
    raw = table.frame["timestamp"]
    column = table.columns["timestamp"]
    where = f"{shown_path(table.path)} column {column}"
    notes: list[str] = []
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) is not None else raw
    else:
        text = raw.astype("string").str.strip()
        numeric = pd.to_numeric(text, errors="coerce")
        if numeric.notna().all():
            seconds = numeric.to_numpy(dtype=np.float64)
            if seconds.min() >= 0 and seconds.max() < ELAPSED_BELOW_S:
                notes.append(
                    f"column {column} read as seconds since the start (every value is below 1980's Unix time), "
                    "on a calendar starting Monday 2000-01-03 00:00 (weekday and night flags assume that start)"
                )
                offset = np.round(seconds).astype(np.int64).astype("timedelta64[s]")
                return pd.Series(ELAPSED_ORIGIN + offset), notes
            # Checked before conversion: milliseconds or a 300-digit number overflow the datetime range.
            check_epoch_seconds(seconds, where)
            parsed = pd.to_datetime(numeric, unit="s", errors="coerce")
        else:
            try:
                parsed = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True).dt.tz_convert(None)
            except (ValueError, TypeError, OverflowError) as exc:
                reason = brief(str(exc) or type(exc).__name__, 100)
                raise BadInput(f"unparsable timestamp column in {where}: {reason}") from None
    bad = parsed.isna().to_numpy()
    if bad.any():
        i = _row_of(bad)
        value = raw.iloc[i]
        if pd.isna(value) or not str(value).strip():
            raise BadInput(f"missing timestamp in {_at(table, 'timestamp', i)}")
        raise BadInput(f"unparsable timestamp {quote(value)} in {_at(table, 'timestamp', i)}")
    check_datetimes(parsed, where)
    return parsed.astype("datetime64[s]"), notes


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
