"""The time split: a label-delay gap, and cards already known to be compromised leave the test set."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cases.fraud.artifacts import FraudData
from cases.fraud.split import Windows, split


def frame(rows: list[tuple[int, int, int]]) -> pd.DataFrame:
    """(day, customer, is_fraud) rows."""
    day, cust, y = zip(*rows, strict=True)
    return pd.DataFrame({"day": day, "customer_id": cust, "is_fraud": y})


def test_windows_leave_a_gap_of_one_delay():
    w = Windows(train_start=20, train_days=7, delay_days=5, test_days=3)
    assert (w.train_end, w.test_start, w.test_end) == (27, 32, 35)
    assert w.shifted(8) == Windows(12, 7, 5, 3)


def test_masks_respect_the_windows_and_gap():
    tx = frame([(d, d % 5, 0) for d in range(40)])
    s = split(tx, Windows(10, 7, 7, 7))
    assert tx.loc[s.train, "day"].tolist() == list(range(10, 17))
    assert tx.loc[s.test, "day"].tolist() == list(range(24, 31))
    assert tx.loc[s.test, "day"].min() - tx.loc[s.train, "day"].max() == 7 + 1


def test_known_compromised_cards_are_removed():
    w = Windows(train_start=10, train_days=7, delay_days=7, test_days=7)  # test days 24..30
    tx = frame(
        [
            (12, 1, 1),
            (25, 1, 0),
            (26, 1, 1),  # card 1: fraud in training -> known, all its test rows go
            (20, 2, 1),
            (27, 2, 0),
            (29, 2, 0),  # card 2: fraud on day 20, released after day 27 -> known from day 28
            (25, 3, 1),
            (28, 3, 1),  # card 3: first fraud in the test window, never known before it
            (5, 4, 1),
            (26, 4, 0),  # card 4: fraud before the training window is outside the history
        ]
    )
    s = split(tx, w)
    kept = tx[s.test]
    assert 1 not in set(kept["customer_id"])
    assert kept[kept["customer_id"] == 2]["day"].tolist() == [27]  # day 29 removed, day 27 kept
    assert kept[kept["customer_id"] == 3]["day"].tolist() == [25, 28]
    assert kept[kept["customer_id"] == 4]["day"].tolist() == [26]
    assert s.removed_known == 3 and s.removed_cards == 2


def test_small_run_split_is_disjoint_and_gapped(small_run, small_ctx):
    data = small_run.records["data"]
    fraud = small_run.get(FraudData)
    assert data.synthetic and fraud.synthetic and not fraud.compromised_terminals.empty
    cfg = small_ctx.config
    assert data.train["day"].max() + cfg.delay_days < data.test["day"].min()
    assert set(data.train["transaction_id"]).isdisjoint(data.test["transaction_id"])
    # No card in the test set had a fraud whose label was released before that test day.
    tx = fraud.tx
    start = fraud.split.windows.train_start
    frauds = tx[(tx["is_fraud"] == 1) & (tx["day"] >= start)].groupby("customer_id")["day"].min()
    first = data.test["customer_id"].map(frauds).fillna(np.inf)
    assert (first > data.test["day"] - cfg.delay_days - 1).all()
    assert fraud.split.removed_known > 0
