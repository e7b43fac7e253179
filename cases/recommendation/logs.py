"""Simulated events as raw JSON log lines, with the mess real client logs have (parsed back by cleaning.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cases.recommendation.config import RecConfig
from cases.recommendation.generator import LOG_START, World

# Bits of a line's ``flags``: which injected mess it carries (a retry copy carries its original's bits too),
# so the injected counts are sums over the stored raw log, whichever engine or cache produced it.
COPY, BAD_JSON, BAD_TS, UNKNOWN, UPPER, SPACES = 1, 2, 4, 8, 16, 32


def to_json_lines(events: pd.DataFrame, world: World, config: RecConfig, rng: np.random.Generator) -> tuple[str, dict]:
    """Serialise events as one raw JSON-lines text with the mess real logs have (see :func:`json_lines`).

    Returns:
        The text (one JSON object per line) and the number of lines of each injected kind.
    """
    lines, flags = json_lines(events, world, config, rng)
    return "\n".join(lines.tolist()) + "\n", injected_counts(flags)


def injected_counts(flags: np.ndarray) -> dict[str, int]:
    """The number of lines of each injected kind, from the lines' :data:`COPY`... bits (integer sums: exact).

    A duplicate copies its line after the other damage, so a duplicated broken line is caught (and counted)
    twice by the check that catches it, never by deduplication.
    """
    f = np.asarray(flags, dtype=np.uint8)
    copy = (f & COPY) > 0
    bad_json, bad_ts, unknown = (f & BAD_JSON) > 0, (f & BAD_TS) > 0, (f & UNKNOWN) > 0
    first = ~copy
    return {
        "lines": int(len(f)),
        "duplicates_injected": int(copy.sum()),
        "bad_json_injected": int((first & bad_json).sum()),
        "bad_timestamps_injected": int((first & bad_ts).sum()),
        "unknown_ids_injected": int((first & unknown).sum()),
        "mixed_case_injected": int((first & ((f & UPPER) > 0)).sum()),
        "stray_spaces_injected": int((first & ((f & SPACES) > 0)).sum()),
        "duplicated_bad_json": int((copy & bad_json).sum()),
        "duplicated_bad_timestamps": int((copy & bad_ts & ~bad_json).sum()),
        "unknown_ids_in_broken_lines": int((first & unknown & (bad_ts | bad_json)).sum()),
        "bad_timestamps_in_bad_json": int((first & bad_ts & bad_json).sum()),
    }


def json_lines(
    events: pd.DataFrame, world: World, config: RecConfig, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Serialise events as raw JSON lines with the mess real logs have.

    Mess injected (each on an independent random subset): client-retry duplicates, upper-cased
    ids, stray spaces, epoch-second timestamps from a legacy client, bad timestamps, unknown
    users/songs and truncated (invalid JSON) lines.

    Args:
        events: simulated events (``user``, ``item``, ``t``, ``clicked``).
        world: the ground truth (for ids).
        config: mess rates.
        rng: the ``mess`` random stream.

    Returns:
        The lines (object array, one JSON object each, retry copies right after their original) and
        each line's injected-mess bits (:data:`COPY`, :data:`BAD_JSON`, ...).
    """
    n = len(events)
    user = world.users["user_id"].to_numpy(dtype=object)[events["user"].to_numpy()]
    song = world.items["song_id"].to_numpy(dtype=object)[events["item"].to_numpy()]
    t = events["t"].to_numpy()
    iso = np.datetime_as_string(LOG_START + t.astype("timedelta64[s]"), unit="s").astype(object) + "Z"
    ts = '"' + iso + '"'

    def pick(fraction: float) -> np.ndarray:
        return rng.random(n) < fraction

    epoch = pick(config.epoch_timestamp_fraction)
    ts[epoch] = (t[epoch] + int(LOG_START.astype(np.int64))).astype(str).astype(object)
    bad_ts = pick(config.bad_timestamp_fraction)
    garbage = np.array(['"not-a-date"', '""', '"2024-13-45T99:00:00Z"', '"1970-01-01T00:00:00Z"', "null"], dtype=object)
    ts[bad_ts] = garbage[rng.integers(0, len(garbage), int(bad_ts.sum()))]
    unknown = pick(config.unknown_id_fraction)
    unknown_user = unknown & (rng.random(n) < 0.5)
    user[unknown_user] = "u9" + pd.Series(rng.integers(0, 99_999, int(unknown_user.sum()))).astype(str).str.zfill(6)
    song[unknown & ~unknown_user] = "s9" + pd.Series(
        rng.integers(0, 99_999, int((unknown & ~unknown_user).sum()))
    ).astype(str).str.zfill(5)
    upper = pick(config.mixed_case_fraction)
    user[upper] = pd.Series(user[upper], dtype=object).str.upper().to_numpy(dtype=object)
    song[upper] = pd.Series(song[upper], dtype=object).str.upper().to_numpy(dtype=object)
    spaces = pick(config.stray_space_fraction)
    user[spaces] = " " + user[spaces] + "  "
    song[spaces] = "\\t" + song[spaces] + " "  # an escaped tab: valid JSON, decodes to whitespace
    clicked = np.where(events["clicked"].to_numpy(), "true", "false").astype(object)
    as_int = pick(0.02)  # another client sends 1/0 instead of true/false
    clicked[as_int] = np.where(events["clicked"].to_numpy()[as_int], "1", "0")
    lines = (
        '{"user": "' + user + '", "song": "' + song.astype(object) + '", "ts": ' + ts + ', "clicked": ' + clicked + "}"
    )
    bad_json = pick(config.bad_json_fraction)
    cut = pd.Series(lines[bad_json], dtype=object)
    lines[bad_json] = (cut.str.slice(0, 25) + cut.str.slice(-5, -3)).to_numpy(dtype=object)
    dup = pick(config.duplicate_fraction)
    flags = (
        np.where(bad_json, BAD_JSON, 0)
        | np.where(bad_ts, BAD_TS, 0)
        | np.where(unknown, UNKNOWN, 0)
        | np.where(upper, UPPER, 0)
        | np.where(spaces, SPACES, 0)
    ).astype(np.uint8)
    order = np.argsort(np.concatenate([np.arange(n), np.flatnonzero(dup)]), kind="stable")
    lines = np.concatenate([lines, lines[dup]])[order]
    flags = np.concatenate([flags, flags[dup] | COPY])[order]
    return lines, flags
