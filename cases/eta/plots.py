"""Figures of the ETA case: error by departure hour, error by road class, and the drift of speeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from framework.plots import pyplot


def _models(table: dict[str, dict[str, float]]) -> list[str]:
    first = next(iter(table.values()), {})
    return [k for k in first if not k.startswith("n_")]


def trip_error_by_hour(table: dict[str, dict[str, float]], oracle: str | None, path: Path) -> Path:
    """Line plot of trip MAE per departure-hour band, one line per model, with the trips of each band.

    Args:
        table: ``{band: {model: mae, "n_trips": n}}`` where a band is ``"07"`` or ``"00-05"``.
        oracle: the ladder's oracle, drawn as a reference line (None: no oracle).
        path: PNG to write.
    """
    plt = pyplot()
    bands = sorted(table)
    # A band is drawn at its middle hour and labelled with its hours and its trips.
    bounds = [[int(h) for h in band.split("-")] for band in bands]
    x = [(b[0] + b[-1]) / 2 for b in bounds]
    fig, ax = plt.subplots(figsize=(8.5, 4.4))
    for name in _models(table):
        # The oracle is dashed black so a model that tracks it stays visible underneath.
        style = {"color": "black", "linestyle": "--", "marker": None} if name == oracle else {"marker": "o", "ms": 3}
        ax.plot(x, [table[b][name] for b in bands], label=name, **style)
    ax.set_xlabel("departure hour (sparse hours merged into bands; n = test trips)")
    ax.set_ylabel("trip MAE (s)")
    ax.set_xticks(x, [f"{b}\nn={table[b]['n_trips']:.0f}" for b in bands], fontsize=6)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Trip ETA error by departure hour (test window)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def segment_error_by_class(table: dict[str, dict[str, float]], path: Path) -> Path:
    """Grouped bars of segment MAE per road class, one bar per model.

    Args:
        table: ``{road_class: {model: mae, "n_records": n}}``.
        path: PNG to write.
    """
    plt = pyplot()
    classes = list(table)
    models = _models(table)
    width = 0.8 / max(len(models), 1)
    x = np.arange(len(classes))
    fig, ax = plt.subplots(figsize=(7.0, 4.0))
    for i, name in enumerate(models):
        ax.bar(x + i * width - 0.4 + width / 2, [table[c][name] for c in classes], width, label=name)
    ax.set_xticks(x, classes)
    ax.set_ylabel("segment MAE (s)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Segment travel-time error by road class (test window)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def speed_drift(reference: np.ndarray, drifted: np.ndarray, calm: np.ndarray, path: Path) -> Path:
    """Histograms of average speed: reference window, drifted period and a calm period.

    Args:
        reference: speeds of the reference window.
        drifted: speeds of the drifted period.
        calm: speeds of the no-drift period.
        path: PNG to write.
    """
    plt = pyplot()
    bins = np.linspace(0, float(np.percentile(np.concatenate([reference, drifted, calm]), 99.5)), 60)
    fig, ax = plt.subplots(figsize=(7.0, 4.0))
    for values, label, style in (
        (reference, "reference (test window)", "-"),
        (calm, "recent, no drift", ":"),
        (drifted, "recent, roadworks + new evening peak", "--"),
    ):
        ax.hist(values, bins=bins, density=True, histtype="step", linestyle=style, linewidth=1.6, label=label)
    ax.set_xlabel("average speed (km/h)")
    ax.set_ylabel("density")
    ax.legend(fontsize=8)
    ax.set_title("Probe speed distribution before and after drift")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
