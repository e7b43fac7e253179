"""Batch-refreshed recommendation cache in SQLite with a popularity fallback, and its measured lookups."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import numpy as np


class RecommendationCache:
    """Precomputed top-k lists per user in an embedded key-value table (stand-in for Redis).

    Args:
        path: SQLite file.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        # check_same_thread=False: one reader per process is enough here; autocommit, explicit transactions.
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")

    def refresh(self, user_ids: list[str], song_lists: list[str], fallback: str) -> None:
        """Replace every list atomically: write a new table, then swap it in one transaction.

        Args:
            user_ids: cache keys.
            song_lists: comma-joined song ids per user (best first).
            fallback: comma-joined song ids served to users missing from the cache.
        """
        cur = self.conn.cursor()
        cur.execute("BEGIN")
        cur.execute("DROP TABLE IF EXISTS recs_new")
        cur.execute("CREATE TABLE recs_new (user_id TEXT PRIMARY KEY, songs TEXT NOT NULL) WITHOUT ROWID")
        cur.executemany("INSERT INTO recs_new VALUES (?, ?)", zip(user_ids, song_lists, strict=True))
        # The fallback has its own table: under a reserved key in `recs` it would collide with a real
        # user of that name.
        cur.execute("DROP TABLE IF EXISTS fallback")
        cur.execute("CREATE TABLE fallback (songs TEXT NOT NULL)")
        cur.execute("INSERT INTO fallback VALUES (?)", (fallback,))
        cur.execute("DROP TABLE IF EXISTS recs")
        cur.execute("ALTER TABLE recs_new RENAME TO recs")
        cur.execute("COMMIT")

    def lookup(self, user_id: str) -> tuple[list[str], bool]:
        """The user's list, or the popularity fallback for an unknown user.

        Returns:
            ``(song ids, served_from_fallback)``.
        """
        row = self.conn.execute("SELECT songs FROM recs WHERE user_id = ?", (user_id,)).fetchone()
        if row is None:
            row = self.conn.execute("SELECT songs FROM fallback").fetchone()
            return row[0].split(","), True
        return row[0].split(","), False

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


def encode_lists(recs: np.ndarray, song_ids: np.ndarray) -> list[str]:
    """Top-k index lists -> comma-joined song ids (padding dropped), vectorised per column."""
    ids = np.where(recs >= 0, song_ids[np.clip(recs, 0, None)], "")
    joined = ids[:, 0].astype(object)
    for col in range(1, ids.shape[1]):  # loop over the k columns, not the users
        joined = joined + np.where(ids[:, col] != "", "," + ids[:, col].astype(object), "")
    return list(joined)


def time_lookups(cache: RecommendationCache, user_ids: list[str]) -> tuple[np.ndarray, int]:
    """Time one lookup per request (the per-request loop is the point of the measurement).

    Returns:
        ``(latencies in ms, number of fallback responses)``.
    """
    lat = np.empty(len(user_ids))
    fallbacks = 0
    for n, uid in enumerate(user_ids):
        start = time.perf_counter()
        _, fb = cache.lookup(uid)
        lat[n] = (time.perf_counter() - start) * 1e3
        fallbacks += fb
    return lat, fallbacks
