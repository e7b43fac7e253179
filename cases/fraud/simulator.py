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


def _active(entity: np.ndarray, day: np.ndarray, table: pd.DataFrame, n_entities: int, n_days: int) -> np.ndarray:
    """Whether each (entity, day) pair falls inside a compromise window of ``table``."""
    marks = np.zeros((n_entities, n_days + 1), dtype=np.int32)
    np.add.at(marks, (table["entity"].to_numpy(), table["start_day"].to_numpy()), 1)
    np.add.at(marks, (table["entity"].to_numpy(), np.minimum(table["end_day"].to_numpy(), n_days)), -1)
    active = np.cumsum(marks, axis=1) > 0
    return active[entity, day]


def _base_transactions(
    customers: pd.DataFrame, offsets: np.ndarray, flat: np.ndarray, n_days: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Legitimate transactions: Poisson counts per customer-day, time of day, amount, terminal."""
    n_cust = len(customers)
    n_term = np.diff(offsets)
    lam = customers["tx_per_day"].to_numpy() * (n_term > 0)  # no terminal in reach: no transaction
    counts = rng.poisson(lam[:, None], size=(n_cust, n_days))
    total = int(counts.sum())
    cust = np.repeat(np.repeat(np.arange(n_cust), n_days), counts.ravel())
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
        "customer_id": cust[keep],
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


def simulate(params: SimParams, rng: RngFactory, drift: Drift | None = None, stream: str = "") -> Simulation:
    """Generate customers, terminals and labelled transactions.

    Args:
        params: what to generate.
        rng: a function returning the generator of a named stream (``RunContext.rng``).
        drift: optional changes from a start day on (monitoring).
        stream: prefix of the transaction/fraud streams, so a second simulation over the same
            customers and terminals draws different transactions.

    Returns:
        The simulation, transactions sorted by time with ids in time order.
    """
    customers = make_customers(params.n_customers, rng("customers"))
    terminals = make_terminals(params.n_terminals, rng("terminals"))
    offsets, flat = reachable_terminals(customers, terminals, params.radius)
    customers["n_terminals"] = np.diff(offsets)
    tx = _base_transactions(customers, offsets, flat, params.n_days, rng(f"{stream}transactions"))
    fraud_rng = rng(f"{stream}fraud")
    n_days = params.n_days

    day, amount = tx["day"], tx["amount"]
    if drift is not None and drift.spend_factor != 1.0:
        drifted = day >= drift.start_day
        # Outliers keep the pre-shift definition: after the shift legit big purchases appear.
        outlier = amount > params.outlier_amount
        amount = np.where(drifted, np.round(amount * drift.spend_factor, 2), amount)
    else:
        outlier = amount > params.outlier_amount

    terms = _draw_compromised(
        params.n_terminals, params.compromised_terminals_per_day, n_days, params.terminal_compromise_days, fraud_rng
    )
    on_terminal = _active(tx["terminal_id"], day, terms, params.n_terminals, n_days)
    cards = _draw_compromised(
        params.n_customers, params.compromised_cards_per_day, n_days, params.card_compromise_days, fraud_rng
    )
    on_card = _active(tx["customer_id"], day, cards, params.n_customers, n_days)
    # Each transaction of an abused card is the fraudster's with probability card_fraud_share.
    card_fraud = on_card & (fraud_rng.random(len(day)) < params.card_fraud_share)
    amount = np.where(card_fraud, np.round(amount * params.card_amount_factor, 2), amount)
    scenario = np.select([card_fraud, on_terminal, outlier], [CARD, TERMINAL, OUTLIER], LEGIT).astype(np.int8)
    tx["amount"] = amount
    tx["scenario"] = scenario

    burst_table = pd.DataFrame(
        {"entity": np.zeros(0, np.int64), "start_day": np.zeros(0, np.int64), "end_day": np.zeros(0, np.int64)}
    )
    if drift is not None and drift.burst_cards_per_day > 0:
        burst, burst_table = _bursts(drift, params.n_customers, params.n_terminals, n_days, rng(f"{stream}burst"))
        burst["scenario"] = np.full(len(burst["day"]), BURST, dtype=np.int8)
        tx = {k: np.concatenate([tx[k], burst[k]]) for k in tx}

    frame = _assemble(tx, params.start_date)
    return Simulation(
        customers=customers,
        terminals=terminals,
        transactions=frame,
        compromised_terminals=terms.rename(columns={"entity": "terminal_id"}),
        compromised_cards=cards.rename(columns={"entity": "customer_id"}),
        burst_cards=burst_table.rename(columns={"entity": "customer_id"}),
    )


def _assemble(tx: dict[str, np.ndarray], start_date: dt.date) -> pd.DataFrame:
    """Sort by time (stable), number transactions in time order, add the timestamp."""
    time_s = tx["day"].astype(np.int64) * SECONDS_PER_DAY + tx["time_of_day"].astype(np.int64)
    order = np.argsort(time_s, kind="stable")
    time_s = time_s[order]
    origin = np.datetime64(start_date, "s")
    scenario = tx["scenario"][order]
    return pd.DataFrame(
        {
            "transaction_id": np.arange(len(order), dtype=np.int64),
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
