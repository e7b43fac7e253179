"""Out-of-fold ETAs of real-data calibration trips: each trip timed by a lookup fitted without its own week (or day)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cases.eta.features import HistoryFeatures
from cases.eta.models import HistoricalMeanModel
from cases.eta.traffic import INTERVAL_S


def out_of_fold_eta(
    train: pd.DataFrame, segments: pd.DataFrame, paths: np.ndarray, departure_s: np.ndarray, period: int, bucket: int
) -> np.ndarray:
    """ETAs of training-window trips from historical-mean lookups that never saw the trip's own fold.

    A real trip walks the very training records its lookup is fitted on: scored in sample, a key
    with one record returns the trip's own time, so ``actual / ETA`` is 1 and a band built on it has
    zero width. Each fold (calendar week, or day for time-of-day history) is scored by a lookup
    fitted on the other folds, like the booster's out-of-fold history features.

    Args:
        train: clean training records.
        segments: the segment table.
        paths: ``(n, L)`` routes of the calibration trips.
        departure_s: their departures (seconds since interval 0).
        period: intervals per fold (``INTERVALS_PER_WEEK`` or ``INTERVALS_PER_DAY``).
        bucket: the booster's time bucket (for the history aggregates).

    Returns:
        ``(n,)`` ETAs in seconds.
    """
    record_fold = train["interval_index"].to_numpy(np.int64) // period
    trip_fold = np.floor(np.asarray(departure_s, np.float64) / INTERVAL_S).astype(np.int64) // period
    eta = np.empty(len(trip_fold))
    for fold in np.unique(trip_fold):
        rest = train[record_fold != fold]
        rest = rest if len(rest) else train
        lookup = HistoricalMeanModel().fit(rest, segments, HistoryFeatures().fit(rest, segments, bucket, period=period))
        chosen = trip_fold == fold
        eta[chosen] = lookup.trip_eta(paths[chosen], np.asarray(departure_s)[chosen])
    return eta
