"""Benchmark of the recommendation case: model x metric table (EASE included), best/oracle NDCG, cache latency, times.

Usage: ``python benchmarks/recommendation_quality.py [--scale default] [--seeds 0 1 2] [--data PATH]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cases.recommendation import case  # noqa: E402
from framework.runner import run_case  # noqa: E402

METRICS = (
    "ndcg_at_10",
    "precision_at_10",
    "recall_at_10",
    "map_at_10",
    "hit_rate_at_10",
    "catalog_coverage_at_10",
    "popularity_bias_at_10",
)
SHORT = {
    "ndcg_at_10": "ndcg@10",
    "precision_at_10": "prec@10",
    "recall_at_10": "recall@10",
    "map_at_10": "map@10",
    "hit_rate_at_10": "hit@10",
    "catalog_coverage_at_10": "coverage",
    "popularity_bias_at_10": "pop_bias",
}


def report(metrics: dict, wall_s: float) -> float:
    """Print one run's tables; return best/oracle NDCG@10."""
    models = metrics["models"]
    print(f"\n== recommendation  seed={metrics['seed']}  scale={metrics['scale']}  data={metrics['data_source']}")
    print(f"{'model':<18}" + "".join(f"{SHORT[m]:>11}" for m in METRICS))
    for name, values in models.items():
        tag = {metrics["baseline"]: " (base)", metrics["best_model"]: " (best)"}.get(name, "")
        print(f"{name + tag:<18}" + "".join(f"{values[m]:>11.4f}" for m in METRICS))
    notes = metrics.get("model_notes", {})
    if "ease" in notes:  # EASE's tuned lambda and its grid, or why it was skipped
        print(f"ease: {notes['ease'].rsplit('; ', 1)[-1]}")
    best = metrics["best_model"]
    ratio = models[best]["ndcg_at_10"] / models["oracle"]["ndcg_at_10"]
    s = metrics["serving"]
    print(
        f"best/oracle NDCG@10 = {models[best]['ndcg_at_10']:.4f} / {models['oracle']['ndcg_at_10']:.4f} = {ratio:.3f}"
    )
    print(
        f"cache lookup p50 {s['p50_ms']:.4f} ms, p99 {s['p99_ms']:.4f} ms over {s['requests']} requests "
        f"({s['fallback_responses']} fallbacks); batch refresh {s['batch_refresh_s']:.3f} s "
        f"(scoring {s['batch_scoring_s']:.3f} s + cache write {s['cache_write_s']:.3f} s, "
        f"{s['cached_users']} users)"
    )
    ab = metrics["testing"]["ab_test"]
    if "control_ctr" in ab:
        print(
            f"A/B CTR control {ab['control_ctr']:.4f} [{ab['control_ctr_ci_low']:.4f}, {ab['control_ctr_ci_high']:.4f}]"
            f" vs treatment {ab['treatment_ctr']:.4f} [{ab['treatment_ctr_ci_low']:.4f}, "
            f"{ab['treatment_ctr_ci_high']:.4f}]; lift {ab['lift_relative']}; {ab['per_arm_users']:,} users per arm, "
            f"{ab['days']:.0f} days"
        )
    slices = metrics["testing"]["slices"]
    ann = next((v for k, v in slices.items() if k.startswith("ANN retrieval")), {})
    for row, v in ann.items():
        print(
            f"ANN {row:<16} nprobe {v['nprobe']:>4.0f}/{v['cells']:.0f}: {v['candidates_scored_per_query']:>7.1f} "
            f"songs scored, recall@{v['N']:.0f} vs exact {v['recall_at_n_vs_exact']:.3f}, "
            f"{v['query_ms_per_user']:.4f} ms/user"
        )
    for key in ("music_reading", "feedback_reading"):
        if key in ab:
            print(f"{key}: {ab[key]}")
    mon = metrics["monitoring"]
    print(
        f"monitoring: NDCG@10 {mon['metric_before']:.4f} (no drift) -> {mon['metric_after']:.4f} (drift); "
        f"{len(mon['alerts'])} alerts on drift, {len(mon.get('no_drift_alerts', []))} without"
    )
    t = metrics["timings_s"]
    print("step timings (s): " + ", ".join(f"{k} {v:.2f}" for k, v in t.items()) + f"; wall {wall_s:.2f}")
    return ratio


def main() -> None:
    """Run the case for each seed and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="default", choices=["small", "default", "large"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--data", type=Path, default=None, help="real ratings file instead of the generator")
    args = parser.parse_args()
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:  # one run after the other: the machine is shared
            start = time.perf_counter()
            result = run_case(
                case,
                seed=seed,
                scale=args.scale,
                out_dir=Path(tmp) / f"seed{seed}",
                data_path=args.data,
                progress=False,
            )
            ratios.append(report(result.metrics.model_dump(), time.perf_counter() - start))
    if len(ratios) > 1:
        print(f"\nbest/oracle NDCG@10 over seeds {args.seeds}: min {min(ratios):.3f}, max {max(ratios):.3f}")


if __name__ == "__main__":
    main()
