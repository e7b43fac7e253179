"""The fraud case's batch work on the engine: customer blocks, windows per block and per terminal, collection."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cases.fraud.config import FraudConfig
from cases.fraud.features import FEATURES, WINDOWS, calendar_flags, customer_windows, terminal_windows
from cases.fraud.simulator import (
    ID_STRIDE,
    Drift,
    Schedules,
    SimParams,
    blocks,
    build_block,
    draw_schedules,
    empty_transactions,
)
from cases.fraud.split import Windows
from framework.case import RunContext
from framework.datacache import cached_frame
from framework.engine import Engine
from framework.seeding import stream_rng
from framework.timeunits import SECONDS_PER_DAY

# Bump when the block builder draws differently: cached xl data of an older generator is then rebuilt.
GENERATOR_VERSION = "fraud-blocks-1"
# The collected rows are sorted by this unique key: time order, ties in transaction-id order (block 0's
# ids are already in time order, so a one-block data set keeps the unblocked simulator's row order).
ORDER = ["time_s", "transaction_id"]
SHUFFLED = ["transaction_id", "terminal_id", "time_s", "is_fraud"]  # all the terminal windows read
CUSTOMER_FEATURES = [f for f in FEATURES if not f.startswith("terminal_")]
TERMINAL_FEATURES = [f for f in FEATURES if f.startswith("terminal_")]


@dataclass(frozen=True)
class Keep:
    """The rows later steps need in memory: whole days of the model windows, plus every fraud of the span.

    The frauds of the gap days stay because the split removes test cards whose fraud label was
    released before (their first fraud may fall in a gap); no model reads a gap row.

    Attributes:
        ranges: ``[start, end)`` day ranges kept whole (validation fit, training = validation, test).
        span: ``[start, end)`` days whose frauds are kept.
    """

    ranges: tuple[tuple[int, int], ...]
    span: tuple[int, int]

    @classmethod
    def of(cls, windows: Windows, val: Windows, whole: bool = False) -> Keep:
        """What the main and the validation split read (``whole``: every day of the span, for the random split)."""
        ranges = [(val.train_start, val.train_end), (windows.train_start, windows.train_end)]
        ranges += [(val.test_start, val.test_end), (windows.test_start, windows.test_end)]
        if whole:
            ranges.append((val.train_start, windows.test_end))
        return cls(ranges=tuple(sorted(set(ranges))), span=(val.train_start, windows.test_end))

    def mask(self, day: np.ndarray, is_fraud: np.ndarray) -> np.ndarray:
        """Which rows (by their day and label) are kept."""
        whole = np.zeros(len(day), dtype=bool)
        for lo, hi in self.ranges:
            whole |= (day >= lo) & (day < hi)
        return whole | ((is_fraud == 1) & (day >= self.span[0]) & (day < self.span[1]))


def transactions(ctx: RunContext[FraudConfig]) -> tuple[Any, Schedules, int]:
    """The run's simulated transactions as one frame of customer blocks (pandas or Dask, cached at xl).

    Returns:
        ``(frame, the global schedules, number of blocks)``.
    """
    cfg = ctx.config
    params = SimParams.from_config(cfg)
    schedules = draw_schedules(params, ctx.rng)  # small global calendars, drawn once on the client
    # The workers get the seed through a partial, never the run context (it holds the Dask client).
    specs = blocks(params, functools.partial(stream_rng, ctx.seed), schedules, cfg.block_customers)
    meta = empty_transactions(cfg.start_date)
    engine = ctx.engine
    frame = cached_frame(
        ctx, "transactions", lambda: engine.from_blocks(build_block, specs, meta=meta), GENERATOR_VERSION, ctx.say
    )
    return frame, schedules, len(specs)


def monitoring_transactions(ctx: RunContext[FraudConfig], params: SimParams, drift: Drift) -> pd.DataFrame:
    """Monitoring's drifted simulation through the same block builder, collected in time order.

    Only the blocks of the first ``monitor_customers`` customers are simulated (all of them by
    default), so the collected frame stays bounded at xl.
    """
    cfg = ctx.config
    schedules = draw_schedules(params, ctx.rng, drift, "monitor/")
    rng = functools.partial(stream_rng, ctx.seed)
    specs = blocks(params, rng, schedules, cfg.block_customers, drift, "monitor/", cfg.monitor_customers)
    frame = ctx.engine.from_blocks(build_block, specs, meta=empty_transactions(cfg.start_date))
    tx = collect(ctx.engine, frame, empty_transactions(cfg.start_date))
    customers = min(cfg.monitor_customers or params.n_customers, params.n_customers)
    share = (
        f"all {customers:,} simulated customers"
        if customers == params.n_customers
        else (f"the first {customers:,} of {params.n_customers:,} customers")
    )
    ctx.collected("monitoring simulation", tx, share)
    return tx


def collect(engine: Engine, frame: Any, meta: pd.DataFrame) -> pd.DataFrame:
    """The frame in memory, sorted by :data:`ORDER`, with the simulator's dtypes (Parquet may widen them)."""
    return finish(engine.compute(frame), meta)


def finish(frame: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """A computed frame sorted by :data:`ORDER` on a fresh index, in ``meta``'s dtypes."""
    out = frame.sort_values(ORDER, kind="stable").reset_index(drop=True)
    wrong = {c: meta.dtypes[c] for c in meta.columns if c in out.columns and out[c].dtype != meta.dtypes[c]}
    return out.astype(wrong) if wrong else out


def on_partitions(engine: Engine, frame: Any, apply: Any, meta: pd.DataFrame) -> Any:
    """``apply`` on each partition (on pandas: on the whole frame); for row-wise filters."""
    return frame.map_partitions(apply, meta=meta) if engine.is_dask else apply(frame)


def select_rows(part: pd.DataFrame, keep: Keep) -> pd.DataFrame:
    """The kept rows of one partition."""
    return part[keep.mask(part["day"].to_numpy(), part["is_fraud"].to_numpy())]


COUNTED = ["rows", "frauds", "customers", *(f"scenario_{c}" for c in range(5))]


def block_counts(part: pd.DataFrame) -> pd.DataFrame:
    """One row of counts for a partition of whole customer blocks (its customers are nobody else's)."""
    scenario = np.bincount(part["scenario"].to_numpy(np.int64), minlength=5)[:5]
    row = [len(part), int(part["is_fraud"].sum()), int(part["customer_id"].nunique()), *scenario.tolist()]
    return pd.DataFrame([row], columns=COUNTED, dtype=np.int64)


def unique_terminals(part: pd.DataFrame) -> pd.DataFrame:
    """The distinct terminals of a partition (their union over partitions is the data set's)."""
    return pd.DataFrame({"terminal_id": np.unique(part["terminal_id"].to_numpy())})


def totals(counts: pd.DataFrame, terminals: pd.DataFrame) -> dict[str, Any]:
    """The whole data set's counts from the per-partition ones (partitions hold whole customers)."""
    summed = counts.sum()
    return {
        "transactions": int(summed["rows"]),
        "frauds": int(summed["frauds"]),
        "customers": int(summed["customers"]),
        "terminals": int(np.unique(terminals["terminal_id"].to_numpy()).size),
        "scenarios": {c: int(summed[f"scenario_{c}"]) for c in range(5)},
    }


def history_rows(part: pd.DataFrame, lo: int, hi: int, customers: np.ndarray, terminals: np.ndarray) -> pd.DataFrame:
    """Rows in ``[lo, hi)`` seconds of the given customers or terminals (the replay's feature history)."""
    t = part["time_s"].to_numpy()
    own = np.isin(part["customer_id"].to_numpy(), customers) | np.isin(part["terminal_id"].to_numpy(), terminals)
    return part[(t >= lo) & (t < hi) & own]


def customer_part(part: pd.DataFrame, keep: Keep) -> pd.DataFrame:
    """Amount, calendar flags and customer windows of the kept rows of whole customer blocks.

    Each block is computed on its own (its rows in generation order), so the result does not
    depend on how blocks are grouped into partitions, nor on the engine.
    """
    if len(part) and np.any(np.diff(part["transaction_id"].to_numpy()) < 0):
        part = part.sort_values("transaction_id", kind="stable")  # a block's ids are in time order
    ids = part["transaction_id"].to_numpy()
    block = ids // ID_STRIDE
    cuts = np.r_[0, np.flatnonzero(np.diff(block)) + 1, len(part)]
    pieces = []
    for a, b in zip(cuts[:-1], cuts[1:], strict=False):
        rows = part.iloc[a:b]
        out: dict[str, Any] = {c: rows[c].to_numpy() for c in ORDER}
        out["amount"] = rows["amount"].to_numpy(np.float64)
        out["is_weekend"], out["is_night"] = calendar_flags(rows["timestamp"].to_numpy())
        out |= customer_windows(rows)
        frame = pd.DataFrame({c: out[c] for c in [*ORDER, *CUSTOMER_FEATURES]})
        pieces.append(frame[keep.mask(rows["day"].to_numpy(), rows["is_fraud"].to_numpy())])
    return pd.concat(pieces, ignore_index=True) if pieces else _empty(CUSTOMER_FEATURES)


def terminal_part(part: pd.DataFrame, delay_days: float, keep: Keep) -> pd.DataFrame:
    """Terminal windows of the kept rows of a partition that holds every row of its terminals."""
    part = part.sort_values(ORDER, kind="stable")
    out: dict[str, Any] = {c: part[c].to_numpy() for c in ORDER} | terminal_windows(part, delay_days)
    frame = pd.DataFrame({c: out[c] for c in [*ORDER, *TERMINAL_FEATURES]})
    day = part["time_s"].to_numpy() // SECONDS_PER_DAY
    return frame[keep.mask(day, part["is_fraud"].to_numpy())]


def _empty(columns: list[str]) -> pd.DataFrame:
    """An empty frame of :data:`ORDER` and float ``columns`` (the Dask ``meta``)."""
    base = {c: np.zeros(0, np.int64) for c in ORDER}
    return pd.DataFrame(base | {c: np.zeros(0) for c in columns})


def per_block(engine: Engine, frame: Any, n_blocks: int, apply: Any, meta: pd.DataFrame) -> Any:
    """``apply`` on partitions that each hold whole customer blocks.

    The frame's partitions are the blocks (one per generated block or cached file), and a
    block holds every transaction of its customers, so the customer windows need no shuffle.
    Should a reader ever split or merge the files, the rows are shuffled by block first.
    """
    if not engine.is_dask:
        return apply(frame)
    if frame.npartitions != n_blocks:
        frame = frame.assign(block=frame["transaction_id"] // ID_STRIDE)
        return engine.by_entity(frame, "block", apply, meta=meta, npartitions=n_blocks)
    return frame.map_partitions(apply, meta=meta)


def features(engine: Engine, frame: Any, n_blocks: int, keep: Keep, delay_days: float, rows: pd.DataFrame) -> Any:
    """Every feature of the kept rows, computed on the whole data set and collected in ``rows``' order.

    Customer windows per block (map_partitions); terminal windows after Dask's shuffle by
    terminal of only the four columns they read; both collected and matched on the unique key.

    Args:
        engine: the run's engine.
        frame: every transaction (the features need each row's history).
        n_blocks: the number of customer blocks.
        keep: the rows to collect.
        delay_days: the terminal windows' shift.
        rows: the collected transactions, sorted by :data:`ORDER`.

    Returns:
        The features on ``rows``' index, with :data:`FEATURES` as columns.
    """
    cust = per_block(engine, frame, n_blocks, functools.partial(customer_part, keep=keep), _empty(CUSTOMER_FEATURES))
    apply = functools.partial(terminal_part, delay_days=delay_days, keep=keep)
    term = engine.by_entity(frame[SHUFFLED], "terminal_id", apply, meta=_empty(TERMINAL_FEATURES))
    got_c = engine.collect(cust, order=ORDER)
    _same_rows(got_c, rows)
    X = pd.DataFrame({c: got_c[c].to_numpy(np.float64) for c in CUSTOMER_FEATURES}, index=rows.index)
    del got_c
    got_t = engine.collect(term, order=ORDER)
    _same_rows(got_t, rows)
    for c in TERMINAL_FEATURES:
        X[c] = got_t[c].to_numpy(np.float64)
    return X[FEATURES]


def _same_rows(got: pd.DataFrame, rows: pd.DataFrame) -> None:
    """Refuse features that do not line up with the collected transactions (a bug, never bad input)."""
    if len(got) != len(rows) or not np.array_equal(got["transaction_id"].to_numpy(), rows["transaction_id"].to_numpy()):
        raise RuntimeError(f"features of {len(got):,} rows do not match the {len(rows):,} collected transactions")


def history_span(time_s0: int, delay_days: float) -> tuple[int, int]:
    """Seconds ``[lo, hi)`` of the history the replay loads before its first request at ``time_s0``."""
    return time_s0 - round(delay_days * SECONDS_PER_DAY) - max(WINDOWS) * SECONDS_PER_DAY - 1, time_s0
