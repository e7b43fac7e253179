"""Plotting set-up for every case (matplotlib on the file-only Agg backend) and the framework's model-ladder figure."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from framework.results import LadderResult
    from framework.specs import OfflineMetric


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the non-interactive Agg backend, imported on first use (it is slow to import)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def ladder_chart(ladder: LadderResult, primary: OfflineMetric, decision: OfflineMetric, path: Path) -> None:
    """Bars per model, the oracle as a dashed reference line, 95% bootstrap intervals on the decision metric.

    One panel when the primary metric is the decision metric; otherwise the primary metric on
    the left and the decision metric, with its intervals, on the right.

    Args:
        ladder: the run's ladder (models in ladder order, roles, per-model intervals).
        primary: the design's primary metric.
        decision: the metric the deployed model is chosen by.
        path: PNG file to write.
    """
    plt = pyplot()
    panels = [primary] if primary.name == decision.name else [primary, decision]
    fig, axes = plt.subplots(1, len(panels), figsize=(7 * len(panels) ** 0.5, 3.6), dpi=110, squeeze=False)
    for ax, metric in zip(axes[0], panels, strict=True):
        _ladder_panel(ax, ladder, metric, with_intervals=metric.name == decision.name)
    chosen = f"deployed: {ladder.best} (chosen on {ladder.decision_metric})"
    fig.suptitle(f"Model ladder; {chosen}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _ladder_panel(ax: Any, ladder: LadderResult, metric: OfflineMetric, *, with_intervals: bool) -> None:
    names = [n for n in ladder.models if n != ladder.oracle]  # the oracle is the dashed line, not a bar
    raw = [ladder.models[n][metric.name] for n in names]
    values = [v if isinstance(v, int | float) and math.isfinite(v) else 0.0 for v in raw]
    colours = ["#2F6FDE" if n == ladder.best else "#8FA8D6" for n in names]
    from framework.report import fmt  # local: the report module is only needed once a figure is drawn

    ax.bar(names, values, color=colours, edgecolor="#33415C")
    tops = values
    if with_intervals and all(n in ladder.spread for n in names):
        low = [max(0.0, v - ladder.spread[n][0]) for n, v in zip(names, values, strict=True)]
        high = [max(0.0, ladder.spread[n][1] - v) for n, v in zip(names, values, strict=True)]
        ax.errorbar(names, values, yerr=[low, high], fmt="none", ecolor="#1B1F2A", capsize=4, label="95% interval")
        tops = [v + h for v, h in zip(values, high, strict=True)]
    oracle = ladder.models[ladder.oracle][metric.name] if ladder.oracle else None
    if isinstance(oracle, int | float) and math.isfinite(oracle):
        ax.axhline(oracle, color="#D9480F", linestyle="--", label=f"oracle {fmt(oracle)}")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize=8)
    for x, (value, shown, top) in enumerate(zip(raw, values, tops, strict=True)):  # above the interval's cap
        label = fmt(value) if value == shown else "n/a"
        ax.annotate(label, (x, top), xytext=(0, 3), textcoords="offset points", ha="center", va="bottom", fontsize=8)
    ax.margins(y=0.12)
    better = "higher" if metric.higher_is_better else "lower"
    ax.set_ylabel(f"{metric.name} ({better} is better)")
    ax.set_title(metric.name + (" with 95% bootstrap intervals" if with_intervals else ""), fontsize=9)
    ax.tick_params(axis="x", labelsize=8)
