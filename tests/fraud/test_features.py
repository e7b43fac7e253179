"""Features are point-in-time: no later transaction and no unreleased label ever moves them."""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import pandas as pd
import pytest

from cases.fraud.features import FEATURES, build_features
from cases.fraud.simulator import SimParams, simulate
from framework.seeding import stream_rng
from framework.timeunits import SECONDS_PER_DAY

DELAY = 7


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    params = SimParams(
        n_customers=150,
        n_terminals=200,
        radius=15,
        n_days=50,
        start_date=dt.date(2024, 4, 1),
        compromised_terminals_per_day=0.3,
        compromised_cards_per_day=0.3,
    )
    return simulate(params, functools.partial(stream_rng, 3)).transactions


@pytest.fixture(scope="module")
def features(tx) -> pd.DataFrame:
    return build_features(tx, DELAY)


def test_columns_and_shape(tx, features):
    assert list(features.columns) == FEATURES
    assert len(features) == len(tx) and features.index.equals(tx.index)
    assert np.isfinite(features.to_numpy()).all()


def test_future_transactions_never_change_past_features(tx, features):
    cut = len(tx) // 2
    future = tx.copy()
    rows = future.index[cut:]
    rng = np.random.default_rng(0)
    future.loc[rows, "amount"] = rng.uniform(0, 5000, len(rows))
    future.loc[rows, "is_fraud"] = 1 - future.loc[rows, "is_fraud"]
    future.loc[rows, "terminal_id"] = rng.permutation(future.loc[rows, "terminal_id"].to_numpy())
    future.loc[rows, "customer_id"] = rng.permutation(future.loc[rows, "customer_id"].to_numpy())
    again = build_features(future, DELAY)
    pd.testing.assert_frame_equal(again.iloc[:cut], features.iloc[:cut])
    assert not again.iloc[cut:].equals(features.iloc[cut:])  # the perturbation did bite


def test_unreleased_labels_never_change_features(tx, features):
    # Flip every label of the last `DELAY` days before the cut: for rows up to the cut those
    # labels are not released yet, so no feature may move.
    t_cut = int(tx["time_s"].iloc[len(tx) * 3 // 4])
    late = (tx["time_s"] > t_cut - DELAY * SECONDS_PER_DAY).to_numpy()
    flipped = tx.assign(is_fraud=np.where(late, 1 - tx["is_fraud"], tx["is_fraud"]))
    again = build_features(flipped, DELAY)
    upto = (tx["time_s"] <= t_cut).to_numpy()
    pd.testing.assert_frame_equal(again[upto], features[upto])
    # ...while released labels do count: flipping labels older than the delay moves terminal risk.
    old = (tx["time_s"] <= t_cut - DELAY * SECONDS_PER_DAY).to_numpy()
    moved = build_features(tx.assign(is_fraud=np.where(old, 1 - tx["is_fraud"], tx["is_fraud"])), DELAY)
    assert not moved.loc[upto, "terminal_risk_30d"].equals(features.loc[upto, "terminal_risk_30d"])


def test_matches_a_direct_computation(tx, features):
    rng = np.random.default_rng(1)
    for i in rng.choice(len(tx), 40, replace=False):
        row = tx.iloc[i]
        t = row["time_s"]
        earlier = tx.iloc[: i + 1]  # itself and everything before it in time order
        for w in (1, 7, 30):
            same = earlier["customer_id"] == row["customer_id"]
            mine = earlier[same & (earlier["time_s"] > t - w * SECONDS_PER_DAY)]
            assert features.iloc[i][f"customer_nb_tx_{w}d"] == len(mine)
            assert features.iloc[i][f"customer_avg_amount_{w}d"] == pytest.approx(mine["amount"].mean(), rel=1e-9)
            lo, hi = t - (DELAY + w) * SECONDS_PER_DAY, t - DELAY * SECONDS_PER_DAY
            term = tx[(tx["terminal_id"] == row["terminal_id"]) & (tx["time_s"] > lo) & (tx["time_s"] <= hi)]
            assert features.iloc[i][f"terminal_nb_tx_{w}d"] == len(term)
            risk = term["is_fraud"].mean() if len(term) else 0.0
            assert features.iloc[i][f"terminal_risk_{w}d"] == pytest.approx(risk, abs=1e-12)


def test_calendar_flags(tx, features):
    ts = tx["timestamp"]
    assert (features["is_weekend"] == (ts.dt.day_of_week >= 5)).all()
    assert (features["is_night"] == (ts.dt.hour < 6)).all()


def test_unsorted_input_is_rejected(tx):
    with pytest.raises(ValueError, match="sorted"):
        build_features(tx.iloc[::-1], DELAY)
