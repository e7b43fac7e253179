"""Figures of the case: precision/recall at k per model, the A/B result, and the drift check."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from framework.plots import pyplot


def precision_recall_at_k(
    path: Path, curves: dict[str, tuple[np.ndarray, np.ndarray]], oracles: Sequence[str] = ()
) -> None:
    """Precision@k and recall@k for k = 1..20, one line per model, oracles dashed."""
    plt = pyplot()
    fig = plt.figure(figsize=(10, 4))
    axes = fig.subplots(1, 2)
    for name, (precision, recall) in curves.items():
        ks = np.arange(1, len(precision) + 1)
        style = "--" if name in oracles else "-"
        axes[0].plot(ks, precision, style, marker=".", label=name)
        axes[1].plot(ks, recall, style, marker=".", label=name)
    n_k = max((len(p) for p, _ in curves.values()), default=1)
    for ax, title in zip(axes, ("precision@k", "recall@k"), strict=True):
        ax.set_xlabel("k (list length)")
        ax.set_ylabel(title)
        ax.set_xticks(np.arange(2, n_k + 1, 2) if n_k > 10 else np.arange(1, n_k + 1))
        ax.set_title(title)
        ax.axvline(10, color="grey", lw=0.8, ls=":")
        ax.grid(alpha=0.3)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="center right", fontsize=8)  # one legend for both panels
    fig.subplots_adjust(left=0.07, right=0.86, bottom=0.13, top=0.9, wspace=0.25)  # tight_layout is slow
    fig.savefig(path, dpi=100)
    plt.close(fig)


def ab_result(path: Path, ab: dict[str, float], control: str, treatment: str) -> None:
    """CTR of each arm with its 95% confidence interval."""
    plt = pyplot()
    fig = plt.figure(figsize=(5, 4))
    ax = fig.subplots()
    ctr = [ab["control_ctr"], ab["treatment_ctr"]]
    err = [
        [ab["control_ctr"] - ab["control_ctr_ci_low"], ab["treatment_ctr"] - ab["treatment_ctr_ci_low"]],
        [ab["control_ctr_ci_high"] - ab["control_ctr"], ab["treatment_ctr_ci_high"] - ab["treatment_ctr"]],
    ]
    ax.bar(
        [f"control\n({control})", f"treatment\n({treatment})"], ctr, yerr=err, capsize=8, color=["#7B8894", "#D9480F"]
    )
    ax.set_ylabel("click-through rate")
    p = ab["p_value"]
    p_shown = f"= {p:.2g}" if p >= 1e-16 else "< 1e-16"
    ax.set_title(f"A/B test (simulated, not a forecast)\nlift {ab['lift_rel']:+.1%} (p {p_shown})")
    fig.subplots_adjust(left=0.17, right=0.97, bottom=0.15, top=0.86)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def drift(
    path: Path,
    tables: dict[str, dict[str, dict[str, float]]],
    psi_alert: float,
    metrics: dict[str, dict[str, float | None]],
) -> None:
    """PSI per feature for each window against the reference, and NDCG/CTR per window."""
    plt = pyplot()
    fig = plt.figure(figsize=(11, 4))
    axes = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2, 1]})
    features = list(next(iter(tables.values())))
    x = np.arange(len(features))
    width = 0.8 / max(len(tables), 1)
    for n, (window, table) in enumerate(tables.items()):
        axes[0].bar(x + n * width, [max(table[f]["psi"], 1e-4) for f in features], width, label=window)
    axes[0].axhline(psi_alert, color="red", ls="--", lw=1, label=f"alert (PSI {psi_alert})")
    axes[0].set_yscale("log")
    axes[0].set_xticks(x + width * (len(tables) - 1) / 2, features, rotation=30, ha="right", fontsize=8)
    axes[0].set_title("feature drift vs reference window (PSI)")
    axes[0].legend(fontsize=8)
    names = list(metrics)
    for n, metric in enumerate(("ndcg", "ctr")):
        vals = [metrics[w].get(metric) or 0.0 for w in names]
        axes[1].bar(np.arange(len(names)) + n * 0.4, vals, 0.4, label=metric.upper())
    axes[1].set_xticks(np.arange(len(names)) + 0.2, names, fontsize=8)
    axes[1].set_title("deployed lists per window")
    axes[1].legend(fontsize=8)
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.3, top=0.9, wspace=0.15)
    fig.savefig(path, dpi=100)
    plt.close(fig)
