"""Figures of the fraud case: precision-recall curves, card precision per day, drift."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from framework.plots import pyplot


def _pr_curve(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Recall and precision at every distinct threshold that catches a further fraud, highest score first.

    These are the points average precision sums over; thresholds that only add legitimate rows
    lower precision at an unchanged recall and would add tens of thousands of invisible vertices.
    """
    order = np.argsort(-s, kind="mergesort")
    ys, ss = y[order], s[order]
    last = np.r_[np.flatnonzero(np.diff(ss) != 0), len(ss) - 1]
    tp = np.cumsum(ys)[last]
    keep = np.diff(np.r_[0, tp]) > 0
    keep[-1] = True  # the curve ends where every row is alerted
    tp, last = tp[keep], last[keep]
    return tp / max(ys.sum(), 1), tp / (last + 1)


def precision_recall(y: np.ndarray, scores: dict[str, np.ndarray], ap: dict[str, float], path: Path) -> None:
    """Precision-recall curve of each model on the test window, AP in the legend."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.4), dpi=110)
    for name, s in scores.items():
        recall, precision = _pr_curve(y, s)
        ax.step(
            np.r_[0, recall],
            np.r_[precision[:1], precision],
            where="post",
            label=f"{name} (AP {ap[name]:.3f})",
            linestyle="--" if name == "oracle" else "-",
        )
    ax.axhline(y.mean(), color="grey", linewidth=0.8, linestyle=":", label=f"fraud rate {y.mean():.2%}")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_ylim(0, 1.02)
    ax.set_title("Precision-recall on the test window")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def card_precision_per_day(daily: dict[str, pd.Series], path: Path) -> None:
    """Daily card precision@100 of each model over the test days."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=110)
    for name, series in daily.items():
        ax.plot(
            series.index,
            series.to_numpy(),
            marker="o",
            label=f"{name} (mean {series.mean():.3f})",
            linestyle="--" if name == "oracle" else "-",
        )
    ax.set_xlabel("test day")
    ax.set_ylabel("card precision@100")
    ax.set_title("Card precision@100 per test day")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def drift(amounts: dict[str, np.ndarray], daily: pd.DataFrame, boundaries: list[int], card_k: int, path: Path) -> None:
    """Amount distribution per monitoring window, and daily AP / card precision with the drift start marked."""
    plt = pyplot()
    import matplotlib.ticker as ticker  # after pyplot(): matplotlib is imported on first use only

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.0), dpi=110)
    pooled = np.concatenate(list(amounts.values()))
    positive = pooled[pooled > 0]
    low = float(np.quantile(positive, 0.001)) if len(positive) else 0.01
    high = max(float(np.quantile(positive, 0.999)) if len(positive) else 1.0, low * 10)
    bins = np.geomspace(low, high, 60)
    for name, values in amounts.items():
        share = np.full(len(values), 1 / max(len(values), 1))  # log-width bins: shares, not densities
        left.hist(values, bins=bins, histtype="step", weights=share, label=name, linewidth=1.4)
    left.set_xscale("log")
    # Plain tick labels (1, 10, 100): the log axis's default 10^k labels go through mathtext, slow to set up.
    left.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    left.xaxis.set_minor_formatter(ticker.NullFormatter())
    left.set_xlabel("amount (log scale, up to the 99.9th percentile)")
    left.set_ylabel("share of the window's transactions")
    left.set_title("Amount per window")
    left.legend(fontsize=8)
    right.plot(daily["day"], daily["average_precision"], marker="o", label="average precision")
    right.plot(daily["day"], daily["card_precision"], marker="s", label=f"card precision@{card_k}")
    for b, label in zip(boundaries, ("no-drift window", "drift starts"), strict=False):
        right.axvline(b - 0.5, color="#D9480F" if "drift starts" in label else "grey", linestyle="--", linewidth=1)
        right.text(b - 0.4, 0.98, label, fontsize=7, va="top", transform=right.get_xaxis_transform())
    right.set_xlabel("monitoring day")
    right.set_title("Deployed model per day")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
