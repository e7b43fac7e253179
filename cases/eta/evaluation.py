"""Offline evaluation: segment- and trip-level MAE / MAPE / p90 error, and slice metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cases.eta.design import DESIGN
from cases.eta.models import SegmentTimeModel
from cases.eta.trips import Trips
from framework.metrics import mae, mape, p90_absolute_error

# The design's offline metrics, in its order: evaluate() returns exactly these.
METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in DESIGN.metrics.offline)


def error_metrics(y_true: np.ndarray, y_pred: np.ndarray, level: str) -> dict[str, float]:
    """MAE (s), MAPE (fraction) and p90 absolute error (s) under ``<level>_`` names."""
    return {
        f"{level}_mae_s": mae(y_true, y_pred),
        f"{level}_mape": mape(y_true, y_pred),
        f"{level}_p90_abs_error_s": p90_absolute_error(y_true, y_pred),
    }


def segment_predictions(model: SegmentTimeModel, records: pd.DataFrame) -> np.ndarray:
    """The model's travel time for every record's (segment, interval)."""
    return model.predict_records(records)


def trip_predictions(model: SegmentTimeModel, trips: Trips) -> np.ndarray:
    """The model's ETA for every trip, timed segment by segment from its departure."""
    return model.trip_eta(trips.paths, trips.table["departure_s"].to_numpy())


def evaluate(
    model: SegmentTimeModel, test: pd.DataFrame, trips: Trips
) -> tuple[dict[str, float], np.ndarray, np.ndarray]:
    """Every metric of ``METRIC_NAMES`` for one model on the test window.

    Args:
        model: a fitted model.
        test: clean test records (``travel_time_s`` is the segment-level truth).
        trips: test trips (``duration_s`` is the trip-level truth).

    Returns:
        The metrics, the segment predictions and the trip predictions.
    """
    seg_pred = segment_predictions(model, test)
    trip_pred = trip_predictions(model, trips)
    metrics = {
        **error_metrics(trips.table["duration_s"].to_numpy(), trip_pred, "trip"),
        **error_metrics(test["travel_time_s"].to_numpy(), seg_pred, "segment"),
    }
    return {k: metrics[k] for k in METRIC_NAMES}, seg_pred, trip_pred


def mae_by_group(y_true: np.ndarray, y_pred: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    """MAE per group value (keys are the group values as strings, sorted)."""
    err = pd.Series(np.abs(np.asarray(y_true) - np.asarray(y_pred)))
    return {str(k): float(v) for k, v in err.groupby(np.asarray(groups), sort=True).mean().items()}


def slice_table(
    y_true: np.ndarray, predictions: dict[str, np.ndarray], groups: np.ndarray, label: str
) -> dict[str, dict[str, float]]:
    """``{group: {model: mae, ..., "n_<label>": count}}`` for every model's predictions."""
    counts = pd.Series(np.asarray(groups)).value_counts()
    table: dict[str, dict[str, float]] = {}
    for name, pred in predictions.items():
        for group, value in mae_by_group(y_true, pred, groups).items():
            table.setdefault(group, {})[name] = value
    for group in table:
        key = next(k for k in counts.index if str(k) == group)
        table[group][f"n_{label}"] = float(counts[key])
    return table
