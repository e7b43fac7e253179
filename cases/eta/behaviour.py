"""Behavioural tests of a trained ETA model: directional, invariance and minimum-functionality checks."""

from __future__ import annotations

import numpy as np

from cases.eta.models import SegmentTimeModel
from cases.eta.traffic import INTERVAL_S, INTERVALS_PER_DAY, INTERVALS_PER_WEEK
from framework.results import BehaviouralCheck

TUESDAY = 1
RUSH_INTERVAL = TUESDAY * INTERVALS_PER_DAY + 8 * 30  # Tuesday 08:00
NIGHT_INTERVAL = TUESDAY * INTERVALS_PER_DAY + 3 * 30  # Tuesday 03:00
FREE_FLOW_TOLERANCE = 0.25
RUSH_SHARE_REQUIRED = 0.95


def _departure(interval_within_week: int, reference_s: np.ndarray) -> np.ndarray:
    """Departure times at a fixed interval of the week, in the week of each reference time."""
    week_start = np.floor(reference_s / (INTERVALS_PER_WEEK * INTERVAL_S)) * INTERVALS_PER_WEEK * INTERVAL_S
    return week_start + interval_within_week * INTERVAL_S


def longer_route_check(model: SegmentTimeModel, paths: np.ndarray, departure_s: np.ndarray) -> BehaviouralCheck:
    """Directional: extending a route by its next segment never shortens the ETA."""
    previous = np.zeros(len(paths))
    violations = compared = 0
    for k in range(1, paths.shape[1] + 1):
        eta = model.trip_eta(paths[:, :k], departure_s)
        extended = paths[:, k - 1] >= 0
        compared += int(extended.sum())
        violations += int(np.count_nonzero(extended & (eta < previous)))
        previous = eta
    return BehaviouralCheck(
        name="longer_route_never_shorter",
        kind="directional",
        passed=violations == 0,
        detail=f"{violations} of {compared} route extensions got a shorter ETA",
    )


def rush_hour_check(model: SegmentTimeModel, paths: np.ndarray, departure_s: np.ndarray) -> BehaviouralCheck:
    """Directional: the same routes take longer leaving Tuesday 08:00 than Tuesday 03:00."""
    rush = model.trip_eta(paths, _departure(RUSH_INTERVAL, departure_s))
    night = model.trip_eta(paths, _departure(NIGHT_INTERVAL, departure_s))
    share = float(np.mean(rush > night))
    ratio = float(np.mean(rush) / np.mean(night))
    return BehaviouralCheck(
        name="rush_hour_slower_than_night",
        kind="directional",
        passed=share >= RUSH_SHARE_REQUIRED and ratio > 1.0,
        detail=f"08:00 slower than 03:00 on {share:.1%} of {len(paths)} routes (need {RUSH_SHARE_REQUIRED:.0%}); "
        f"mean ETA ratio {ratio:.2f}",
    )


def batch_invariance_check(
    model: SegmentTimeModel, paths: np.ndarray, departure_s: np.ndarray, rng: np.random.Generator
) -> BehaviouralCheck:
    """Invariance: a trip's ETA ignores its position in the batch and the other trips in it."""
    base = model.trip_eta(paths, departure_s)
    order = rng.permutation(len(paths))
    shuffled = np.empty_like(base)
    shuffled[order] = model.trip_eta(paths[order], departure_s[order])
    alone = np.array([model.trip_eta(paths[i : i + 1], departure_s[i : i + 1])[0] for i in range(min(20, len(paths)))])
    diff = max(float(np.max(np.abs(shuffled - base))), float(np.max(np.abs(alone - base[: len(alone)]))))
    return BehaviouralCheck(
        name="eta_independent_of_batch_order",
        kind="invariance",
        passed=diff == 0.0,
        detail=f"max |ETA change| after shuffling the batch or querying trips alone: {diff:.3g} s",
    )


def night_free_flow_check(model: SegmentTimeModel, free_flow_s: np.ndarray) -> BehaviouralCheck:
    """Minimum functionality: every single segment at 03:00 takes about its free-flow time."""
    seg = np.arange(len(free_flow_s))
    ratio = model.predict_segment_time(seg, np.full(len(seg), NIGHT_INTERVAL)) / free_flow_s
    off = np.abs(ratio - 1.0) > FREE_FLOW_TOLERANCE
    return BehaviouralCheck(
        name="night_segment_near_free_flow",
        kind="minimum_functionality",
        passed=not off.any(),
        detail=f"{int(off.sum())} of {len(seg)} segments off free flow by > {FREE_FLOW_TOLERANCE:.0%} at 03:00 "
        f"(ratio range {ratio.min():.2f}-{ratio.max():.2f})",
    )


def positive_finite_check(model: SegmentTimeModel, paths: np.ndarray, departure_s: np.ndarray) -> BehaviouralCheck:
    """Minimum functionality: every trip ETA and every stored segment time is positive and finite."""
    eta = model.trip_eta(paths, departure_s)
    table = model.table_
    bad = int(np.count_nonzero(~(np.isfinite(eta) & (eta > 0)))) + int(
        np.count_nonzero(~(np.isfinite(table) & (table > 0)))
    )
    return BehaviouralCheck(
        name="eta_positive_and_finite",
        kind="minimum_functionality",
        passed=bad == 0,
        detail=f"{bad} non-positive or non-finite values among {eta.size} trip ETAs and {table.size} segment times",
    )


def behavioural_checks(
    model: SegmentTimeModel,
    paths: np.ndarray,
    departure_s: np.ndarray,
    free_flow_s: np.ndarray,
    rng: np.random.Generator,
) -> list[BehaviouralCheck]:
    """Run every behavioural check on a fitted model over the given routes.

    Args:
        model: the fitted model under test.
        paths: ``(n, L)`` routes (segment ids padded with -1).
        departure_s: ``(n,)`` departure times in seconds.
        free_flow_s: free-flow time per segment.
        rng: stream for the batch shuffle.
    """
    return [
        longer_route_check(model, paths, departure_s),
        rush_hour_check(model, paths, departure_s),
        batch_invariance_check(model, paths, departure_s, rng),
        night_free_flow_check(model, free_flow_s),
        positive_finite_check(model, paths, departure_s),
    ]
