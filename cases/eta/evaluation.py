"""Offline evaluation: segment- and trip-level MAE / MAPE / p90 error, and slice metrics."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cases.eta.design import DESIGN
from cases.eta.models import SegmentTimeModel
from cases.eta.trips import Trips
from framework.metrics import mae, mape, p90_absolute_error

# The design's offline metrics, in its order: evaluate() returns exactly these.
METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in DESIGN.metrics.offline)
# Fewest test trips a departure-hour slice may hold: sparser night hours are merged into bands.
MIN_SLICE_TRIPS = 30


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


def hour_bands(hours: np.ndarray, min_count: int) -> np.ndarray:
    """Each trip's departure-hour band: consecutive hours merged until a band holds ``min_count`` trips.

    Hours are walked in order and a band closes once it has ``min_count`` trips; a last band
    short of it joins the one before. Labels are ``"07"`` for one hour and ``"00-05"`` for a
    band (zero-padded, so they sort in hour order).

    Args:
        hours: departure hour (0-23) of every trip.
        min_count: fewest trips a band may hold (a band of all trips when there are fewer).

    Returns:
        The band label of every trip.
    """
    hours = np.asarray(hours, dtype=np.int64)
    counts = np.bincount(hours, minlength=24)
    bands: list[list[int]] = [[]]
    for hour in range(24):
        bands[-1].append(hour)
        if counts[bands[-1]].sum() >= min_count and hour < 23:
            bands.append([])
    if len(bands) > 1 and counts[bands[-1]].sum() < min_count:
        bands[-2].extend(bands.pop())
    label_of = np.empty(24, dtype=object)
    for band in bands:
        label_of[band] = f"{band[0]:02d}" if len(band) == 1 else f"{band[0]:02d}-{band[-1]:02d}"
    return label_of[hours]


def watch_first(
    by_class: dict[str, dict[str, float]],
    by_hours: dict[str, dict[str, float]],
    best: str,
    baseline: str,
    naive: str,
    oracle: str | None = None,
) -> dict[str, Any]:
    """Where this run's slices say to look first: the deployed model's worst road class and hours.

    Args:
        by_class: segment MAE per road class, every model (``slice_table``).
        by_hours: trip MAE per departure-hour band, every model.
        best: the deployed model.
        baseline: what runs today.
        naive: the naive model (free flow).
        oracle: the oracle's name when ``by_hours`` has it (generated data), else None.

    Returns:
        The worst and best road class with their MAEs, the worst hour band, where the
        baseline and where the deployed model are behind the naive model (sentences), and in how
        many hour slices some model beats the oracle (a sentence; empty without an oracle).
    """
    worst_class = max(by_class, key=lambda c: by_class[c][best])
    best_class = min(by_class, key=lambda c: by_class[c][best])
    worst_hours = max(by_hours, key=lambda h: by_hours[h][best])
    behind = [f"{c} roads" for c in by_class if by_class[c][baseline] > by_class[c][naive]]
    hours = [h for h in by_hours if by_hours[h][baseline] > by_hours[h][naive]]
    if hours:
        behind.append("departures at " + ", ".join(hours) + " h")
    if behind:
        baseline_note = (
            f"The lookup running today ({baseline}) is behind plain free flow ({naive}) on {' and '.join(behind)}: "
            "sparse keys averaged over a car or two. Shrinking each key toward free flow (or its segment's hour of "
            "week) in proportion to its cars fixes that."
        )
    else:
        baseline_note = (
            f"The lookup running today ({baseline}) beats free flow ({naive}) on every slice; its sparse keys would "
            "still gain from shrinking toward the segment's hour of week in proportion to their cars."
        )
    best_behind = [f"{c} roads" for c in by_class if by_class[c][best] > by_class[c][naive]]
    best_hours = [h for h in by_hours if by_hours[h][best] > by_hours[h][naive]]
    if best_hours:
        best_behind.append("departures at " + ", ".join(best_hours) + " h")
    best_note = (
        f"The deployed model ({best}) is itself behind free flow on {' and '.join(best_behind)}. On slices of a "
        "few dozen trips a gap of a few seconds is a direction, not a significant result; the likely cause is "
        "that with few cars about free flow is close to the truth and learned congestion is noise (the night "
        "free-flow behavioural test probes the same thing), so watch those slices."
        if best_behind
        else f"The deployed model ({best}) beats free flow on every slice."
    )
    oracle_note = "On real data there is no oracle, so the slices have no bound to be read against."
    if oracle is not None:
        models = [m for m in by_hours[next(iter(by_hours))] if m not in (oracle, "n_trips")]
        beaten = [h for h in by_hours if any(by_hours[h][m] < by_hours[h][oracle] for m in models)]
        oracle_note = (
            f"The oracle is a bound only over all trips: it predicts the conditional median, the best on average, "
            f"but within an hour slice of a few dozen trips another model can beat it by chance (here in "
            f"{len(beaten)} of {len(by_hours)} hour slices: {', '.join(beaten) or 'none'})."
        )
    if len(by_class) > 1:
        class_note = (
            f"{worst_class} roads, where {best} errs by {by_class[worst_class][best]:.1f} s a segment against "
            f"{by_class[best_class][best]:.1f} s on {best_class} roads"
        )
    else:
        class_note = (
            f"{worst_class} roads, the only road class of this data ({best} errs by "
            f"{by_class[worst_class][best]:.1f} s a segment there)"
        )
    return {
        "class_note": class_note,
        "worst_class": worst_class,
        "worst_class_mae_s": by_class[worst_class][best],
        "best_class": best_class,
        "best_class_mae_s": by_class[best_class][best],
        "worst_hours": worst_hours,
        "worst_hours_mae_s": by_hours[worst_hours][best],
        "baseline_note": baseline_note,
        "best_note": best_note,
        "oracle_note": oracle_note,
    }


def trip_slices_by_hours(trips: Trips, predictions: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Trip MAE per departure-hour band (sparse hours merged), every model."""
    bands = hour_bands(trips.table["departure_hour"].to_numpy(), MIN_SLICE_TRIPS)
    return slice_table(trips.table["duration_s"].to_numpy(), predictions, bands, "trips")


def segment_slices_by_class(
    test: pd.DataFrame, segments: pd.DataFrame, predictions: dict[str, np.ndarray]
) -> dict[str, dict[str, float]]:
    """Segment MAE per road class on the test records, every model."""
    road_class = segments["road_class"].to_numpy()[test["segment_id"].to_numpy()]
    return slice_table(test["travel_time_s"].to_numpy(), predictions, road_class, "records")


def band_bias_uncertainty(trips: Trips, prediction: np.ndarray, band: str) -> tuple[int, float]:
    """Trips in one departure-hour band and the standard error of its signed mean error (s)."""
    bands = hour_bands(trips.table["departure_hour"].to_numpy(), MIN_SLICE_TRIPS)
    error = (trips.table["duration_s"].to_numpy() - np.asarray(prediction, dtype=np.float64))[bands == band]
    se = float(error.std(ddof=1) / np.sqrt(error.size)) if error.size > 1 else float("nan")
    return int(error.size), se


def hour_band_bias(trips: Trips, prediction: np.ndarray) -> dict[str, float]:
    """Signed mean error (actual - ETA, s) of one model per departure-hour band (the bands of the hour slices)."""
    bands = hour_bands(trips.table["departure_hour"].to_numpy(), MIN_SLICE_TRIPS)
    error = trips.table["duration_s"].to_numpy() - np.asarray(prediction, dtype=np.float64)
    return {str(k): float(v) for k, v in pd.Series(error).groupby(bands).mean().items()}
