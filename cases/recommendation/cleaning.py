"""Raw click logs -> clean events: deserialize JSON lines, normalise ids, parse timestamps, dedupe, drop unknowns."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

FIELDS = ("user", "song", "ts", "clicked")
CHUNK_LINES = 20_000  # lines per json.loads call: fewer, larger frames (each frame build has a fixed cost)
_CLICKED = {"true": True, "1": True, "false": False, "0": False}


def _decode(lines: list[str]) -> tuple[pd.DataFrame, int]:
    """Decode JSON object lines into a frame of ``FIELDS``; returns it and the number of undecodable lines.

    One ``json.loads`` per chunk (line by line only inside a chunk that fails); each chunk becomes
    a small frame right away so the decoded dicts of the whole log never sit in memory at once.
    """
    frames, bad = [], 0
    for start in range(0, len(lines), CHUNK_LINES):
        chunk = lines[start : start + CHUNK_LINES]
        try:
            records = json.loads("[" + ",".join(chunk) + "]", strict=False)
        except json.JSONDecodeError:
            records = []
            for line in chunk:
                try:
                    records.append(json.loads(line, strict=False))
                except json.JSONDecodeError:
                    records.append(None)
        objects = [r for r in records if isinstance(r, dict)]
        bad += len(chunk) - len(objects)
        if objects:
            frames.append(pd.DataFrame.from_records(objects, columns=list(FIELDS)))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(FIELDS))
    return frame, bad


def deserialize(text: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """Parse JSON lines into a frame of the raw fields, skipping lines that are not JSON objects.

    A vectorised screen drops lines that cannot be an object (not ``{...}``, e.g. truncated
    writes); the rest is decoded ``CHUNK_LINES`` lines per ``json.loads`` call, falling back
    to line by line only inside a chunk that still holds an invalid line.

    Args:
        text: the raw log, one JSON object per line.

    Returns:
        The raw fields (``user``, ``song``, ``ts``, ``clicked``; missing keys are NaN) and counts
        of ``raw_lines``, ``blank_lines`` and ``bad_json_lines``.
    """
    return deserialize_lines(pd.Series(text.splitlines(), dtype="string[pyarrow]"))


def deserialize_lines(lines: pd.Series) -> tuple[pd.DataFrame, dict[str, int]]:
    """:func:`deserialize` for log lines already split (a partition of a stored raw log).

    Args:
        lines: one raw log line per entry (any string dtype).

    Returns:
        As :func:`deserialize`.
    """
    lines = lines.astype("string[pyarrow]").str.strip().reset_index(drop=True)
    blank = (lines == "").to_numpy(dtype=bool)
    lines = lines[~blank]
    shaped = (lines.str.startswith("{") & lines.str.endswith("}")).to_numpy(dtype=bool)
    frame, undecodable = _decode(lines[shaped].tolist())
    counts = {
        "raw_lines": int(blank.size),
        "blank_lines": int(blank.sum()),
        "bad_json_lines": int((~shaped).sum() + undecodable),
    }
    return frame, counts


def _ids(raw: pd.Series) -> pd.Series:
    """Ids as lower-case strings without surrounding whitespace (missing stays missing)."""
    return raw.astype("string").str.strip().str.lower()


def parse_timestamps(raw: pd.Series) -> pd.Series:
    """ISO-8601 strings (``YYYY-MM-DDTHH:MM:SSZ``) or epoch seconds -> epoch seconds as float (NaN when unparsable).

    Vectorised with Arrow compute kernels: numbers (also numbers sent as strings) are cast,
    everything else goes through ``strptime``; failures become null instead of raising.

    Args:
        raw: the ``ts`` field as decoded from JSON (strings, numbers or None).

    Returns:
        Seconds since 1970-01-01 UTC, aligned with ``raw``.
    """
    text = pa.array(raw.astype("string[pyarrow]"))
    text = pc.utf8_trim_whitespace(text)
    numeric = pc.match_substring_regex(text, r"^\d+(\.\d+)?$")
    seconds = pc.cast(pc.if_else(numeric, text, pa.scalar(None, pa.string())), pa.float64())
    iso = pc.strptime(
        pc.if_else(numeric, pa.scalar(None, pa.string()), text),
        format="%Y-%m-%dT%H:%M:%SZ",
        unit="s",
        error_is_null=True,
    )
    seconds = pc.coalesce(seconds, pc.cast(pc.cast(iso, pa.int64()), pa.float64()))
    return pd.Series(seconds.to_numpy(zero_copy_only=False), index=raw.index, dtype=float)


def clean(
    frame: pd.DataFrame,
    user_ids: pd.Index,
    song_ids: pd.Index,
    window: tuple[int, int],
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Normalise, validate and dedupe raw events; every dropped row is counted by reason.

    Args:
        frame: raw fields from :func:`deserialize`.
        user_ids: known user ids (lower case), position = user index.
        song_ids: known song ids (lower case), position = item index.
        window: valid timestamp range in epoch seconds (inclusive).

    Returns:
        Clean events (``user_id``, ``song_id``, ``user``, ``item``, ``timestamp`` as
        ``datetime64[s]``, ``clicked``) sorted by time, and the counts.
    """
    user = _ids(frame["user"])
    song = _ids(frame["song"])
    normalised = int(
        ((user != frame["user"].astype("string")) | (song != frame["song"].astype("string"))).fillna(False).sum()
    )
    seconds = parse_timestamps(frame["ts"])
    bad_ts = seconds.isna() | (seconds < window[0]) | (seconds > window[1])
    clicked = frame["clicked"].astype("string").str.strip().str.lower().map(_CLICKED)
    missing = user.isna() | song.isna() | (user == "") | (song == "")
    bad_clicked = clicked.isna() & ~missing & ~bad_ts
    keep = ~(missing | bad_ts | clicked.isna())
    events = pd.DataFrame(
        {
            "user_id": user[keep].astype(object),
            "song_id": song[keep].astype(object),
            "t": seconds[keep].astype(np.int64),
            "clicked": clicked[keep].astype(bool),
        }
    )
    before = len(events)
    events = events.drop_duplicates(["user_id", "song_id", "t", "clicked"])
    duplicates = before - len(events)
    u = user_ids.get_indexer(events["user_id"])
    i = song_ids.get_indexer(events["song_id"])
    unknown_user = u < 0
    unknown_song = (i < 0) & ~unknown_user
    known = (u >= 0) & (i >= 0)
    events = events.assign(user=u, item=i)[known]
    events["timestamp"] = events.pop("t").to_numpy().astype("datetime64[s]")
    events = events.sort_values(["timestamp", "user", "item"], kind="stable", ignore_index=True)
    counts = {
        "ids_normalised": normalised,
        "missing_fields": int(missing.sum()),
        "bad_timestamps": int((bad_ts & ~missing).sum()),
        "bad_clicked_values": int(bad_clicked.sum()),
        "duplicates_removed": int(duplicates),
        "unknown_users": int(unknown_user.sum()),
        "unknown_songs": int(unknown_song.sum()),
        "clean_events": int(len(events)),
    }
    return events[["user_id", "song_id", "user", "item", "timestamp", "clicked"]], counts
