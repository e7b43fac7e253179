"""A trip-level booster on the residual over the routing engine's ETA, with a symmetric and an asymmetric loss."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from cases.eta.design import ABSOLUTE, ENGINE, QUANTILE
from cases.eta.features import time_features
from cases.eta.lateness import cost_quantile, score_etas
from cases.eta.traffic import INTERVAL_S, INTERVALS_PER_WEEK

# Small on purpose: a few thousand training-window trips, a handful of route-level features.
_BOOSTER = {"max_iter": 25, "learning_rate": 0.2, "max_leaf_nodes": 8, "min_samples_leaf": 40, "max_bins": 63}


def trip_features(
    engine_eta: np.ndarray, free_flow_eta: np.ndarray, n_segments: np.ndarray, departure_s: np.ndarray
) -> np.ndarray:
    """Route-level features: the engine's and free-flow ETAs, their ratio, route length and departure time."""
    interval = np.floor(np.asarray(departure_s, np.float64) / INTERVAL_S) % INTERVALS_PER_WEEK
    clock = time_features(interval)
    return np.column_stack(
        [
            engine_eta,
            free_flow_eta,
            engine_eta / np.maximum(free_flow_eta, 1e-9),
            n_segments,
            clock["minute_of_day"],
            clock["day_of_week"],
        ]
    )


def _fit_predict(X: np.ndarray, y: np.ndarray, X_test: np.ndarray, seed: int, **loss: object) -> np.ndarray:
    model = HistGradientBoostingRegressor(**_BOOSTER, **loss, early_stopping=False, random_state=seed)
    # One OpenMP thread, as for the segment booster: a shared machine makes threads wait at barriers.
    with threadpool_limits(limits=1, user_api="openmp"):
        return model.fit(X, y).predict(X_test)


def residual_slices(
    calibration: tuple[np.ndarray, np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray, np.ndarray],
    late_cost_ratio: float,
    late_threshold_s: float,
    seed: int,
) -> dict[str, dict[str, float]]:
    """Routing-engine ETA versus boosters on its residual (absolute and quantile loss), on the test trips.

    ``calibration`` and ``test`` are ``(actual_s, features, engine_eta_s)``: training-window trips fit the
    residual ``actual - engine ETA``; the test trips score ``engine ETA + predicted residual``. The quantile
    loss targets ``k / (k + 1)`` (``k`` the late-cost ratio), the quantile the asymmetric cost wants.

    Returns:
        The lateness table's rows (see :func:`cases.eta.lateness.score_etas`), ``cost_vs_served`` against
        the routing engine's ETA.
    """
    cal_actual, cal_X, cal_engine = calibration
    actual, X, engine = test
    residual = cal_actual - cal_engine
    q = cost_quantile(late_cost_ratio)
    etas = {
        ENGINE: engine,
        ABSOLUTE: engine + _fit_predict(cal_X, residual, X, seed, loss="absolute_error"),
        QUANTILE: engine + _fit_predict(cal_X, residual, X, seed, loss="quantile", quantile=q),
    }
    return score_etas(actual, etas, engine, late_cost_ratio, late_threshold_s)
