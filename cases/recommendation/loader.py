"""Real ratings: load a MovieLens u.data file or a user_id,item_id,rating,timestamp CSV, and split it per user.

Every problem with the file becomes one short :class:`framework.errors.BadInput` line naming the
file, the line and the field; odd but usable content (repeated pairs, non-positive ratings...)
becomes a warning string the data step reports after the run.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from cases.recommendation.config import peak_bytes
from framework.errors import BadInput
from framework.guards import (
    EARLIEST,
    LATEST,
    check_epoch_seconds,
    quote,
    refuse_over_memory,
    screen_text_file,
)

COLUMNS = ("user_id", "item_id", "rating", "timestamp")
TEST_FRACTION = 0.25
# Ids are short keys; a longer "id" is a damaged line, and every id is copied into fixed-width arrays.
MAX_ID_CHARS = 200
# Ratings are scores or play counts; beyond this they are a unit or parsing mistake.
MAX_ABS_RATING = 1e9
LATEST_SECONDS = int((LATEST - EARLIEST).total_seconds())  # 2100-01-01, the guards' window
LIST_LENGTH = 10  # the k of the case's top-k lists, for the small-catalogue warning
PATH_CHARS = 40
_CHUNK = 1 << 20
_HEAD_LIMIT = 1 << 16
# Magic numbers that cannot start a text table (bzip2's "BZh" could be a user id; its NULs are caught anyway).
_COMPRESSED = {b"\x1f\x8b": "gzip", b"PK\x03\x04": "zip", b"\xfd7zXZ": "xz"}
_FORMAT = "tab-separated user, item, rating, timestamp lines or a CSV with header user_id,item_id,rating,timestamp"


def _where(path: Path) -> str:
    """``--data 'PATH'``; a long path keeps its end, where the file name is."""
    text = str(path)
    return f"--data {text!r}" if len(text) <= PATH_CHARS else f"--data '...{text[-PATH_CHARS:]}'"


def _bad(path: Path, problem: str) -> BadInput:
    return BadInput(f"{_where(path)}: {problem}")


def _scan(path: Path) -> str:
    """Check the raw bytes of the whole file and return its first non-blank line (cut at 64 KiB).

    The whole file is streamed once in 1 MiB chunks: a NUL byte or a non-UTF-8 byte anywhere
    is refused with its line number before pandas sees it (its C parser would silently cut a
    field at a NUL, and its decode errors give chunk offsets, not lines).

    Raises:
        BadInput: a folder, a compressed file, NUL or non-UTF-8 bytes, or no content.
    """
    if path.is_dir():
        raise _bad(path, "is a folder; pass the ratings file itself")
    try:
        with path.open("rb") as fh:
            start = fh.read(8)
    except OSError as exc:
        raise _bad(path, f"cannot be read ({exc.strerror})") from None
    kind = next((k for magic, k in _COMPRESSED.items() if start.startswith(magic)), None)
    if kind:  # checked before the NUL screen, which would call it a damaged text file
        raise _bad(path, f"is {kind}-compressed; decompress it first (the loader reads plain text)")
    screen_text_file(path, _where(path))
    decoder = codecs.getincrementaldecoder("utf-8")()
    head, lines_before = "", 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            if b"\x00" in chunk:
                line = lines_before + chunk.count(b"\n", 0, chunk.index(b"\x00")) + 1
                raise _bad(path, f"line {line:,} contains a NUL byte (a binary or damaged file?)")
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                # exc.object is the decoder's pending bytes plus this chunk; pending bytes hold no newline.
                line = lines_before + exc.object.count(b"\n", 0, exc.start) + 1
                raise _bad(path, f"line {line:,} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x})") from None
            if not head.strip():
                head = (head + text)[:_HEAD_LIMIT].lstrip()
            lines_before += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _bad(path, "ends in the middle of a UTF-8 character (a truncated file?)") from None
    head = head.lstrip("\ufeff")
    if not head.strip():
        raise _bad(path, f"is empty (expected {_FORMAT})")
    return head.splitlines()[0]


def _read(path: Path, head: str) -> tuple[pd.DataFrame, int]:
    """Parse the file as strings; returns the frame and the number of header lines."""
    is_csv = "\t" not in head
    if not is_csv and [c.strip().lower() for c in head.split("\t")] == list(COLUMNS):
        raise _bad(path, "line 1 is a header; the tab-separated u.data layout has none (delete that line)")
    # keep_default_na=False: an id such as "NA" or "null" is a name, not a missing value.
    # u.data has no quoting: a stray quote character is part of a value, not the start of a field.
    layout = {"skipinitialspace": True} if is_csv else {"sep": "\t", "header": None, "quoting": csv.QUOTE_NONE}
    try:
        frame = pd.read_csv(
            path, dtype=str, compression=None, encoding="utf-8-sig", keep_default_na=False, na_values=[""], **layout
        )
    except pd.errors.EmptyDataError:
        raise _bad(path, "has no rows") from None
    except (pd.errors.ParserError, ValueError) as exc:  # UnicodeDecodeError is a ValueError too
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise _bad(path, f"malformed: {detail.removeprefix('Error tokenizing data. C error: ')[:120]}") from None
    if is_csv:
        found = [str(c).strip().lower() for c in frame.columns]
        if found != list(COLUMNS):
            shown = quote(",".join(map(str, frame.columns)), 40)
            raise _bad(path, f"wrong header {shown}; expected {','.join(COLUMNS)} (or the u.data layout)")
    elif frame.shape[1] != len(COLUMNS):
        raise _bad(path, f"expected 4 tab-separated columns (user, item, rating, timestamp), found {frame.shape[1]}")
    frame.columns = list(COLUMNS)
    return frame, int(is_csv)


def read_ratings(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """Read and validate a ratings file, with warnings about odd but usable content.

    Two layouts are accepted: MovieLens ``u.data`` (tab-separated user, item, rating,
    timestamp, no header) and a CSV whose header is ``user_id,item_id,rating,timestamp``.
    Timestamps are Unix seconds (1970-2100); ratings are finite numbers, not all zero or negative.

    Args:
        path: the file.

    Returns:
        Frame with ``user_id`` and ``item_id`` (strings), ``rating`` (float) and ``timestamp``
        (int epoch seconds), repeated (user, item) pairs keeping the latest rating; and the warnings.

    Raises:
        BadInput: a folder, empty, compressed, binary or malformed file, wrong columns, a missing,
            non-numeric or implausible value, or fewer than 2 distinct items.
    """
    path = Path(path)
    head = _scan(path)
    frame, header_lines = _read(path, head)
    if frame.empty:
        raise _bad(path, "has a header but no rows")
    return _validate(frame, path, header_lines)


def load_ratings(path: Path) -> pd.DataFrame:
    """:func:`read_ratings` without the warnings."""
    return read_ratings(path)[0]


def _first_bad(path: Path, bad: np.ndarray, header_lines: int, describe: Callable[[int], str]) -> BadInput:
    """BadInput naming the first flagged row (``describe(row)`` says what is wrong) and how many share it."""
    first = int(np.flatnonzero(bad)[0])
    more = int(bad.sum()) - 1
    tail = f" ({more:,} more such lines)" if more else ""
    return _bad(path, f"line {first + 1 + header_lines:,}: {describe(first)}{tail}")


def _not_a_number(column: str, raw: np.ndarray) -> Callable[[int], str]:
    def describe(row: int) -> str:
        value = raw[row]
        return f"{column} is missing" if not isinstance(value, str) else f"{column} {quote(value, 40)} is not a number"

    return describe


def _same(message: str) -> Callable[[int], str]:
    """A line description that is the same for every bad line."""
    return lambda _row: message


def _too_long(values: pd.Series, column: str) -> Callable[[int], str]:
    """Describe an over-long id by its length."""
    return lambda row: f"{column} is {len(values.iat[row]):,} characters long (at most {MAX_ID_CHARS})"


def _validate(frame: pd.DataFrame, path: Path, header_lines: int) -> tuple[pd.DataFrame, list[str]]:
    """Check every field (vectorised), name the first bad line, normalise types and collect warnings."""
    ids = frame[["user_id", "item_id"]].apply(lambda c: c.str.strip())
    for col in ("user_id", "item_id"):
        missing = (ids[col].isna() | (ids[col] == "")).to_numpy()
        if missing.any():
            raise _first_bad(path, missing, header_lines, _same(f"{col} is missing or empty"))
        too_long = (ids[col].str.len() > MAX_ID_CHARS).to_numpy()
        if too_long.any():
            raise _first_bad(path, too_long, header_lines, _too_long(ids[col], col))
    numbers = {}
    for col in ("rating", "timestamp"):
        raw = frame[col].to_numpy(dtype=object)
        numbers[col] = pd.to_numeric(frame[col].str.strip(), errors="coerce").to_numpy(dtype=np.float64)
        if np.isnan(numbers[col]).any():
            raise _first_bad(path, np.isnan(numbers[col]), header_lines, _not_a_number(col, raw))
    rating, ts = numbers["rating"], numbers["timestamp"]
    implausible = ~np.isfinite(rating) | (np.abs(rating) > MAX_ABS_RATING)
    if implausible.any():
        raw = frame["rating"].to_numpy(dtype=object)
        raise _first_bad(
            path,
            implausible,
            header_lines,
            lambda row: f"rating {quote(raw[row].strip(), 40)} is not a plausible score (finite, |rating| <= 1e9)",
        )
    if (rating <= 0).all():
        raise _bad(path, "every rating is zero or negative; the third column must hold scores such as 1-5")
    outside = ~np.isfinite(ts) | (ts < 0) | (ts >= LATEST_SECONDS)
    if outside.any():
        row = int(np.flatnonzero(outside)[0])
        check_epoch_seconds(ts[row : row + 1], f"{_where(path)}: line {row + 1 + header_lines:,}")
    out = pd.DataFrame(
        {"user_id": ids["user_id"], "item_id": ids["item_id"], "rating": rating, "timestamp": ts.astype(np.int64)}
    )
    warnings = _warnings(out)
    out = out.sort_values("timestamp", kind="stable").drop_duplicates(["user_id", "item_id"], keep="last")
    n_items = out["item_id"].nunique()
    if n_items < 2:
        raise _bad(path, "needs at least 2 distinct items to rank")
    if n_items < LIST_LENGTH:
        warnings.append(f"only {n_items} distinct items, so the top-{LIST_LENGTH} lists are shorter")
    return out.reset_index(drop=True), warnings


def _warnings(ratings: pd.DataFrame) -> list[str]:
    """Odd but usable content, one human-readable sentence each."""
    out = []
    repeated = int(ratings.duplicated(["user_id", "item_id"]).sum())
    if repeated:
        out.append(f"{repeated:,} repeated (user, item) pairs; the latest rating of each is kept")
    low = int((ratings["rating"] <= 0).sum())
    if low:
        out.append(f"{low:,} ratings are zero or negative; every rating still counts as an interaction")
    commas = int(ratings["item_id"].str.contains(",", regex=False).sum())
    if commas:
        out.append(f"{commas:,} item ids contain a comma, the serving cache's list separator; their cached lists split")
    return out


def check_split(train: pd.DataFrame, test: pd.DataFrame, path: Path) -> None:
    """Refuse a file that cannot give a held-out split to evaluate on.

    Raises:
        BadInput: when no user has 2 or more ratings (so nothing is held out) or nothing is left to train.
    """
    if test.empty:
        raise _bad(path, "no user has 2 or more ratings of different items, so nothing can be held out to evaluate")
    if train.empty:
        raise _bad(path, "nothing is left to train on after the held-out split")


def check_memory(path: Path, n_ratings: int, n_users: int, n_items: int, factors: int) -> None:
    """Refuse a ratings file whose run would not fit in memory (the dense item x item matrix grows fastest).

    Raises:
        BadInput: naming the file, its size and the memory available.
    """
    need = peak_bytes(n_users, n_items, n_ratings, factors)
    what = f"{_where(path)}: {n_items:,} items and {n_ratings:,} ratings"
    refuse_over_memory(need, what, "use a subset with fewer items")


def split_per_user(ratings: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-user temporal hold-out: each user's latest ~25% of ratings are held out.

    A user with n ratings holds out ``round(0.25 n)`` of them (half up), the latest by
    ``timestamp``, always keeping at least one for training. Ties in time (and frames without a
    ``timestamp`` column) are broken at random, so the split stays deterministic per seed.

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
        (``datetime64[s]``), ``rating`` and ``clicked`` (every rating is an interaction); the user
        table (``user_id``) and the item table (``song_id``), position = index.
    """
    user_codes, user_ids = pd.factorize(ratings["user_id"], sort=True)
    item_codes, item_ids = pd.factorize(ratings["item_id"], sort=True)
    events = pd.DataFrame(
        {
            "user_id": ratings["user_id"].to_numpy(dtype=object),
            "song_id": ratings["item_id"].to_numpy(dtype=object),
            "user": user_codes.astype(np.int64),
            "item": item_codes.astype(np.int64),
            "timestamp": ratings["timestamp"].to_numpy().astype("datetime64[s]"),
            "rating": ratings["rating"].to_numpy(),
            "clicked": np.ones(len(ratings), dtype=bool),
        }
    )
    users = pd.DataFrame({"user_id": np.asarray(user_ids, dtype=object)})
    items = pd.DataFrame({"song_id": np.asarray(item_ids, dtype=object)})
    return events, users, items
