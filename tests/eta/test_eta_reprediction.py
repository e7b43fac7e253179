"""ETA expert item: re-prediction at the halfway point of each test trip, measured."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cases.eta.reprediction import halfway_reprediction, split_paths
from cases.eta.trips import Trips, walk_routes, walk_routes_split


def test_split_paths_keeps_every_segment_once():
    paths = np.array([[3, 4, 5, 6], [7, 8, -1, -1], [9, -1, -1, -1]])
    first, rest = split_paths(paths, np.array([2, 1, 0]))
    np.testing.assert_array_equal(first, [[3, 4, -1, -1], [7, -1, -1, -1], [-1, -1, -1, -1]])
    np.testing.assert_array_equal(rest, [[5, 6, -1, -1], [8, -1, -1, -1], [9, -1, -1, -1]])


def test_split_walk_records_the_time_at_the_split_and_keeps_the_duration():
    paths = np.array([[0, 1, 2], [1, 2, -1]])
    departure = np.array([0.0, 600.0])

    def step(seg: np.ndarray, interval: np.ndarray) -> np.ndarray:
        return 10.0 * (seg + 1) + interval

    duration, reached = walk_routes_split(paths, departure, step, split=np.array([1, 5]))
    np.testing.assert_allclose(duration, walk_routes(paths, departure, step))
    assert reached[0] == pytest.approx(10.0)  # one segment driven, departing in interval 0
    assert reached[1] == pytest.approx(duration[1])  # a split past the route's end: arrived


class _TimeOfDayModel:
    """A stand-in model: one segment takes 60 s, or 120 s from interval 100 on."""

    def trip_eta(self, paths: np.ndarray, departure_s: np.ndarray) -> np.ndarray:
        return walk_routes(paths, departure_s, lambda seg, interval: np.where(interval >= 100, 120.0, 60.0))


def test_updating_at_halfway_uses_the_real_progress_and_time():
    # Two 4-segment trips; the first car is slow on its first half and reaches interval 100 (rush) late.
    paths = np.array([[0, 1, 2, 3], [0, 1, 2, 3]])
    departure = np.array([100 * 120.0 - 200.0, 0.0])
    halfway = np.array([300.0, 120.0])  # true time to drive the first two segments
    duration = halfway + np.array([240.0, 120.0])  # the rest, as the rush-hour / off-peak model times it
    table = pd.DataFrame({"departure_s": departure, "duration_s": duration, "halfway_s": halfway, "n_segments": [4, 4]})
    model = _TimeOfDayModel()
    eta = model.trip_eta(paths, departure)
    rows = halfway_reprediction(model, Trips(table, paths), eta)  # type: ignore[arg-type]
    promise, plan, requery = (rows[k] for k in ("departure promise", "departure-time plan", "re-queried at halfway"))
    # Knowing the progress fixes the slow first half; re-querying at the real time also sees the rush hour.
    assert requery["arrival_mae_s"] == pytest.approx(0.0)
    assert plan["arrival_mae_s"] < promise["arrival_mae_s"]
    assert requery["mae_vs_promise"] == pytest.approx(-1.0)


def test_run_reports_halfway_reprediction(small_run):
    ctx, outputs = small_run
    rows = outputs.records["testing"].slices["halfway_reprediction"]
    assert set(rows) == {"departure promise", "departure-time plan", "re-queried at halfway"}
    assert all(row["n_trips"] == ctx.config.n_trips for row in rows.values())
    # Half the trip's noise is behind the car: any update beats keeping the departure promise.
    assert rows["re-queried at halfway"]["arrival_mae_s"] < rows["departure promise"]["arrival_mae_s"]
    assert rows["departure-time plan"]["arrival_mae_s"] < rows["departure promise"]["arrival_mae_s"]
