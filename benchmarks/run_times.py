"""Wall time of ``python -m cases.<name> run`` per case (imports, diagram and report included).

Usage: ``python benchmarks/run_times.py [--scale default] [--repeat 1] [case ...]``. Prints one
row per case with the best wall time, the runner's own step total and the 30 s target.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from framework.registry import case_names

TARGET_S = 10.0  # issue 10: default-scale run per case on this 2-core machine


def time_run(case: str, scale: str, out: Path) -> tuple[float, dict]:
    """Run one case in a subprocess; return its wall seconds and its metrics.json."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", f"cases.{case}", "run", "--scale", scale, "--quiet", "--out", str(out)],
        check=True,
        capture_output=True,
    )
    wall = time.perf_counter() - start
    return wall, json.loads((out / "metrics.json").read_text())


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=case_names())
    parser.add_argument("--scale", default="default")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print(f"{'case':<16}{'wall s (best)':>14}{'steps s':>10}{'target s':>10}  primary metric of the best model")
    with tempfile.TemporaryDirectory(prefix="run-times-") as tmp:
        for case in args.cases:
            runs = [time_run(case, args.scale, Path(tmp) / f"{case}-{i}") for i in range(args.repeat)]
            wall, metrics = min(runs, key=lambda r: r[0])
            best = metrics["best_model"]
            value = metrics["models"][best][metrics["primary_metric"]]
            print(
                f"{case:<16}{wall:>14.1f}{metrics['timings_s']['total']:>10.1f}{TARGET_S:>10.0f}  "
                f"{best} {metrics['primary_metric']}={value:.4g}"
            )


if __name__ == "__main__":
    main()
