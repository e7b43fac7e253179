"""Real ratings: read a ratings file as users have it (MovieLens, Last.fm, spreadsheets), validate it and split it.

The file goes through :func:`framework.dataload.load_table` (separator, header, compression and
Parquet sniffed) with four roles, matched by the alias table of :mod:`framework.roles` or mapped
with ``--columns role=NAME`` (or ``role=N``, 1-based, on a file without a header):

==========  ========  ===========================================================================
role        needed    aliases (case, spaces and underscores ignored)
==========  ========  ===========================================================================
user        yes       user_id, userId, UserID, user, uid, visitorid
item        yes       item_id, movieId, MovieID, item, itemid, artistID, artist_id, song_id, ...
rating      no        rating, score, weight, plays, playcount, count, listens, clicks, ...
timestamp   no        timestamp, time, ts, datetime, date, event_time, unixtime, created_at
==========  ========  ===========================================================================

A file without a header is read as ``user, item, rating, timestamp`` in that order (MovieLens
``u.data`` tab-separated, ML-1M/10M ``ratings.dat`` with ``::``); extra columns are ignored and
listed. Layouts that run as downloaded: MovieLens ``ratings.csv`` (``userId,movieId,rating,timestamp``),
``UserID,MovieID,Rating,Timestamp``, ``ratings.dat`` (``1::1193::5::978300760``), Last.fm-style TSV
(``userID<TAB>artistID<TAB>weight``: play counts, no timestamp), spreadsheet CSV exports with
trailing commas, any of them gzip/bz2/xz/zip-compressed, and Parquet. Without a rating column every
line is a click; without a timestamp the split is a seeded per-user random one (see step_data).

Timestamps are Unix seconds (1970-2100); a column of ISO 8601 date-times and Parquet datetimes are
converted. Ratings are finite numbers, not all zero or negative; how they are read (explicit,
implicit, binary) is :mod:`cases.recommendation.feedback_modes`' job. Every problem with the file
becomes one short :class:`framework.errors.BadInput` line naming the file, the line, the column and
the value; odd but usable content (repeated pairs, non-positive ratings...) becomes a warning string
the data step reports after the run. The user-facing guide is ``data/README_recommendation.md``.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cases.recommendation.config import peak_bytes
from framework.dataload import LoadedTable, load_table
from framework.errors import BadInput
from framework.guards import EARLIEST, LATEST, check_epoch_seconds, quote, refuse_over_memory
from framework.roles import Role
from framework.tabular import shown_path

# No doc for the required roles: the framework's "no item column among ... (looked for ...)" is long already.
ROLES = (
    Role("user"),
    Role("item"),
    Role("rating", required=False, doc="a score or a play count"),
    Role("timestamp", required=False, doc="Unix seconds"),
)
HEADERLESS = ("user", "item", "rating", "timestamp")  # MovieLens u.data and ratings.dat order
COLUMNS = ("user_id", "item_id", "rating", "timestamp")
TEST_FRACTION = 0.25
# Ids are short keys; a longer "id" is a damaged line, and every id is copied into fixed-width arrays.
MAX_ID_CHARS = 200
# Ratings are scores or play counts; beyond this they are a unit or parsing mistake.
MAX_ABS_RATING = 1e9
LATEST_SECONDS = int((LATEST - EARLIEST).total_seconds())  # 2100-01-01, the guards' window
LIST_LENGTH = 10  # the k of the case's top-k lists, for the small-catalogue warning
_CHUNK = 1 << 20
# Magic numbers of files load_table decompresses or reads as columns: the byte screen leaves them alone.
_BINARY = (b"\x1f\x8b", b"PK\x03\x04", b"\xfd7zXZ", b"BZh", b"PAR1")


@dataclass(frozen=True)
class RatingsFile:
    """A validated ratings file.

    Attributes:
        ratings: ``user_id``, ``item_id`` (strings), ``rating`` (float; 1.0 per line when the file has
            no rating column) and, when the file has one, ``timestamp`` (int Unix seconds); repeated
            (user, item) pairs keep the latest line.
        warnings: odd but usable content, one sentence each.
        reading: what :meth:`framework.dataload.LoadedTable.summary` records (file, format, columns...).
        has_rating: the file has a rating column.
        has_timestamp: the file has a timestamp column.
    """

    ratings: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    reading: dict[str, Any] = field(default_factory=dict)
    has_rating: bool = True
    has_timestamp: bool = True


def _screen_bytes(path: Path) -> None:
    """Refuse a plain-text file with a NUL or non-UTF-8 byte anywhere, naming its line.

    The whole file is streamed once in 1 MiB chunks before pandas sees it (its C parser would
    silently cut a field at a NUL, and its decode errors give chunk offsets, not lines).
    Compressed and Parquet files are left to :func:`framework.dataload.load_table`.
    """
    name = shown_path(path)
    if not path.is_file():
        return  # load_table names a folder or a missing file
    try:
        with path.open("rb") as fh:
            start = fh.read(8)
    except OSError as exc:
        raise BadInput(f"{name}: cannot be read ({exc.strerror})") from None
    if start.startswith(_BINARY) or path.suffix.lower() in (".parquet", ".pq"):
        return
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    lines_before = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            if b"\x00" in chunk:
                line = lines_before + chunk.count(b"\n", 0, chunk.index(b"\x00")) + 1
                raise BadInput(f"{name}: line {line:,} contains a NUL byte (a binary or damaged file?)")
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                # exc.object is the decoder's pending bytes plus this chunk; pending bytes hold no newline.
                line = lines_before + exc.object.count(b"\n", 0, exc.start) + 1
                byte = exc.object[exc.start]
                raise BadInput(f"{name}: line {line:,} is not UTF-8 text (byte 0x{byte:02x})") from None
            lines_before += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise BadInput(f"{name}: ends in the middle of a UTF-8 character (a truncated file?)") from None


def read_ratings_file(path: Path, columns: dict[str, str] | None = None) -> RatingsFile:
    """Read and validate a ratings file, with warnings about odd but usable content.

    Args:
        path: the file (any layout of the module docstring).
        columns: ``--columns`` (role -> column name or 1-based position).

    Raises:
        BadInput: a folder, empty, binary or malformed file, a missing role, a bad ``--columns``
            mapping, a missing, non-numeric or implausible value, or fewer than 2 distinct items.
    """
    path = Path(path)
    _screen_bytes(path)
    table = load_table(path, ROLES, mapping=columns, headerless=HEADERLESS, what="ratings")
    return _validate(table)


def read_ratings(path: Path, columns: dict[str, str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """:func:`read_ratings_file`'s ratings and warnings."""
    loaded = read_ratings_file(path, columns)
    return loaded.ratings, loaded.warnings


def load_ratings(path: Path) -> pd.DataFrame:
    """:func:`read_ratings` without the warnings."""
    return read_ratings(path)[0]


def _column(table: LoadedTable, role: str) -> str:
    """``(column 'Rating')`` or ``(column 3)`` for a file without a header: where the value sits."""
    name = table.columns[role]
    return (
        f"(column {name.removeprefix('column ')})"
        if table.header_lines == 0 and table.layout != "Parquet"
        else (f"(column {quote(name, 30)})")
    )


def _first_bad(table: LoadedTable, bad: np.ndarray, role: str, describe: Callable[[int], str]) -> BadInput:
    """BadInput naming the first flagged row's line, what is wrong (``describe(row)``), its column and how many."""
    first = int(np.flatnonzero(bad)[0])
    more = int(bad.sum()) - 1
    tail = f"; {more:,} more such lines" if more else ""
    return BadInput(f"{table.where(first)}: {describe(first)} {_column(table, role)}{tail}")


def _text(values: pd.Series) -> pd.Series:
    """Ids as stripped strings ("" when missing), from text or from Parquet's native types."""
    if pd.api.types.is_float_dtype(values) and np.all(np.isnan(values) | (values == np.floor(values))):
        values = values.astype("Int64")  # 1.0 in a Parquet float column is the id "1"
    if not pd.api.types.is_string_dtype(values):
        values = values.astype("string")
    return values.fillna("").astype(str).str.strip()


def _numbers(values: pd.Series) -> np.ndarray:
    """Numbers as float (NaN when missing or not a number); Parquet datetimes become Unix seconds."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return _epoch(values)
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    text = values.fillna("").astype(str).str.strip()
    try:  # Arrow's cast is ~15x faster than to_numeric; it refuses the whole column at the first bad cell
        return pc.cast(pa.array(text, type=pa.string()), pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _iso_seconds(values: pd.Series) -> np.ndarray:
    """ISO 8601 date-times (``2009-05-04 23:08:57``, ``...T...Z``) as Unix seconds; NaN where unparsable."""
    text = values.fillna("").astype(str).str.strip()
    return _epoch(pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True))


def _epoch(stamps: pd.Series) -> np.ndarray:
    """Date-times as float Unix seconds (NaN for NaT), without overflowing at year 9999 or 1000."""
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    raw = stamps.to_numpy(dtype="datetime64[s]")
    return np.where(np.isnat(raw), np.nan, raw.astype(np.int64).astype(np.float64))


def _not_a_number(role: str, raw: pd.Series) -> Callable[[int], str]:
    def describe(row: int) -> str:
        value = raw.iat[row]
        text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()
        if not text:
            return f"{role} is missing"
        kind = "Unix seconds or an ISO 8601 date" if role == "timestamp" else "a number"
        return f"{role} {quote(text, 40)} is not {kind}"

    return describe


def _same(message: str) -> Callable[[int], str]:
    """A line description that is the same for every bad line."""
    return lambda _row: message


def _too_long(values: pd.Series, role: str) -> Callable[[int], str]:
    """Describe an over-long id by its length."""
    return lambda row: f"{role} is {len(values.iat[row]):,} characters long (at most {MAX_ID_CHARS})"


def _check_ids(table: LoadedTable) -> dict[str, pd.Series]:
    """The user and item ids as stripped strings; refuses a missing or over-long one."""
    ids = {}
    for role in ("user", "item"):
        values = _text(table.frame[role])
        missing = (values == "").to_numpy(dtype=bool)
        if missing.any():
            raise _first_bad(table, missing, role, _same(f"{role} is missing or empty"))
        too_long = (values.str.len() > MAX_ID_CHARS).to_numpy(dtype=bool)
        if too_long.any():
            raise _first_bad(table, too_long, role, _too_long(values, role))
        ids[role] = values
    return ids


def _check_numbers(table: LoadedTable) -> dict[str, np.ndarray]:
    """The ratings and timestamps present, as floats; refuses a missing, non-numeric or implausible one."""
    numbers = {}
    for role in ("rating", "timestamp"):
        if role not in table.frame.columns:
            continue
        values = _numbers(table.frame[role])
        dates = role == "timestamp" and bool(np.isnan(values).all())
        if dates:
            values = _iso_seconds(table.frame[role])  # no Unix seconds at all: dates such as 2009-05-04T23:08:57Z
        if np.isnan(values).any():
            raise _first_bad(table, np.isnan(values), role, _not_a_number(role, table.frame[role]))
        numbers[role] = values
    if "rating" in numbers:
        rating = numbers["rating"]
        implausible = ~np.isfinite(rating) | (np.abs(rating) > MAX_ABS_RATING)
        if implausible.any():
            raw = table.frame["rating"]
            raise _first_bad(
                table,
                implausible,
                "rating",
                lambda row: (
                    f"rating {quote(str(raw.iat[row]).strip(), 40)} is not a plausible score (finite, |rating| <= 1e9)"
                ),
            )
        if (rating <= 0).all():
            raise BadInput(
                f"{shown_path(table.path)}: every rating is zero or negative {_column(table, 'rating')}; "
                "it must hold scores such as 1-5 or play counts"
            )
    if "timestamp" in numbers:
        ts = numbers["timestamp"]
        outside = ~np.isfinite(ts) | (ts < 0) | (ts >= LATEST_SECONDS)
        if outside.any():
            row = int(np.flatnonzero(outside)[0])
            where = f"{table.where(row)} {_column(table, 'timestamp')}"
            if dates:  # a date, not a number: the milliseconds hint of the guard would mislead
                value = quote(str(table.frame["timestamp"].iat[row]).strip(), 40)
                raise BadInput(f"{where}: timestamp {value} is outside 1970-2100")
            check_epoch_seconds(ts[row : row + 1], where)
    return numbers


def _validate(table: LoadedTable) -> RatingsFile:
    """Check every field (vectorised), name the first bad line, normalise types and collect warnings."""
    ids = _check_ids(table)
    numbers = _check_numbers(table)
    n = len(table.frame)
    out = pd.DataFrame(
        {
            "user_id": ids["user"].to_numpy(),
            "item_id": ids["item"].to_numpy(),
            "rating": numbers.get("rating", np.ones(n)),
        }
    )
    if "timestamp" in numbers:
        out["timestamp"] = numbers["timestamp"].astype(np.int64)
    warnings = _warnings(out, "rating" in numbers, "timestamp" in numbers)
    if "timestamp" in out.columns:
        out = out.sort_values("timestamp", kind="stable")
    out = out.drop_duplicates(["user_id", "item_id"], keep="last")
    n_items = out["item_id"].nunique()
    if n_items < 2:
        raise BadInput(f"{shown_path(table.path)}: needs at least 2 distinct items to rank")
    if n_items < LIST_LENGTH:
        warnings.append(f"only {n_items} distinct items, so the top-{LIST_LENGTH} lists are shorter")
    return RatingsFile(
        ratings=out.reset_index(drop=True),
        warnings=warnings,
        reading=table.summary(),
        has_rating="rating" in numbers,
        has_timestamp="timestamp" in numbers,
    )


def _warnings(ratings: pd.DataFrame, has_rating: bool, has_timestamp: bool) -> list[str]:
    """Odd but usable content, one human-readable sentence each."""
    out = []
    repeated = int(ratings.duplicated(["user_id", "item_id"]).sum())
    if repeated:
        latest = "latest" if has_timestamp else "last line"
        out.append(f"{repeated:,} repeated (user, item) pairs; the {latest} of each is kept")
    low = int((ratings["rating"] <= 0).sum()) if has_rating else 0
    if low:
        out.append(f"{low:,} ratings are zero or negative; every rating still counts as an interaction")
    commas = int(ratings["item_id"].str.contains(",", regex=False).sum())
    if commas:
        out.append(f"{commas:,} item ids contain a comma, the serving cache's list separator; their cached lists split")
    return out


def check_split(train: pd.DataFrame, test: pd.DataFrame, path: Path) -> None:
    """Refuse a file that cannot give a held-out split to evaluate on.

    Raises:
        BadInput: when no user has 2 or more ratings (so nothing is held out), nothing is left to train,
            or no held-out item was rated in training (a single user, say).
    """
    if test.empty:
        raise BadInput(
            f"{shown_path(path)}: no user has 2 or more ratings of different items, so nothing can be held out to "
            "evaluate"
        )
    if train.empty:
        raise BadInput(f"{shown_path(path)}: nothing is left to train on after the held-out split")
    if not test["item"].isin(train["item"]).any():  # e.g. one user: no held-out item has a training rating
        raise BadInput(
            f"{shown_path(path)}: no held-out rating is of an item rated in training, so nothing can be scored; "
            "use a file with more users per item"
        )


def check_memory(path: Path, n_ratings: int, n_users: int, n_items: int, factors: int) -> None:
    """Refuse a ratings file whose run would not fit in memory (the dense item x item matrix grows fastest).

    Raises:
        BadInput: naming the file, its size and the memory available.
    """
    need = peak_bytes(n_users, n_items, n_ratings, factors)
    what = f"{shown_path(path)}: {n_items:,} items and {n_ratings:,} ratings"
    refuse_over_memory(need, what, "use a subset with fewer items")


def split_per_user(ratings: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-user hold-out: each user's latest ~25% of ratings are held out (a random 25% without timestamps).

    A user with n ratings holds out ``round(0.25 n)`` of them (half up), the latest by
    ``timestamp``, always keeping at least one for training. Ties in time (and frames without a
    ``timestamp`` column, or a file without timestamps, whose events all carry time 0) are broken
    at random, so the split stays deterministic per seed.

    Args:
        ratings: frame with integer ``user`` indices and, for real data, a ``timestamp``.
        rng: the ``split`` random stream (tie-breaks only).

    Returns:
        ``(train, test)`` frames.
    """
    key = rng.random(len(ratings))
    ts = ratings["timestamp"].to_numpy() if "timestamp" in ratings.columns else np.zeros(len(ratings))
    order = np.lexsort((key, ts, ratings["user"].to_numpy()))
    ordered = ratings.iloc[order]
    rank = ordered.groupby("user").cumcount().to_numpy()
    size = ordered.groupby("user")["user"].transform("size").to_numpy()
    n_test = np.minimum(np.floor(size * TEST_FRACTION + 0.5), size - 1)
    held = rank >= size - n_test
    train = ordered[~held].sort_values(["user", "item"], ignore_index=True)
    test = ordered[held].sort_values(["user", "item"], ignore_index=True)
    return train, test


def index_ratings(ratings: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Map raw ids to dense indices and shape the frame like clean click events.

    Returns:
        ``(events, users, items)``: events with ``user``, ``item``, ``timestamp``
        (``datetime64[s]``; 0 for every event of a file without timestamps), ``rating`` and
        ``clicked`` (every rating is an interaction); the user table (``user_id``) and the item
        table (``song_id``), position = index.
    """
    seconds = ratings["timestamp"].to_numpy() if "timestamp" in ratings.columns else np.zeros(len(ratings), np.int64)
    user_codes, user_ids = pd.factorize(ratings["user_id"], sort=True)
    item_codes, item_ids = pd.factorize(ratings["item_id"], sort=True)
    events = pd.DataFrame(
        {
            "user_id": ratings["user_id"].to_numpy(dtype=object),
            "song_id": ratings["item_id"].to_numpy(dtype=object),
            "user": user_codes.astype(np.int64),
            "item": item_codes.astype(np.int64),
            "timestamp": seconds.astype("datetime64[s]"),
            "rating": ratings["rating"].to_numpy(),
            "clicked": np.ones(len(ratings), dtype=bool),
        }
    )
    users = pd.DataFrame({"user_id": np.asarray(user_ids, dtype=object)})
    items = pd.DataFrame({"song_id": np.asarray(item_ids, dtype=object)})
    return events, users, items
