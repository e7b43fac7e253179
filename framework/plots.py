"""Plotting set-up for every case (matplotlib on the file-only Agg backend) and the framework's model-ladder figure."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from framework.results import LadderResult


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the non-interactive Agg backend, imported on first use (it is slow to import)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def ladder_chart(ladder: LadderResult, primary: str, higher_is_better: bool, path: Path) -> None:
    """Bar chart of the primary metric per model, the oracle drawn as a dashed reference line.

    Args:
        ladder: the run's ladder (models in ladder order, roles).
        primary: the primary metric's name.
        higher_is_better: its direction.
        path: PNG file to write.
    """
    plt = pyplot()
    names = [n for n in ladder.models if n != ladder.oracle]  # the oracle is the dashed line, not a bar
    raw = [ladder.models[n][primary] for n in names]
    values = [v if isinstance(v, int | float) and math.isfinite(v) else 0.0 for v in raw]
    colours = ["#2F6FDE" if n == ladder.best else "#8FA8D6" for n in names]
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=110)
    bars = ax.bar(names, values, color=colours, edgecolor="#33415C")
    oracle = ladder.models[ladder.oracle][primary] if ladder.oracle else None
    if isinstance(oracle, int | float) and math.isfinite(oracle):
        ax.axhline(oracle, color="#D9480F", linestyle="--", label=f"oracle {oracle:.4g}")
        ax.legend(loc="best", fontsize=8)
    ax.bar_label(bars, labels=[f"{v:.4g}" if v == shown else "n/a" for v, shown in zip(raw, values)], fontsize=8)
    better = "higher" if higher_is_better else "lower"
    ax.set_ylabel(f"{primary} ({better} is better)")
    chosen = f"deployed: {ladder.best} (chosen on {ladder.decision_metric})"
    ax.set_title(f"Model ladder on {primary}\n{chosen}", fontsize=10)
    ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
