"""Benchmark: simulator speed and output at the handbook's standard settings (prints a table).

Usage: ``.venv/bin/python benchmarks/fraud_simulator.py [--seed N] [--repeat R]``
"""

from __future__ import annotations

import argparse
import time
import zlib

import numpy as np

from cases.fraud.config import FraudConfig
from cases.fraud.features import build_features
from cases.fraud.simulator import CARD, OUTLIER, TERMINAL, SimParams, simulate
from framework.config import build_config

# Figures reported by the handbook for the same settings (approximate, for comparison).
HANDBOOK = {"transactions": "~1.75 M", "fraud rate": "~0.84%"}


def main() -> None:
    """Generate the standard dataset ``--repeat`` times and print timings and counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    cfg = build_config(FraudConfig, "large")
    params = SimParams.from_config(cfg)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        sim = simulate(params, lambda s: np.random.default_rng([args.seed, zlib.crc32(s.encode())]))
        times.append(time.perf_counter() - start)
    tx = sim.transactions
    start = time.perf_counter()
    build_features(tx, cfg.delay_days)
    feature_s = time.perf_counter() - start
    counts = tx["scenario"].value_counts()
    rows = [
        (
            "settings",
            f"{params.n_customers:,} customers, {params.n_terminals:,} terminals, radius {params.radius:g}, "
            f"{params.n_days} days",
            "",
        ),
        (f"generation time (best of {args.repeat})", f"{min(times):.2f} s", "budget <= 10 s"),
        ("transactions", f"{len(tx):,}", HANDBOOK["transactions"]),
        ("frauds", f"{int(tx['is_fraud'].sum()):,}", ""),
        ("fraud rate", f"{tx['is_fraud'].mean():.3%}", HANDBOOK["fraud rate"]),
        ("  scenario 1 amount outliers", f"{int(counts.get(OUTLIER, 0)):,}", ""),
        ("  scenario 2 compromised terminals", f"{int(counts.get(TERMINAL, 0)):,}", ""),
        ("  scenario 3 compromised cards", f"{int(counts.get(CARD, 0)):,}", ""),
        (
            "compromised terminals / cards drawn",
            f"{len(sim.compromised_terminals):,} / {len(sim.compromised_cards):,}",
            "",
        ),
        ("feature pipeline (15 features, all rows)", f"{feature_s:.2f} s", ""),
    ]
    width = max(len(r[0]) for r in rows), max(len(r[1]) for r in rows)
    print(f"{'quantity':<{width[0]}}  {'measured':<{width[1]}}  reference")
    print("-" * (width[0] + width[1] + 20))
    for name, value, ref in rows:
        print(f"{name:<{width[0]}}  {value:<{width[1]}}  {ref}")


if __name__ == "__main__":
    main()
