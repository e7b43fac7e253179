"""Vectorised card-transaction simulator with three injected fraud scenarios and optional drift.

The design (customer and terminal profiles on a 100x100 grid, terminals within a radius,
Poisson transactions per day, three fraud scenarios) follows the simulator described in
"Reproducible Machine Learning for Credit Card Fraud Detection - Practical Handbook"
(Le Borgne, Siblini, Lebichot, Bontempi; Universite Libre de Bruxelles). This is an
independent, fully vectorised implementation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from cases.fraud.config import FraudConfig
from framework.timeunits import SECONDS_PER_DAY

GRID = 100.0

# Scenario codes stored in the ``scenario`` column (0 = legitimate).
LEGIT, OUTLIER, TERMINAL, CARD, BURST = 0, 1, 2, 3, 4
SCENARIO_NAMES = {
    LEGIT: "legitimate",
    OUTLIER: "amount outlier",
    TERMINAL: "compromised terminal",
    CARD: "compromised card",
    BURST: "card-testing burst (drift)",
}

RngFactory = Callable[[str], np.random.Generator]


@dataclass(frozen=True)
class SimParams:
    """What the simulator generates (see :class:`cases.fraud.config.FraudConfig` for each knob)."""

    n_customers: int
    n_terminals: int
    radius: float
    n_days: int
    start_date: dt.date
    outlier_amount: float = 220.0
    compromised_terminals_per_day: float = 2.0
    terminal_compromise_days: int = 28
    compromised_cards_per_day: float = 3.0
    card_compromise_days: int = 14
    card_fraud_share: float = 1 / 3
    card_amount_factor: float = 5.0

    @classmethod
    def from_config(cls, config: FraudConfig, n_days: int | None = None) -> SimParams:
        """Build the parameters from a :class:`FraudConfig` (optionally overriding ``n_days``)."""
        names = [f for f in cls.__dataclass_fields__ if f != "n_days"]
        return cls(n_days=n_days or config.n_days, **{n: getattr(config, n) for n in names})


@dataclass(frozen=True)
class Drift:
    """Changes injected from ``start_day`` on, for monitoring.

    Attributes:
        start_day: first drifted day.
        spend_factor: legitimate spending multiplier (amount outliers keep their pre-shift
            definition, so legitimate large purchases appear: a concept shift).
        burst_cards_per_day: cards hit per day by the new fraud pattern.
        burst_tx_per_day: extra small transactions per burst card and day.
        burst_days: days a burst lasts.
        burst_amount_max: burst amounts are uniform in [1, this].
    """

    start_day: int
    spend_factor: float = 1.0
    burst_cards_per_day: float = 0.0
    burst_tx_per_day: int = 3
    burst_days: int = 3
    burst_amount_max: float = 10.0


@dataclass
class Simulation:
    """The simulator's output, with the truth an oracle needs.

    Attributes:
        customers: customer_id, x, y, mean_amount, std_amount, tx_per_day, n_terminals.
        terminals: terminal_id, x, y.
        transactions: transaction_id, timestamp, customer_id, terminal_id, amount, is_fraud,
            scenario, day, time_s; sorted by time, ids in time order.
        compromised_terminals: terminal_id, start_day, end_day (exclusive).
        compromised_cards: customer_id, start_day, end_day (exclusive).
        burst_cards: cards hit by the drift's card-testing bursts (empty without drift).
    """

    customers: pd.DataFrame
    terminals: pd.DataFrame
    transactions: pd.DataFrame
    compromised_terminals: pd.DataFrame
    compromised_cards: pd.DataFrame
    burst_cards: pd.DataFrame


def make_customers(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Customer profiles: location, spending mean and spread, transactions per day."""
    xy = rng.uniform(0, GRID, (n, 2))
    mean_amount = rng.uniform(5, 100, n)
    return pd.DataFrame(
        {
            "customer_id": np.arange(n, dtype=np.int64),
            "x": xy[:, 0],
            "y": xy[:, 1],
            "mean_amount": mean_amount,
            "std_amount": mean_amount / 2,
            "tx_per_day": rng.uniform(0, 4, n),
        }
    )


def make_terminals(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Terminal profiles: location on the grid."""
    xy = rng.uniform(0, GRID, (n, 2))
    return pd.DataFrame({"terminal_id": np.arange(n, dtype=np.int64), "x": xy[:, 0], "y": xy[:, 1]})


def reachable_terminals(
    customers: pd.DataFrame, terminals: pd.DataFrame, radius: float
) -> tuple[np.ndarray, np.ndarray]:
    """Terminals within ``radius`` of each customer, as CSR arrays.

    Returns:
        ``(offsets, flat)``: customer c uses ``flat[offsets[c]:offsets[c + 1]]``.
    """
    tree = cKDTree(terminals[["x", "y"]].to_numpy())
    lists = tree.query_ball_point(customers[["x", "y"]].to_numpy(), r=radius, return_sorted=True)
    counts = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
    offsets = np.concatenate([[0], np.cumsum(counts)])
    flat = np.concatenate([np.asarray(x, dtype=np.int64) for x in lists]) if offsets[-1] else np.zeros(0, np.int64)
    return offsets, flat


def _stochastic_counts(rate: float, n_days: int, rng: np.random.Generator) -> np.ndarray:
    """Integer counts per day whose mean is ``rate`` (floor plus a Bernoulli of the fraction)."""
    base = int(np.floor(rate))
    return base + (rng.random(n_days) < rate - base).astype(np.int64)


def _draw_compromised(
    n_entities: int, rate: float, n_days: int, duration: int, rng: np.random.Generator, first_day: int = 0
) -> pd.DataFrame:
    """Entities compromised each day (distinct within a day), active for ``duration`` days."""
    counts = np.minimum(_stochastic_counts(rate, n_days - first_day, rng), n_entities)
    days = np.repeat(np.arange(first_day, n_days), counts)
    ids = rng.integers(0, n_entities, size=len(days))
    # The same entity drawn twice on one day counts once (rare: a few draws among thousands).
    unique = ~pd.DataFrame({"d": days, "e": ids}).duplicated().to_numpy()
    days, ids = days[unique], ids[unique].astype(np.int64)
    return pd.DataFrame({"entity": ids, "start_day": days, "end_day": days + duration})


def _active(entity: np.ndarray, day: np.ndarray, table: pd.DataFrame, n_days: int) -> np.ndarray:
    """Whether each (entity, day) pair falls inside a compromise window of ``table``.

    The calendar is a matrix over the scheduled entities only (a few thousand even at xl), not over
    every terminal, so a block of customers never allocates hundreds of MB for 570,000 terminals.
    """
    ids = table["entity"].to_numpy()
    if len(ids) == 0:
        return np.zeros(len(entity), dtype=bool)
    known, row = np.unique(ids, return_inverse=True)
    marks = np.zeros((len(known), n_days + 1), dtype=np.int32)
    np.add.at(marks, (row, table["start_day"].to_numpy()), 1)
    np.add.at(marks, (row, np.minimum(table["end_day"].to_numpy(), n_days)), -1)
    active = np.cumsum(marks, axis=1) > 0
    at = np.minimum(np.searchsorted(known, entity), len(known) - 1)
    return (known[at] == entity) & active[at, day]


def _base_transactions(
    customers: pd.DataFrame, offsets: np.ndarray, flat: np.ndarray, n_days: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Legitimate transactions: Poisson counts per customer-day, time of day, amount, terminal."""
    n_cust = len(customers)
    n_term = np.diff(offsets)
    lam = customers["tx_per_day"].to_numpy() * (n_term > 0)  # no terminal in reach: no transaction
    counts = rng.poisson(lam[:, None], size=(n_cust, n_days))
    total = int(counts.sum())
    cust = np.repeat(np.repeat(np.arange(n_cust), n_days), counts.ravel())  # position in this block's table
    day = np.repeat(np.tile(np.arange(n_days), n_cust), counts.ravel())
    # Time of day ~ N(noon, 20,000 s); draws outside the day are dropped, as in the handbook design.
    time_of_day = np.rint(rng.normal(SECONDS_PER_DAY / 2, 20_000, total)).astype(np.int64)
    mean = customers["mean_amount"].to_numpy()[cust]
    std = customers["std_amount"].to_numpy()[cust]
    amount = rng.normal(mean, std)
    negative = amount < 0
    amount[negative] = rng.uniform(0, 2 * mean[negative])
    pick = np.floor(rng.random(total) * n_term[cust]).astype(np.int64)
    terminal = flat[np.minimum(offsets[cust] + pick, max(len(flat) - 1, 0))] if len(flat) else np.zeros(total, np.int64)
    keep = (time_of_day >= 0) & (time_of_day < SECONDS_PER_DAY)
    return {
        "customer_id": customers["customer_id"].to_numpy()[cust[keep]],
        "terminal_id": terminal[keep],
        "day": day[keep],
        "time_of_day": time_of_day[keep],
        "amount": np.round(amount[keep], 2),
    }


def _bursts(
    drift: Drift, n_customers: int, n_terminals: int, n_days: int, rng: np.random.Generator
) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """The drift's new fraud pattern: small card-testing transactions at random terminals."""
    table = _draw_compromised(
        n_customers, drift.burst_cards_per_day, n_days, drift.burst_days, rng, first_day=drift.start_day
    )
    table["end_day"] = np.minimum(table["end_day"], n_days)
    n_active = (table["end_day"] - table["start_day"]).to_numpy()
    card = np.repeat(table["entity"].to_numpy(), n_active * drift.burst_tx_per_day)
    offsets = np.repeat(np.arange(len(table)), n_active)
    day = np.repeat(table["start_day"].to_numpy()[offsets] + _ranks(offsets), drift.burst_tx_per_day)
    total = len(card)
    out = {
        "customer_id": card.astype(np.int64),
        "terminal_id": rng.integers(0, n_terminals, total),
        "day": day.astype(np.int64),
        "time_of_day": rng.integers(0, SECONDS_PER_DAY, total),
        "amount": np.round(rng.uniform(1, drift.burst_amount_max, total), 2),
    }
    return out, table


def _ranks(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal consecutive values."""
    if len(groups) == 0:
        return groups
    starts = np.r_[0, np.flatnonzero(np.diff(groups)) + 1]
    return np.arange(len(groups)) - np.repeat(starts, np.diff(np.r_[starts, len(groups)]))


# Transaction ids of block b start at b * ID_STRIDE: unique across blocks, and block 0's are today's 0, 1, 2, ...
ID_STRIDE = 10**10


@dataclass(frozen=True)
class Schedules:
    """The simulation's global draws, made once on the client and shared by every block.

    Attributes:
        terminals: compromised terminals (entity, start_day, end_day).
        cards: compromised cards (entity, start_day, end_day).
        fraud_state: the fraud stream's state after drawing both schedules; block 0 continues from it,
            so a data set of one block is exactly the one the unblocked simulator drew.
        burst: the drift's card-testing transactions (column -> values), or None without bursts.
        burst_cards: the burst calendar (entity, start_day, end_day).
    """

    terminals: pd.DataFrame
    cards: pd.DataFrame
    fraud_state: dict
    burst: dict[str, np.ndarray] | None
    burst_cards: pd.DataFrame


@dataclass(frozen=True)
class Block:
    """One block of customers and what its builder needs (small: it is shipped to a Dask worker).

    Attributes:
        index: the block's number (its random streams are ``<stream>/<index>``, block 0 the plain ones).
        first: first customer id of the block.
        stop: one past its last customer id.
        rng: the run's named streams (``functools.partial(stream_rng, seed)``; never a closure over the run).
        params: what to generate.
        drift: the monitoring drift, or None.
        stream: prefix of the transaction/fraud streams.
        terminals: the compromised-terminal schedule (every terminal: any customer may visit it).
        cards: the block's rows of the compromised-card schedule.
        fraud_state: the fraud stream's state to continue from (block 0 only).
        burst: the block's card-testing transactions, or None.
    """

    index: int
    first: int
    stop: int
    rng: RngFactory
    params: SimParams
    drift: Drift | None
    stream: str
    terminals: pd.DataFrame
    cards: pd.DataFrame
    fraud_state: dict | None
    burst: dict[str, np.ndarray] | None


EMPTY_TABLE = {"entity": np.int64, "start_day": np.int64, "end_day": np.int64}


def draw_schedules(params: SimParams, rng: RngFactory, drift: Drift | None = None, stream: str = "") -> Schedules:
    """Draw the compromised terminals and cards and the drift's bursts once, from their plain streams."""
    fraud_rng = rng(f"{stream}fraud")
    n_days = params.n_days
    terms = _draw_compromised(
        params.n_terminals, params.compromised_terminals_per_day, n_days, params.terminal_compromise_days, fraud_rng
    )
    cards = _draw_compromised(
        params.n_customers, params.compromised_cards_per_day, n_days, params.card_compromise_days, fraud_rng
    )
    burst, burst_table = None, pd.DataFrame({k: np.zeros(0, v) for k, v in EMPTY_TABLE.items()})
    if drift is not None and drift.burst_cards_per_day > 0:
        burst, burst_table = _bursts(drift, params.n_customers, params.n_terminals, n_days, rng(f"{stream}burst"))
        burst["scenario"] = np.full(len(burst["day"]), BURST, dtype=np.int8)
    return Schedules(terms, cards, dict(fraud_rng.bit_generator.state), burst, burst_table)


def blocks(
    params: SimParams,
    rng: RngFactory,
    schedules: Schedules,
    block_customers: int,
    drift: Drift | None = None,
    stream: str = "",
    n_customers: int | None = None,
) -> list[Block]:
    """The blocks of ``block_customers`` customers each (the last one shorter), fixed by the config alone.

    Args:
        params: what to generate.
        rng: the run's named streams (picklable: ``functools.partial(stream_rng, seed)``).
        schedules: :func:`draw_schedules`' draws.
        block_customers: customers per block.
        drift: the monitoring drift, or None.
        stream: prefix of the transaction/fraud streams.
        n_customers: simulate only the blocks holding the first this many customers (None: all).
    """
    total = params.n_customers if n_customers is None else min(n_customers, params.n_customers)
    out = []
    for index, first in enumerate(range(0, total, block_customers)):
        stop = min(first + block_customers, params.n_customers)
        mine = schedules.cards["entity"].between(first, stop - 1)
        burst = None
        if schedules.burst is not None:
            own = (schedules.burst["customer_id"] >= first) & (schedules.burst["customer_id"] < stop)
            burst = {k: v[own] for k, v in schedules.burst.items()}
        out.append(
            Block(
                index=index,
                first=first,
                stop=stop,
                rng=rng,
                params=params,
                drift=drift,
                stream=stream,
                terminals=schedules.terminals,
                cards=schedules.cards[mine].reset_index(drop=True),
                fraud_state=schedules.fraud_state if index == 0 else None,
                burst=burst,
            )
        )
    return out


def build_block(block: Block) -> pd.DataFrame:
    """The transactions of one block of customers, sorted by time (see :class:`Simulation`)."""
    return _simulate_block(block)[0]


def _stream(block: Block, name: str) -> np.random.Generator:
    """The block's own generator of stream ``name`` (block 0: the plain stream, as ``block_rng`` does)."""
    return block.rng(name if block.index == 0 else f"{name}/{block.index}")


def _simulate_block(block: Block) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One block's transactions, its customers' profiles and the terminal profiles."""
    params, drift = block.params, block.drift
    # Profiles are redrawn from their plain streams in every block (milliseconds even at xl),
    # so a block description stays a few numbers instead of 285,000 customer rows.
    customers = make_customers(params.n_customers, block.rng("customers")).iloc[block.first : block.stop]
    customers = customers.reset_index(drop=True)
    terminals = make_terminals(params.n_terminals, block.rng("terminals"))
    offsets, flat = reachable_terminals(customers, terminals, params.radius)
    customers["n_terminals"] = np.diff(offsets)
    tx = _base_transactions(customers, offsets, flat, params.n_days, _stream(block, f"{block.stream}transactions"))
    fraud_rng = _stream(block, f"{block.stream}fraud")
    if block.fraud_state is not None:
        fraud_rng.bit_generator.state = block.fraud_state
    n_days = params.n_days

    day, amount = tx["day"], tx["amount"]
    if drift is not None and drift.spend_factor != 1.0:
        drifted = day >= drift.start_day
        # Outliers keep the pre-shift definition: after the shift legit big purchases appear.
        outlier = amount > params.outlier_amount
        amount = np.where(drifted, np.round(amount * drift.spend_factor, 2), amount)
    else:
        outlier = amount > params.outlier_amount

    on_terminal = _active(tx["terminal_id"], day, block.terminals, n_days)
    on_card = _active(tx["customer_id"], day, block.cards, n_days)
    # Each transaction of an abused card is the fraudster's with probability card_fraud_share.
    card_fraud = on_card & (fraud_rng.random(len(day)) < params.card_fraud_share)
    amount = np.where(card_fraud, np.round(amount * params.card_amount_factor, 2), amount)
    scenario = np.select([card_fraud, on_terminal, outlier], [CARD, TERMINAL, OUTLIER], LEGIT).astype(np.int8)
    tx["amount"] = amount
    tx["scenario"] = scenario
    if block.burst is not None:
        tx = {k: np.concatenate([tx[k], block.burst[k]]) for k in tx}
    return _assemble(tx, params.start_date, block.index * ID_STRIDE), customers, terminals


def simulate(params: SimParams, rng: RngFactory, drift: Drift | None = None, stream: str = "") -> Simulation:
    """Generate customers, terminals and labelled transactions (every customer in one block).

    Args:
        params: what to generate.
        rng: a function returning the generator of a named stream (``RunContext.rng``).
        drift: optional changes from a start day on (monitoring).
        stream: prefix of the transaction/fraud streams, so a second simulation over the same
            customers and terminals draws different transactions.

    Returns:
        The simulation, transactions sorted by time with ids in time order.
    """
    schedules = draw_schedules(params, rng, drift, stream)
    (block,) = blocks(params, rng, schedules, max(params.n_customers, 1), drift, stream)
    frame, customers, terminals = _simulate_block(block)
    return Simulation(
        customers=customers,
        terminals=terminals,
        transactions=frame,
        compromised_terminals=schedules.terminals.rename(columns={"entity": "terminal_id"}),
        compromised_cards=schedules.cards.rename(columns={"entity": "customer_id"}),
        burst_cards=schedules.burst_cards.rename(columns={"entity": "customer_id"}),
    )


def empty_transactions(start_date: dt.date) -> pd.DataFrame:
    """A frame with no rows and the simulator's columns and dtypes (the Dask ``meta``)."""
    cols = ("customer_id", "terminal_id", "day", "time_of_day")
    tx: dict[str, np.ndarray] = {c: np.zeros(0, np.int64) for c in cols}
    tx |= {"amount": np.zeros(0), "scenario": np.zeros(0, np.int8)}
    return _assemble(tx, start_date)


def _assemble(tx: dict[str, np.ndarray], start_date: dt.date, first_id: int = 0) -> pd.DataFrame:
    """Sort by time (stable), number transactions in time order from ``first_id``, add the timestamp."""
    time_s = tx["day"].astype(np.int64) * SECONDS_PER_DAY + tx["time_of_day"].astype(np.int64)
    order = np.argsort(time_s, kind="stable")
    time_s = time_s[order]
    origin = np.datetime64(start_date, "s")
    scenario = tx["scenario"][order]
    return pd.DataFrame(
        {
            "transaction_id": np.arange(first_id, first_id + len(order), dtype=np.int64),
            "timestamp": pd.to_datetime(origin + time_s.astype("timedelta64[s]")),
            "customer_id": tx["customer_id"][order].astype(np.int64),
            "terminal_id": tx["terminal_id"][order].astype(np.int64),
            "amount": tx["amount"][order].astype(np.float64),
            "is_fraud": (scenario != LEGIT).astype(np.int8),
            "scenario": scenario,
            "day": tx["day"][order].astype(np.int64),
            "time_s": time_s,
        }
    )
