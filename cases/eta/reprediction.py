"""Re-prediction during the trip: the remaining time at the halfway point of each test trip.

At the halfway point (after ``n_segments // 2`` segments, at the true time the car gets there)
the app can update the arrival time three ways, all with the deployed model and no refit:

* keep the promise made at departure (arrival = departure + ETA);
* the departure-time plan: the actual halfway time plus the remaining segments' time as the model
  planned it at departure (the ETA minus its own first-half part);
* re-query the model at the actual halfway time for the remaining segments.

The first minus the second is what knowing the car's progress is worth; the second minus the third
is what querying the model at the time the car really reaches each remaining segment adds.
"""

from __future__ import annotations

import numpy as np

from cases.eta.models import SegmentTimeModel
from cases.eta.trips import Trips


def split_paths(paths: np.ndarray, half: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first ``half`` segments of each path, and the rest shifted to the front (both padded with -1)."""
    length = paths.shape[1]
    pos = np.arange(length)[None, :]
    first = np.where(pos < half[:, None], paths, -1)
    shifted = pos + half[:, None]
    rest = np.where(shifted < length, np.take_along_axis(paths, np.minimum(shifted, length - 1), axis=1), -1)
    return first, rest


def halfway_reprediction(model: SegmentTimeModel, trips: Trips, eta: np.ndarray) -> dict[str, dict[str, float]]:
    """Arrival error of the three updates at the halfway point, on the trips (``eta``: the departure ETAs).

    Columns: MAE and p90 of the absolute arrival error, mean signed error (actual - predicted; late is
    positive), the MAE change against keeping the departure promise, the mean remaining time, trips.
    """
    table = trips.table
    departure = table["departure_s"].to_numpy(np.float64)
    duration = table["duration_s"].to_numpy(np.float64)
    halfway = table["halfway_s"].to_numpy(np.float64)
    half = table["n_segments"].to_numpy() // 2
    first, rest = split_paths(trips.paths, half)
    # Remaining time after the halfway point, as each update predicts it.
    remaining = {
        "departure promise": eta - halfway,
        "departure-time plan": eta - model.trip_eta(first, departure),
        "re-queried at halfway": model.trip_eta(rest, departure + halfway),
    }
    truth = duration - halfway
    kept_mae = float(np.mean(np.abs(truth - remaining["departure promise"])))
    out: dict[str, dict[str, float]] = {}
    for name, pred in remaining.items():
        error = truth - pred
        mae = float(np.mean(np.abs(error)))
        out[name] = {
            "arrival_mae_s": mae,
            "arrival_p90_abs_s": float(np.quantile(np.abs(error), 0.9)),
            "mean_actual_minus_eta_s": float(np.mean(error)),
            "mae_vs_promise": mae / kept_mae - 1.0 if kept_mae > 0 else 0.0,
            "mean_remaining_s": float(np.mean(truth)),
            "n_trips": float(len(truth)),
        }
    return out
