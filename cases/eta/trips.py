"""Test trips: routes, departures and time-dependent durations, advanced segment by segment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cases.eta.network import RoadNetwork
from cases.eta.traffic import (
    INTERVAL_S,
    INTERVALS_PER_DAY,
    INTERVALS_PER_HOUR,
    INTERVALS_PER_WEEK,
    Traffic,
    car_time_noise,
)
from framework.errors import BadInput

SegmentTimeFn = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``(segment_ids, interval_index) -> seconds``, vectorised."""


def walk_routes(
    paths: np.ndarray,
    departure_s: np.ndarray,
    segment_time: SegmentTimeFn,
    multipliers: np.ndarray | None = None,
) -> np.ndarray:
    """Duration of every route when each segment is timed at the moment the car reaches it.

    The loop runs over path positions; every trip advances its clock at once.

    Args:
        paths: ``(n, L)`` segment ids, right-padded with -1.
        departure_s: ``(n,)`` departure times in seconds since interval 0.
        segment_time: travel time of segments at absolute intervals.
        multipliers: optional ``(n, L)`` factors on each segment's time (driver, noise).

    Returns:
        ``(n,)`` durations in seconds.
    """
    return walk_routes_split(paths, departure_s, segment_time, multipliers)[0]


def walk_routes_split(
    paths: np.ndarray,
    departure_s: np.ndarray,
    segment_time: SegmentTimeFn,
    multipliers: np.ndarray | None = None,
    split: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`walk_routes`, also returning the time elapsed when each car reaches path position ``split``.

    Args:
        split: optional ``(n,)`` path positions (segments already driven); without it, the second
            result is the duration too.

    Returns:
        ``(n,)`` durations and ``(n,)`` elapsed seconds at the split, both from departure.
    """
    start = np.asarray(departure_s, dtype=np.float64)
    clock = start.copy()
    reached = np.full(len(clock), np.nan)
    for pos in range(paths.shape[1]):
        if split is not None:
            at = split == pos
            reached[at] = clock[at]
        seg = paths[:, pos]
        active = np.flatnonzero(seg >= 0)
        if active.size == 0:
            break
        interval = np.floor(clock[active] / INTERVAL_S).astype(np.int64)
        step = segment_time(seg[active], interval)
        if multipliers is not None:
            step = step * multipliers[active, pos]
        clock[active] += step
    # Splits at or past the end of a route: the car has arrived.
    reached = np.where(np.isnan(reached), clock, reached)
    return clock - start, reached - start


@dataclass
class Trips:
    """A batch of trips.

    Attributes:
        table: trip_id, origin, destination, departure_s, departure_interval,
            departure_hour, n_segments, duration_s (the truth) and halfway_s (the true time
            from departure to the end of the first ``n_segments // 2`` segments).
        paths: ``(n, L)`` segment ids of each route, right-padded with -1.
    """

    table: pd.DataFrame
    paths: np.ndarray

    def __len__(self) -> int:
        return len(self.table)


def sample_od(
    network: RoadNetwork, n: int, min_segments: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random origin/destination pairs whose route has at least ``min_segments`` segments.

    Draws a surplus of pairs and keeps the first ``n`` valid ones (vectorised rejection).

    Returns:
        origins, destinations and the ``(n, L)`` routes.
    """
    origins, dests, kept = np.empty(0, np.int64), np.empty(0, np.int64), []
    for _ in range(20):  # rejection rounds, not rows: each round draws a whole batch
        o = rng.integers(0, network.n_nodes, 4 * n)
        d = rng.integers(0, network.n_nodes, 4 * n)
        ok = network.reachable(o, d)
        o, d = o[ok], d[ok]
        # Routed n pairs at a time, stopping once n are kept: the same first n valid pairs as routing the
        # whole batch, and each kept route is reused (per-origin routing pays a Dijkstra per origin).
        for lo in range(0, len(o), n):
            paths = network.routes(o[lo : lo + n], d[lo : lo + n])
            long_enough = (paths >= 0).sum(axis=1) >= min_segments
            origins = np.concatenate([origins, o[lo : lo + n][long_enough]])
            dests = np.concatenate([dests, d[lo : lo + n][long_enough]])
            kept.append(paths[long_enough])
            if len(origins) >= n:
                break
        if len(origins) >= n:
            break
    if len(origins) < n:
        raise BadInput(f"the road network has too few routes with >= {min_segments} segments; lower min_route_segments")
    paths = _stacked(kept)[:n]
    return origins[:n], dests[:n], paths[:, : int((paths >= 0).sum(axis=1).max())]


def _stacked(paths: list[np.ndarray]) -> np.ndarray:
    """Route arrays of different widths stacked into one, right-padded with -1."""
    width = max(p.shape[1] for p in paths)
    out = np.full((sum(len(p) for p in paths), width), -1, dtype=np.int64)
    row = 0
    for p in paths:  # one copy per routed batch
        out[row : row + len(p), : p.shape[1]] = p
        row += len(p)
    return out


def sample_departures(start: int, end: int, activity: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Departure times (seconds) in ``[start, end)`` intervals, busier times more likely."""
    intervals = np.arange(start, end)
    weight = activity[intervals % INTERVALS_PER_WEEK]
    chosen = rng.choice(intervals, size=n, p=weight / weight.sum())
    return (chosen + rng.uniform(0.0, 1.0, n)) * INTERVAL_S


def _table(origins: np.ndarray, dests: np.ndarray, departure_s: np.ndarray, paths: np.ndarray) -> pd.DataFrame:
    interval = np.floor(departure_s / INTERVAL_S).astype(np.int64)
    return pd.DataFrame(
        {
            "trip_id": np.arange(len(origins), dtype=np.int64),
            "origin": origins,
            "destination": dests,
            "departure_s": departure_s,
            "departure_interval": interval,
            "departure_hour": (interval % INTERVALS_PER_DAY) // INTERVALS_PER_HOUR,
            "n_segments": (paths >= 0).sum(axis=1),
        }
    )


def synthetic_trips(
    network: RoadNetwork,
    traffic: Traffic,
    start: int,
    end: int,
    n: int,
    min_segments: int,
    driver_noise: float,
    car_speed_noise: float,
    rng: np.random.Generator,
) -> Trips:
    """Trips in the test window with their true durations from the generator's world.

    A segment's realised time = expected time x the trip's driver factor (log-normal,
    median 1) x the car's mean-one log-normal noise x any incident's slowdown.

    Args:
        network: road network (routes).
        traffic: the world's truth.
        start: first interval of the window.
        end: one past its last interval.
        n: number of trips.
        min_segments: shortest accepted route.
        driver_noise: log spread of the per-trip driver factor.
        car_speed_noise: log spread of one car's time on one segment.
        rng: random stream.
    """
    origins, dests, paths = sample_od(network, n, min_segments, rng)
    departure_s = sample_departures(start, end, traffic.activity, n, rng)
    return _realise(traffic, origins, dests, paths, departure_s, driver_noise, car_speed_noise, rng)


def _realise(
    traffic: Traffic,
    origins: np.ndarray,
    dests: np.ndarray,
    paths: np.ndarray,
    departure_s: np.ndarray,
    driver_noise: float,
    car_speed_noise: float,
    rng: np.random.Generator,
) -> Trips:
    """Trips with their true durations: driver factor x car noise x incidents, walked at arrival times."""
    driver = np.exp(rng.standard_normal(len(departure_s)) * driver_noise)
    noise = car_time_noise(rng.standard_normal(paths.shape), car_speed_noise)

    def realised(seg: np.ndarray, interval: np.ndarray) -> np.ndarray:
        return traffic.expected_travel_time_s(seg, interval) * traffic.incident_factor(seg, interval)

    table = _table(origins, dests, departure_s, paths)
    half = table["n_segments"].to_numpy() // 2
    table["duration_s"], table["halfway_s"] = walk_routes_split(
        paths, departure_s, realised, driver[:, None] * noise, half
    )
    return Trips(table, paths)


def user_trips(
    network: RoadNetwork,
    traffic: Traffic,
    start: int,
    end: int,
    n_users: int,
    trips_per_user: int,
    min_segments: int,
    driver_noise: float,
    car_speed_noise: float,
    rng: np.random.Generator,
) -> Trips:
    """Trips of ``n_users`` users in ``[start, end)``, each repeating one route (a commute) ``trips_per_user`` times.

    A user's trips share the route, so their errors are correlated: the reason an A/B test
    randomised by user needs a design effect. The table gets a ``user_id`` column.
    """
    origins, dests, paths = sample_od(network, n_users, min_segments, rng)
    user = np.repeat(np.arange(n_users, dtype=np.int64), trips_per_user)
    departure_s = sample_departures(start, end, traffic.activity, len(user), rng)
    trips = _realise(traffic, origins[user], dests[user], paths[user], departure_s, driver_noise, car_speed_noise, rng)
    trips.table["user_id"] = user
    return trips


def observed_trips(
    network: RoadNetwork,
    test: pd.DataFrame,
    fallback: SegmentTimeFn,
    n: int,
    min_segments: int,
    rng: np.random.Generator,
) -> Trips:
    """Trips over real test-window records: each segment timed by the record at its arrival interval.

    Where no record exists for a (segment, interval), ``fallback`` (the test window's mean
    for that interval of the week) stands in. Departures are uniform over the window.

    Args:
        network: road network.
        test: clean test records with ``travel_time_s``.
        fallback: segment time where the interval has no record.
        n: number of trips.
        min_segments: shortest accepted route.
        rng: random stream.
    """
    origins, dests, paths = sample_od(network, n, min_segments, rng)
    lo, hi = int(test["interval_index"].min()), int(test["interval_index"].max()) + 1
    departure_s = (rng.integers(lo, hi, n) + rng.uniform(0.0, 1.0, n)) * INTERVAL_S
    key = test["segment_id"].to_numpy(np.int64) * (1 << 32) + test["interval_index"].to_numpy(np.int64)
    order = np.argsort(key, kind="stable")
    keys, times = key[order], test["travel_time_s"].to_numpy(np.float64)[order]

    def observed(seg: np.ndarray, interval: np.ndarray) -> np.ndarray:
        query = seg * (1 << 32) + interval
        pos = np.clip(np.searchsorted(keys, query), 0, len(keys) - 1)
        hit = keys[pos] == query
        return np.where(hit, times[pos], fallback(seg, interval))

    table = _table(origins, dests, departure_s, paths)
    half = table["n_segments"].to_numpy() // 2
    table["duration_s"], table["halfway_s"] = walk_routes_split(paths, departure_s, observed, split=half)
    return Trips(table, paths)
