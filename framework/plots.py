"""Figures every case gets from the framework: the model ladder on the primary metric."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any


def ladder_chart(metrics: dict[str, Any], order: list[str], path: Path) -> None:
    """Bar chart of the primary metric per model, the oracle drawn as a dashed reference line.

    Args:
        metrics: the run's metrics document (needs ``models``, ``primary_metric``, roles).
        order: model names in ladder order (naive first, oracle last).
        path: PNG file to write.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    primary = metrics["primary_metric"]
    names = [n for n in order if n in metrics["models"]] + sorted(set(metrics["models"]) - set(order))
    raw = [metrics["models"][n][primary] for n in names]
    values = [v if isinstance(v, int | float) and math.isfinite(v) else 0.0 for v in raw]
    colours = ["#C9CED6" if n == "oracle" else "#2F6FDE" if n == metrics["best_model"] else "#8FA8D6" for n in names]
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=110)
    bars = ax.bar(names, values, color=colours, edgecolor="#33415C")
    oracle = metrics["models"].get("oracle", {}).get(primary)
    if isinstance(oracle, int | float) and math.isfinite(oracle):
        ax.axhline(oracle, color="#D9480F", linestyle="--", label="oracle")
    ax.bar_label(bars, labels=[f"{v:.4g}" if v == shown else "n/a" for v, shown in zip(raw, values)], fontsize=8)
    better = "higher" if metrics["higher_is_better"] else "lower"
    ax.set_ylabel(f"{primary} ({better} is better)")
    ax.set_title(f"{metrics['case']}: model ladder on {primary}")
    ax.legend(loc="best", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
