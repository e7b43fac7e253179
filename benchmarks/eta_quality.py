"""Run the ETA case's six steps at one scale; print the model table, serving latency and step timings.

Usage: ``python benchmarks/eta_quality.py [--scale small|default|large] [--seed N] [--data DIR]``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from cases.eta import case
from cases.eta.config import EtaConfig
from cases.eta.evaluation import METRIC_NAMES
from framework.case import RunContext
from framework.pipeline import run_steps


def run(scale: str, seed: int, data: Path | None) -> tuple[dict[str, Any], dict[str, float]]:
    """Run every step in a temporary output folder; return the results and seconds per step."""
    config = EtaConfig(**EtaConfig.scales[scale])
    with tempfile.TemporaryDirectory(prefix="eta-bench-") as tmp:
        ctx = RunContext(case="eta", config=config, seed=seed, scale=scale, out_dir=Path(tmp), data_path=data)
        outputs = run_steps(case, ctx)
    return outputs.records, outputs.timings


def report(results: dict[str, Any], timings: dict[str, float]) -> str:
    """The tables as plain text."""
    ladder, serving, monitoring = results["models"], results["deployment"], results["monitoring"]
    data = results["data"]
    lines = [f"rows: train={len(data.train)} test={len(data.test)}  trips={data.summary['trips']}"]
    lines.append(f"{'model':18s}" + "".join(f"{m:>24s}" for m in METRIC_NAMES))
    for name, metrics in ladder.models.items():
        lines.append(f"{name:18s}" + "".join(f"{metrics[m]:>24.4f}" for m in METRIC_NAMES))
    oracle = ladder.models["oracle"]["trip_mae_s"]
    best = ladder.models[ladder.best]["trip_mae_s"]
    ratio = f"{best / oracle:.3f}" if oracle > 0 else "n/a (the oracle is exact)"
    lines.append(f"best={ladder.best}  trip_mae_s best/oracle={ratio}")
    slices = results["testing"].slices
    lines.append(f"neighbour slowdown corr={results['features'].summary['neighbour_slowdown_corr']}")
    for table in ("live_traffic_by_route_congestion", "residual_over_routing_engine"):
        for row, values in slices[table].items():
            lines.append(f"{table} | {row}: " + "  ".join(f"{k}={v:.4g}" for k, v in values.items()))
    lines.append(
        f"serving: p50={serving.p50_ms:.3f} ms  p99={serving.p99_ms:.3f} ms  sla={serving.sla_ms:g} ms  "
        f"max|served-offline|={serving.extra['max_abs_diff_vs_offline_s']:.2g} s"
        f"  publish={serving.extra['publish_s']} s"
    )
    lines.append("monitoring alerts: " + "; ".join(a.message for a in monitoring.alerts))
    lines.append(f"no-drift period: {monitoring.extra['no_drift_check']}")
    checks = results["testing"].behavioural
    lines.append(f"behavioural: {sum(c.passed for c in checks)}/{len(checks)} passed")
    lines.append(
        "timings (s): " + "  ".join(f"{k}={v:.2f}" for k, v in timings.items()) + f"  total={sum(timings.values()):.2f}"
    )
    return "\n".join(lines)


def main() -> None:
    """Parse the command line, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="default", choices=sorted(EtaConfig.scales))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=None, help="real data folder instead of the generator")
    args = parser.parse_args()
    print(f"scale={args.scale} seed={args.seed} data={args.data or 'synthetic'}")
    print(report(*run(args.scale, args.seed, args.data)))


if __name__ == "__main__":
    main()
