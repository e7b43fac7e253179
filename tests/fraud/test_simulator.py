"""Simulator invariants: fraud rate, scenario bookkeeping, determinism, drift, speed at standard settings."""

from __future__ import annotations

import functools
import time

import numpy as np
import pytest

from cases.fraud.config import FraudConfig
from cases.fraud.models import oracle_scores
from cases.fraud.simulator import BURST, CARD, OUTLIER, TERMINAL, Drift, SimParams, simulate
from framework.config import build_config
from framework.seeding import stream_rng


def rng_for(seed: int):
    return functools.partial(stream_rng, seed)


@pytest.fixture(scope="module")
def params() -> SimParams:
    return SimParams.from_config(build_config(FraudConfig, "small"))


@pytest.fixture(scope="module")
def sim(params):
    return simulate(params, rng_for(0))


def test_fraud_is_rare_and_every_scenario_occurs(sim):
    tx = sim.transactions
    assert 0.001 < tx["is_fraud"].mean() < 0.01
    counts = tx["scenario"].value_counts()
    for code in (OUTLIER, TERMINAL, CARD):
        assert counts.get(code, 0) > 0, f"scenario {code} never happens"
    assert BURST not in counts  # the drift pattern only exists with a Drift
    assert (tx["is_fraud"] == (tx["scenario"] > 0)).all()


def test_scenario_rules_hold(sim, params):
    tx = sim.transactions
    legit = tx[tx["scenario"] == 0]
    assert (legit["amount"] <= params.outlier_amount).all()
    # Every transaction at a compromised terminal inside its window is fraud...
    oracle = oracle_scores(tx, sim.compromised_terminals, params.outlier_amount)
    assert np.array_equal(oracle, tx["is_fraud"].to_numpy(np.float64))
    # ...and scenario 3 only touches compromised cards inside their window, about a third of them.
    windows = sim.compromised_cards.merge(tx[["customer_id", "day", "scenario"]].reset_index(), on="customer_id")
    inside = windows[(windows["day"] >= windows["start_day"]) & (windows["day"] < windows["end_day"])]
    card_rows = set(tx.index[tx["scenario"] == CARD])
    assert card_rows <= set(inside["index"])
    share = (tx.loc[inside["index"].unique(), "scenario"] == CARD).mean()
    assert 0.2 < share < 0.45


def test_card_fraud_multiplies_amounts(sim):
    tx = sim.transactions
    card = tx[tx["scenario"] == CARD]
    base = tx[tx["scenario"] == 0].groupby("customer_id")["amount"].mean()
    ratio = (card["amount"] / card["customer_id"].map(base)).median()
    assert 3.5 < ratio < 6.5


def test_truth_tables_match_the_daily_rates(sim, params):
    per_day = sim.compromised_terminals.groupby("start_day").size().reindex(range(params.n_days), fill_value=0)
    assert abs(per_day.mean() - params.compromised_terminals_per_day) < 0.25
    assert (
        sim.compromised_terminals["end_day"] - sim.compromised_terminals["start_day"] == params.terminal_compromise_days
    ).all()
    assert (sim.compromised_cards["end_day"] - sim.compromised_cards["start_day"] == params.card_compromise_days).all()


def test_deterministic_per_seed(params, sim):
    again = simulate(params, rng_for(0)).transactions
    assert again.equals(sim.transactions)
    assert not simulate(params, rng_for(1)).transactions.equals(sim.transactions)


def test_time_order_and_ids(sim):
    tx = sim.transactions
    assert tx["time_s"].is_monotonic_increasing
    assert (tx["transaction_id"].to_numpy() == np.arange(len(tx))).all()
    assert ((tx["time_s"] // 86_400) == tx["day"]).all()


def test_drift_only_after_its_start(params):
    start = params.n_days - 10
    drift = Drift(start_day=start, spend_factor=1.5, burst_cards_per_day=2, burst_tx_per_day=3, burst_days=3)
    base = simulate(params, rng_for(0)).transactions
    drifted = simulate(params, rng_for(0), drift=drift).transactions
    before = drifted[drifted["day"] < start]
    assert (
        before.drop(columns="transaction_id")
        .reset_index(drop=True)
        .equals(base[base["day"] < start].drop(columns="transaction_id").reset_index(drop=True))
    )
    after_base = base[(base["day"] >= start) & (base["scenario"] == 0)]["amount"].mean()
    after = drifted[(drifted["day"] >= start) & (drifted["scenario"] == 0)]["amount"].mean()
    assert after == pytest.approx(after_base * 1.5, rel=0.02)
    bursts = drifted[drifted["scenario"] == BURST]
    assert len(bursts) > 0 and (bursts["day"] >= start).all() and (bursts["is_fraud"] == 1).all()
    assert (bursts["amount"] <= 10).all()


def test_standard_settings_size_and_speed():
    params = SimParams.from_config(build_config(FraudConfig, "large"))
    assert (params.n_customers, params.n_terminals, params.radius, params.n_days) == (5000, 10000, 5.0, 183)
    t = time.perf_counter()
    tx = simulate(params, rng_for(0)).transactions
    elapsed = time.perf_counter() - t
    assert elapsed <= 10.0, f"standard settings took {elapsed:.1f} s"
    assert 1_650_000 < len(tx) < 1_850_000  # the handbook reports ~1.75 M
    assert 0.006 < tx["is_fraud"].mean() < 0.01
