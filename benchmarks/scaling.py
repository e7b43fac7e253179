"""Wall time and peak memory of whole runs at large, an intermediate size and xl, with time per row.

Usage: ``python benchmarks/scaling.py [case ...] [--sizes large,middle,xl] [--engine dask|pandas]``.
Each run is ``python -m cases.<case> run --scale ... --engine ...`` in a subprocess with a fresh data
cache (so every run is end to end: generation included). Peak memory is the largest sum of the
resident memory of the run and every process it started (the Dask scheduler, nannies and workers),
sampled every 0.2 s; ``client`` is the run's own process alone (what ``--scheduler`` leaves on the
machine that starts the run). Rows are the records the batch steps processed (``metrics.json["throughput"]``).
The last column compares time per row with the same case's ``large`` run of this invocation.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
# The intermediate size: the xl preset with its size knobs at about a quarter (see each case's config).
MIDDLE: dict[str, list[str]] = {
    "eta": ["grid_rows=36", "grid_cols=36", "probe_rate=1.5"],
    "fraud": [
        "n_customers=71250",
        "n_terminals=142500",
        "radius=1.32",
        "compromised_terminals_per_day=28.5",
        "compromised_cards_per_day=42.75",
        "drift_burst_cards_per_day=213.75",
        "monitor_customers=5000",
        "monitor_card_k=100",
    ],
    "recommendation": ["n_users=25000"],
}
TARGETS = "targets: xl <= 900 s and <= 8 GB; time per row at xl <= 1.5x large; ETA route p99 <= 100 ms"


def size_args(case: str, size: str) -> list[str]:
    """The ``run`` options of one named size."""
    if size == "middle":
        return ["--scale", "xl", *[a for kv in MIDDLE[case] for a in ("--set", kv)]]
    return ["--scale", size]


def tree_rss(process: psutil.Process) -> int:
    """Resident bytes of a process and all its descendants (those that vanish mid-sample count 0)."""
    total = 0
    for p in [process, *process.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total


def measure(case: str, size: str, engine: str, seed: int, keep: Path | None = None) -> dict[str, Any]:
    """Run one case at one size and return its wall time, peak memory and the run's own figures.

    Args:
        case: the case.
        size: ``large``, ``middle``, ``xl`` or another scale.
        engine: ``dask`` or ``pandas``.
        seed: the run's seed.
        keep: copy the run's output folder to ``keep/<case>-<size>`` (reports to read afterwards).
    """
    with tempfile.TemporaryDirectory(prefix="scaling-") as tmp:
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-m", f"cases.{case}", "run", *size_args(case, size)]
        cmd += ["--engine", engine, "--seed", str(seed), "--quiet", "--out", str(out)]
        env = {**os.environ, "CASEBOOK_CACHE": str(Path(tmp) / "cache")}
        start = time.perf_counter()
        child = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        watched = psutil.Process(child.pid)
        peak = peak_client = 0
        while child.poll() is None:
            peak = max(peak, tree_rss(watched))
            try:
                peak_client = max(peak_client, watched.memory_info().rss)
            except psutil.Error:  # exited between the poll and the sample
                pass
            time.sleep(0.2)
        wall = time.perf_counter() - start
        stdout, stderr = child.communicate()
        if child.returncode != 0:
            raise SystemExit(f"{case} {size} failed (exit {child.returncode}): {stderr.strip()[-600:]}")
        metrics = json.loads((out / "metrics.json").read_text())
        if keep is not None:
            shutil.copytree(out, keep / f"{case}-{size}", dirs_exist_ok=True)
    rows = int(metrics["throughput"]["rows"])
    return {
        "case": case,
        "size": size,
        "engine": engine,
        "rows": rows,
        "wall_s": wall,
        "peak_gb": peak / 1e9,
        "client_gb": peak_client / 1e9,
        "us_per_row": wall / rows * 1e6,
        "rows_per_s_per_thread": metrics["throughput"]["rows_per_s_per_thread"],
        "route_p99_ms": metrics["serving"].get("route_p99_ms"),
        "route_p50_ms": metrics["serving"].get("route_p50_ms"),
        "stdout": stdout,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=["eta", "fraud", "recommendation"])
    parser.add_argument("--sizes", default="large,middle,xl", help="comma-separated: large, middle, xl, small...")
    parser.add_argument("--engine", default="dask", choices=["dask", "pandas"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="copy each run's outputs to KEEP/<case>-<size>")
    args = parser.parse_args()
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    print(TARGETS)
    header = f"{'case':<15}{'size':<8}{'engine':<8}{'rows':>13}{'wall s':>9}{'peak GB':>9}{'client':>8}{'us/row':>8}"
    print(header + f"{'x large':>9}{'rows/s/thread':>15}{'route p50/p99 ms':>18}")
    for case in args.cases:
        large_rate = None
        for size in sizes:
            r = measure(case, size, args.engine, args.seed, args.keep)
            if size == "large":
                large_rate = r["us_per_row"]
            ratio = f"{r['us_per_row'] / large_rate:.2f}" if large_rate else "-"
            route = f"{r['route_p50_ms']:.1f}/{r['route_p99_ms']:.1f}" if r["route_p99_ms"] is not None else "-"
            print(
                f"{case:<15}{size:<8}{r['engine']:<8}{r['rows']:>13,}{r['wall_s']:>9.1f}{r['peak_gb']:>9.2f}"
                f"{r['client_gb']:>8.2f}"
                f"{r['us_per_row']:>8.2f}{ratio:>9}{r['rows_per_s_per_thread']:>15,.0f}{route:>18}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
