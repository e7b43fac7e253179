"""Step 9 of the ETA case: inject drift through the generator (or perturb real data), detect it, stay calm otherwise."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from cases.eta import plots
from cases.eta.artifacts import EtaData, EtaModels
from cases.eta.blocks import segment_blocks, slice_traffic
from cases.eta.config import EtaConfig
from cases.eta.congestion import with_jams
from cases.eta.data import add_derived, generate_probes
from cases.eta.design import DESIGN
from cases.eta.evaluation import segment_slices_by_class, trip_slices_by_hours, watch_first
from cases.eta.live import LIVE_RUNG
from cases.eta.monitoring import WATCHED_METRIC, check_period, perturb_records
from cases.eta.run_notes import run_notes
from cases.eta.scale import ordered_records
from cases.eta.traffic import (
    CLASS_CONGESTION,
    INTERVAL_S,
    INTERVALS_PER_DAY,
    INTERVALS_PER_WEEK,
    Traffic,
    congestion_profile,
    draw_incidents,
)
from cases.eta.weather import weather_note, weather_slices
from framework.case import RunContext
from framework.drift import Thresholds
from framework.results import LadderResult, MonitoringResult
from framework.seeding import block_rng


def monitoring(ctx: RunContext[EtaConfig], data: EtaData, models: EtaModels, ladder: LadderResult) -> MonitoringResult:
    """Step 9: inject drift through the generator, detect it, and check a calm period raises nothing."""
    cfg = ctx.config
    model, test = models.fitted[ladder.best], data.test
    thresholds = Thresholds.from_spec(DESIGN.monitoring)
    segments = data.network.segments
    arterials = segments.loc[segments["road_class"] == "arterial", "segment_id"].to_numpy()
    kind = "arterial"
    if arterials.size == 0:  # a real network without arterials: roadworks anywhere
        arterials, kind = segments["segment_id"].to_numpy(), "road"
    n_works = max(1, int(round(cfg.drift_segment_fraction * arterials.size)))
    roadworks = np.sort(ctx.rng("drift_roadworks").choice(arterials, n_works, replace=False))
    scenario = (
        f"roadworks slow {n_works} {kind} segments x{cfg.drift_slowdown:g}; "
        f"a new weekday evening peak (+{cfg.drift_evening_peak:g} congestion around 20:30)"
    )
    if not _has_weekday_evening(data.cut, data.end):  # the recent periods repeat the test window's days
        scenario += " (absent here: the recent periods repeat the test window's days, which have no weekday evening)"
    if data.synthetic:
        drifted, calm, how = _recent_synthetic(ctx, data, roadworks)
    else:
        drifted, calm, how = _recent_real(ctx, data, roadworks)
    # Drill only (drift_sample_rows > 0): the drift tests see a few rows of each period.
    rows = cfg.drift_sample_rows
    after = check_period(model, test, drifted, thresholds, (rows, ctx.rng("drift_sample")) if rows else None)
    quiet = check_period(model, test, calm, thresholds, (rows, ctx.rng("calm_sample")) if rows else None)
    plots.speed_drift(
        test["avg_speed_kmh"].to_numpy(),
        drifted["avg_speed_kmh"].to_numpy(),
        calm["avg_speed_kmh"].to_numpy(),
        ctx.add_plot(9, "eta_speed_drift.png", "Probe speeds: test window vs a drifted and a calm recent period"),
    )
    return MonitoringResult(
        scenario=scenario,
        feature_drift=after.feature_drift,
        metric=WATCHED_METRIC,
        metric_before=after.mae_before,
        metric_after=after.mae_after,
        alerts=after.alerts,
        thresholds=thresholds.as_dict(),
        extra={
            "metric": WATCHED_METRIC,
            "recent_period": how,
            "mae_change": after.mae_change,
            "no_drift_check": {
                "alerts": [a.message for a in quiet.alerts],
                "false_alarm": bool(quiet.alerts),
                "mae_change": quiet.mae_change,
                "max_psi": max(v["psi"] for v in quiet.feature_drift.values()),
                "max_ks": max(v["ks"] for v in quiet.feature_drift.values()),
            },
            "watch_first": _watch_first(data, models, ladder),
            "run_notes": _run_notes(data, ladder),
        },
    )


def _watch_first(data: EtaData, models: EtaModels, ladder: LadderResult) -> dict[str, Any]:
    """The slices to watch first after launch, read off the test window's slices of this run."""
    names = (ladder.best, ladder.baseline, ladder.naive)
    by_class = segment_slices_by_class(
        data.test, data.network.segments, {n: models.segment_predictions[n] for n in names}
    )
    # Every model's hour slices (as in the testing step), so the note can say where the oracle is beaten.
    by_hours = trip_slices_by_hours(data.trips, models.trip_predictions)
    notes = watch_first(by_class, by_hours, *names, oracle=ladder.oracle)
    by_weather = weather_slices(data, models.trip_predictions)
    notes["weather_note"] = weather_note(by_weather, ladder.baseline, LIVE_RUNG, ladder.best)
    return notes


def _run_notes(data: EtaData, ladder: LadderResult) -> dict[str, str]:
    """The data-dependent sentences of the design notes (see :mod:`cases.eta.run_notes`)."""
    keys = data.network.n_segments * INTERVALS_PER_WEEK
    if data.reduced is not None:  # the training window stayed on the workers: pass A counted its keys
        seen_keys, median_cars, _ = data.reduced.key_stats()
        return run_notes(data, ladder, seen_keys / keys, median_cars)
    # The features step's record table, recounted: cars per (segment, interval of the week) key seen.
    train = data.train
    key = train["segment_id"].to_numpy(np.int64) * INTERVALS_PER_WEEK + train["interval_within_week"].to_numpy(np.int64)
    cars = np.bincount(key, weights=train["car_count"].to_numpy(np.float64), minlength=keys)
    seen = np.bincount(key, minlength=keys) > 0
    median_cars = float(np.median(cars[seen])) if seen.any() else 0.0
    return run_notes(data, ladder, float(seen.sum()) / keys, median_cars)


def _has_weekday_evening(start: int, stop: int) -> bool:
    """Whether intervals ``[start, stop)`` include a weekday 19:30-21:30 (where the new evening peak lies)."""
    within = np.arange(start, stop) % INTERVALS_PER_WEEK
    day, minute = within // INTERVALS_PER_DAY, within % INTERVALS_PER_DAY * (INTERVAL_S // 60)
    return bool(np.any((day < 5) & (minute >= 19 * 60 + 30) & (minute < 21 * 60 + 30)))


def _recent_synthetic(
    ctx: RunContext[EtaConfig], data: EtaData, roadworks: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """A drifted and a calm period with the test window's length and weekly phase, generated afresh."""
    cfg = ctx.config
    network, traffic, cut, end = data.network, data.world(), data.cut, data.end
    # Shift by whole weeks so both periods cover the same times of week as the test window.
    shift = math.ceil((end - cut) / INTERVALS_PER_WEEK) * INTERVALS_PER_WEEK
    start, stop = cut + shift, end + shift
    rate = cfg.incident_rate_per_segment_week
    worlds = {
        "drift": traffic.with_drift(roadworks, cfg.drift_slowdown, cfg.drift_evening_peak),
        "calm": traffic,
    }
    periods = {}
    for name, world in worlds.items():
        incidents = draw_incidents(network.n_segments, start, stop, rate, ctx.rng(f"{name}_incidents"))
        _, events = with_jams(
            incidents,
            network.segments,
            start,
            stop,
            cfg.jam_rate_per_segment_week,
            cfg.spread_decay,
            ctx.rng(f"{name}_jams"),
        )
        world = world.with_incidents(events)
        records = _period_probes(
            world, start, stop, cfg.car_speed_noise, ctx.seed, f"{name}_probes", cfg.block_segments
        )
        periods[name] = add_derived(records, network.segments)
    how = f"generated intervals [{start}, {stop}) (the test window + {shift // INTERVALS_PER_WEEK} week(s))"
    return periods["drift"], periods["calm"], how


def _period_probes(
    world: Traffic, start: int, stop: int, noise: float, seed: int, stream: str, block: int
) -> pd.DataFrame:
    """A recent period's records, generated in blocks of segments like the history (one block up to large).

    Block ``b`` draws from ``block_rng(seed, stream, b)`` (block 0: the plain stream, so one block is the
    unblocked draw); blocks bound the (intervals x segments) arrays (1.6 GB each for the city's test window).
    """
    ranges = segment_blocks(world.n_segments, block)
    if len(ranges) == 1:
        return generate_probes(world, start, stop, noise, block_rng(seed, stream, 0))
    parts = []
    for b, (lo, hi) in enumerate(ranges):  # blocks of segments, not rows
        part = generate_probes(slice_traffic(world, lo, hi), start, stop, noise, block_rng(seed, stream, b))
        part["segment_id"] += lo
        parts.append(part)
    return ordered_records(pd.concat(parts, ignore_index=True))


def _recent_real(
    ctx: RunContext[EtaConfig], data: EtaData, roadworks: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Real data has no generator: bootstrap the test window, once perturbed by the scenario, once as is."""
    cfg = ctx.config
    extra = congestion_profile(cfg.drift_evening_peak) - congestion_profile()
    # Without per-segment truth, the new evening peak slows every class by their average sensitivity.
    evening = 1.0 + CLASS_CONGESTION.mean() * extra
    drifted = perturb_records(data.test, roadworks, cfg.drift_slowdown, evening, ctx.rng("drift_bootstrap"))
    calm = perturb_records(data.test, roadworks[:0], 1.0, np.ones(INTERVALS_PER_WEEK), ctx.rng("calm_bootstrap"))
    return drifted, calm, "bootstrap of the test window (real data: drift applied as a perturbation)"
