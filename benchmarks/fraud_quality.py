"""Benchmark: the model ladder at the standard settings with a 7-day train / 7-day delay / 7-day test split.

Usage: ``.venv/bin/python benchmarks/fraud_quality.py [--seed N] [--set key=value ...]``
(defaults: the ``large`` scale, i.e. the handbook's 5,000 customers / 10,000 terminals / 183 days,
training window from day 115). ``--set fraud_rate=0.001`` runs the same ladder at a realistic ~0.1%
fraud rate instead of the handbook's ~0.8% (see cases/fraud/fraud_rate.py).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from cases.fraud import case
from cases.fraud.artifacts import FraudData
from cases.fraud.config import FraudConfig
from framework.case import RunContext
from framework.config import build_config
from framework.pipeline import run_steps

# The handbook's published baseline on its simulated data, same split (approximate).
PUBLISHED_LR = {"roc_auc": 0.87, "average_precision": 0.60, "card_precision_at_100_blocked": 0.29}
COLUMNS = [
    "roc_auc",
    "average_precision",
    "card_precision_at_100",
    "card_precision_at_100_blocked",
    "recall_at_fpr",
    "expected_cost",
    "accuracy",
]


def main() -> None:
    """Run steps 4-6 at the standard settings and print every model's test metrics."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    cfg = build_config(FraudConfig, "large", args.overrides)
    with tempfile.TemporaryDirectory() as tmp:
        ctx = RunContext(case="fraud", config=cfg, seed=args.seed, scale="large", out_dir=Path(tmp))
        outputs = run_steps(case, ctx, until="models")
    timings = outputs.timings
    result = outputs.records["models"]
    fraud = outputs.get(FraudData)
    data, tx = fraud.split, fraud.tx
    print(
        f"standard settings: {len(tx):,} transactions; train days {data.windows.train_start}-"
        f"{data.windows.train_end - 1}, gap {cfg.delay_days} days, test days {data.windows.test_start}-"
        f"{data.windows.test_end - 1}; {int(data.test.sum()):,} test rows after removing "
        f"{data.removed_known:,} rows of {data.removed_cards} known-compromised cards"
    )
    print("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    header = f"{'model':<32}" + "".join(f"{c:>31}" if c.startswith("card") else f"{c:>19}" for c in COLUMNS)
    print(header)
    print("-" * len(header))
    for model, values in result.models.items():
        tag = " (best)" if model == result.best else " (baseline)" if model == result.baseline else ""
        cells = "".join(
            (
                f"{values[c]:>31.4f}"
                if c.startswith("card")
                else f"{values[c]:>19,.0f}"
                if c == "expected_cost"
                else f"{values[c]:>19.4f}"
            )
            for c in COLUMNS
        )
        print(f"{model + tag:<32}{cells}")
    cells = "".join(
        (
            f"{PUBLISHED_LR[c]:>31.2f}"
            if c in PUBLISHED_LR and c.startswith("card")
            else f"{PUBLISHED_LR[c]:>19.2f}"
            if c in PUBLISHED_LR
            else f"{'':>31}"
            if c.startswith("card")
            else f"{'':>19}"
        )
        for c in COLUMNS
    )
    print(f"{'handbook LR (pub.)':<32}{cells}")


if __name__ == "__main__":
    main()
