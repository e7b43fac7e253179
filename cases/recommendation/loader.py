"""Real ratings: load a MovieLens u.data file or a user_id,item_id,rating,timestamp CSV, and split it per user."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from framework.errors import BadInput

COLUMNS = ("user_id", "item_id", "rating", "timestamp")
TEST_FRACTION = 0.25


def _bad(path: Path, problem: str) -> BadInput:
    return BadInput(f"--data {str(path)!r}: {problem}")


def load_ratings(path: Path) -> pd.DataFrame:
    """Read and validate a ratings file.

    Two layouts are accepted: MovieLens ``u.data`` (tab-separated user, item, rating,
    timestamp, no header) and a CSV whose header is ``user_id,item_id,rating,timestamp``.

    Args:
        path: the file.

    Returns:
        Frame with ``user_id`` and ``item_id`` (strings), ``rating`` (float) and ``timestamp``
        (int epoch seconds); repeated (user, item) pairs keep the latest rating.

    Raises:
        BadInput: empty, binary or malformed file, wrong columns, non-numeric values.
    """
    path = Path(path)
    if path.is_dir():
        raise _bad(path, "is a folder; pass the ratings file itself")
    try:
        with path.open(encoding="utf-8") as fh:
            head = fh.readline()
    except UnicodeDecodeError:
        raise _bad(path, "is not a UTF-8 text file") from None
    if not head.strip():
        raise _bad(
            path,
            "is empty (expected tab-separated user, item, rating, timestamp lines or a CSV "
            "with header user_id,item_id,rating,timestamp)",
        )
    is_csv = "\t" not in head
    try:
        if is_csv:
            frame = pd.read_csv(path, dtype=str, skipinitialspace=True)
            found = [c.strip().lower() for c in frame.columns]
            if found != list(COLUMNS):
                raise _bad(
                    path,
                    f"wrong columns {','.join(map(str, frame.columns))}; expected a header "
                    f"{','.join(COLUMNS)} (or the tab-separated u.data layout)",
                )
            frame.columns = list(COLUMNS)
        else:
            frame = pd.read_csv(path, sep="\t", header=None, dtype=str)
            if frame.shape[1] != len(COLUMNS):
                raise _bad(
                    path, f"expected 4 tab-separated columns (user, item, rating, timestamp), found {frame.shape[1]}"
                )
            frame.columns = list(COLUMNS)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise _bad(path, f"malformed: {str(exc).strip().splitlines()[-1]}") from None
    except pd.errors.EmptyDataError:
        raise _bad(path, "has no rows") from None
    if frame.empty:
        raise _bad(path, "has a header but no rows")
    return _validate(frame, path, header_lines=1 if is_csv else 0)


def _validate(frame: pd.DataFrame, path: Path, header_lines: int) -> pd.DataFrame:
    """Check every field, name the first bad line, and normalise types."""
    ids = frame[["user_id", "item_id"]].apply(lambda c: c.str.strip())
    rating = pd.to_numeric(frame["rating"], errors="coerce")
    ts = pd.to_numeric(frame["timestamp"], errors="coerce")
    bad = ids.isna().any(axis=1) | (ids == "").any(axis=1) | rating.isna() | ts.isna() | (ts < 0)
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise _bad(
            path,
            f"malformed line {first + 1 + header_lines} ({int(bad.sum())} bad rows in all): user and item must be "
            f"present, rating and timestamp numeric, got {frame.iloc[first].tolist()}",
        )
    out = pd.DataFrame(
        {
            "user_id": ids["user_id"],
            "item_id": ids["item_id"],
            "rating": rating.astype(float),
            "timestamp": ts.astype(np.int64),
        }
    )
    out = out.sort_values("timestamp", kind="stable").drop_duplicates(["user_id", "item_id"], keep="last")
    if out["item_id"].nunique() < 2:
        raise _bad(path, "needs at least 2 distinct items to rank")
    return out.reset_index(drop=True)


def split_per_user(ratings: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-user stratified random split: about 25% of each user's ratings are held out.

    A user with n ratings holds out ``round(0.25 n)`` of them (half up), always keeping at
    least one for training.

    Args:
        ratings: frame with integer ``user`` indices.
        rng: the ``split`` random stream.

    Returns:
        ``(train, test)`` frames.
    """
    key = rng.random(len(ratings))
    order = np.lexsort((key, ratings["user"].to_numpy()))
    shuffled = ratings.iloc[order]
    rank = shuffled.groupby("user").cumcount().to_numpy()
    size = shuffled.groupby("user")["user"].transform("size").to_numpy()
    n_test = np.minimum(np.floor(size * TEST_FRACTION + 0.5), size - 1)
    held = rank < n_test
    train = shuffled[~held].sort_values(["user", "item"], ignore_index=True)
    test = shuffled[held].sort_values(["user", "item"], ignore_index=True)
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
