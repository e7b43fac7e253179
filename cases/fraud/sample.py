"""Write the small synthetic sample in the real-data format: ``python -m cases.fraud.sample [PATH]``."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from pathlib import Path

from cases.fraud.loader import COLUMNS
from cases.fraud.simulator import SimParams, simulate
from framework.seeding import stream_rng

SAMPLE_PARAMS = SimParams(
    n_customers=80,
    n_terminals=160,
    radius=12.0,
    n_days=45,
    start_date=dt.date(2024, 4, 1),
    compromised_terminals_per_day=0.1,
    compromised_cards_per_day=0.15,
)


def write_sample(path: Path, seed: int = 7) -> int:
    """Simulate a small population and write its transactions as CSV; returns the row count."""
    sim = simulate(SAMPLE_PARAMS, functools.partial(stream_rng, seed))
    tx = sim.transactions.copy()
    tx["timestamp"] = tx["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    path.parent.mkdir(parents=True, exist_ok=True)
    tx[list(COLUMNS)].to_csv(path, index=False, float_format="%.2f")
    return len(tx)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "data/fraud_sample.csv")
    print(f"{write_sample(target)} rows -> {target}")
