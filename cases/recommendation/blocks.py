"""The click log in blocks of users on the run's engine: raw JSON lines generated, parsed and cleaned per block."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cases.recommendation.cleaning import clean, deserialize_lines
from cases.recommendation.config import RecConfig
from cases.recommendation.generator import LOG_START, World, simulate_events
from cases.recommendation.logs import injected_counts, json_lines
from framework.datacache import cached_frame
from framework.seeding import block_rng

if TYPE_CHECKING:
    from framework.case import RunContext

# Bump when the generator or the line format changes what a block draws: cached raw logs are then rebuilt.
GENERATOR_VERSION = "rec-log-1"
# The clean events kept in memory: the index columns every later step reads (the string ids stay in the log).
EVENT_COLUMNS = ("user", "item", "timestamp", "clicked")
ORDER = ["timestamp", "user", "item"]  # the order clean() gives each block, and the whole log after collect


@dataclass(frozen=True)
class LogBlock:
    """What a worker needs to write one block's raw log: its users' slice of the world, never the client.

    Attributes:
        index: the block's number (its random streams are ``<stream>/<index>``; block 0 is the plain stream).
        first: the block's first user index.
        world: the world restricted to the block's users (all songs).
        config: the run's config.
        seed: the run's seed.
        logs_stream: the listening stream's name.
        mess_stream: the log damage stream's name.
        start_s: window start, seconds after ``LOG_START``.
        end_s: window end.
    """

    index: int
    first: int
    world: World
    config: RecConfig
    seed: int
    logs_stream: str
    mess_stream: str
    start_s: int
    end_s: int


def user_slice(world: World, lo: int, hi: int) -> World:
    """The world restricted to users ``lo:hi`` (songs unchanged); its user indices start at 0."""
    users = world.users.iloc[lo:hi].reset_index(drop=True)
    return replace(
        world,
        users=users,
        taste=world.taste[lo:hi],
        user_factors=world.user_factors[lo:hi],
        activity=world.activity[lo:hi],
    )


def raw_block(block: LogBlock) -> pd.DataFrame:
    """One block's raw log: ``line`` (JSON text) and ``flags`` (injected mess bits), in log order.

    Runs on a worker; draws only from the block's own streams, so the lines never depend on which
    worker or how many workers build them.
    """
    w, listens = block.world, block_rng(block.seed, block.logs_stream, block.index)
    events = simulate_events(w, block.config, listens, block.start_s, block.end_s)
    lines, flags = json_lines(events, w, block.config, block_rng(block.seed, block.mess_stream, block.index))
    return pd.DataFrame({"line": lines, "flags": flags})


def clean_block(
    raw: pd.DataFrame, user_ids: pd.Index, song_ids: pd.Index, window: tuple[int, int]
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Parse, clean and dedupe one partition of the raw log (a block holds whole users: dedupe is complete).

    Args:
        raw: a partition of :func:`raw_block` rows (from the generator or the Parquet cache).
        user_ids: every known user id (position = user index).
        song_ids: every known song id.
        window: valid timestamp range in epoch seconds.

    Returns:
        The clean events (:data:`EVENT_COLUMNS`, sorted by :data:`ORDER`) and the partition's counts.
    """
    parsed, parse_counts = deserialize_lines(raw["line"])
    events, counts = clean(parsed, user_ids, song_ids, window)
    flags = raw["flags"].to_numpy(dtype=np.uint8)
    events = events[list(EVENT_COLUMNS)].reset_index(drop=True)
    return events, {**injected_counts(flags), **parse_counts, **counts}


def event_meta() -> pd.DataFrame:
    """An empty frame with the clean events' columns and dtypes (Dask's ``meta``)."""
    return pd.DataFrame(
        {
            "user": pd.Series(dtype=np.int64),
            "item": pd.Series(dtype=np.int64),
            "timestamp": pd.Series(dtype="datetime64[s]"),
            "clicked": pd.Series(dtype=bool),
        }
    )


def raw_meta() -> pd.DataFrame:
    """An empty raw log frame (Dask's ``meta``)."""
    return pd.DataFrame({"line": pd.Series(dtype=object), "flags": pd.Series(dtype=np.uint8)})


@dataclass
class CleanLog:
    """A cleaned log on the run's engine.

    Attributes:
        events: clean events (a pandas or Dask frame), each block sorted by :data:`ORDER`.
        counts: per-partition counts (dicts on pandas, delayed dicts on Dask); see :func:`add_counts`.
    """

    events: Any
    counts: list[Any]


def clean_log(
    ctx: RunContext[RecConfig], world: World, name: str, logs_stream: str, mess_stream: str, start_s: int, end_s: int
) -> CleanLog:
    """The window's raw log generated in blocks of users (cached as Parquet at ``xl``), parsed and cleaned per block.

    Args:
        ctx: the run (engine, seed, config).
        world: the world whose users are logged (catalogue and tastes drawn once on the client).
        name: the raw log's name in the data cache.
        logs_stream: the listening stream (block 0 is the plain stream: one block == the unblocked draws).
        mess_stream: the damage stream.
        start_s: window start, seconds after ``LOG_START``.
        end_s: window end.
    """
    cfg, n = ctx.config, world.n_users
    streams = (cfg, ctx.seed, logs_stream, mess_stream, start_s, end_s)
    blocks = [
        LogBlock(b, lo, user_slice(world, lo, min(lo + cfg.block_users, n)), *streams)
        for b, lo in enumerate(range(0, n, cfg.block_users))
    ]
    engine = ctx.engine
    raw = cached_frame(
        ctx,
        name,
        lambda: engine.from_blocks(raw_block, blocks, meta=raw_meta()),
        version=GENERATOR_VERSION,
        say=ctx.say,
    )
    base = int(LOG_START.astype(np.int64))
    args = (pd.Index(world.users["user_id"]), pd.Index(world.items["song_id"]), (base + start_s, base + end_s))
    if not engine.is_dask:
        events, counts = clean_block(raw, *args)
        return CleanLog(events, [counts])
    import dask
    import dask.dataframe as dd

    # One task per partition returns its events and its counts; the ids are shipped once, not per task.
    shared = [dask.delayed(a, pure=True) for a in args]
    outs = [dask.delayed(clean_block, nout=2, pure=True)(part, *shared) for part in raw.to_delayed()]
    events = dd.from_delayed([o[0] for o in outs], meta=event_meta(), verify_meta=False)
    return CleanLog(events, [o[1] for o in outs])


def compute(ctx: RunContext[RecConfig], *objs: Any) -> Any:
    """``ctx.engine.compute`` of frames together with the per-partition counts (one pass over the log).

    Dask warns that delayed counts and expression frames computed together are materialised as one
    graph; that is the point (the counts and the events share their partitions' tasks), so it is silenced.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Computing mixed collections", category=UserWarning)
        return ctx.engine.compute(*objs)


def in_order(ctx: RunContext[RecConfig], events: pd.DataFrame) -> pd.DataFrame:
    """Collected events in log order: each block came sorted by :data:`ORDER`; a stable sort merges the blocks.

    On pandas the whole log was cleaned as one frame, already in that order.
    """
    if not ctx.engine.is_dask:
        return events.reset_index(drop=True)
    return events.sort_values(ORDER, kind="stable").reset_index(drop=True)


def logged_window(
    ctx: RunContext[RecConfig], world: World, name: str, logs_stream: str, mess_stream: str, start_s: int, end_s: int
) -> tuple[pd.DataFrame, dict[str, int]]:
    """:func:`clean_log`'s events collected in log order, with the summed counts (see there for the arguments)."""
    log = clean_log(ctx, world, name, logs_stream, mess_stream, start_s, end_s)
    events, parts = compute(ctx, log.events, log.counts)
    events = in_order(ctx, events)
    ctx.collected(name.replace("_", " "), events)
    return events, add_counts(parts)


def add_counts(parts: list[dict[str, int]]) -> dict[str, int]:
    """Every block's counts summed (integers: exact in any order)."""
    total: dict[str, int] = {}
    for part in parts:
        for key, value in part.items():
            total[key] = total.get(key, 0) + int(value)
    return total
