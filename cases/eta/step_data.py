"""Step 4 of the ETA case: generate (or load) probe records, clean them, split them by time, draw test trips."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cases.eta.artifacts import EtaData
from cases.eta.blocks import ProbeBlock, probe_blocks, segment_blocks
from cases.eta.config import EtaConfig
from cases.eta.congestion import draw_weather, with_jams
from cases.eta.data import add_derived, clean_records, split_by_time
from cases.eta.guards import (
    WEEK_TRAIN_DAYS,
    check_synthetic_split,
    check_synthetic_windows,
    check_trips,
    cleaning_warnings,
    real_split,
)
from cases.eta.layouts import load_data
from cases.eta.models import HistoricalMeanModel
from cases.eta.network import ROAD_CLASSES, build_network, grid_network
from cases.eta.reduced import reduced_layout
from cases.eta.scale import generated_history
from cases.eta.sizing import REGION_SEGMENTS
from cases.eta.traffic import INTERVAL_S, INTERVALS_PER_DAY, INTERVALS_PER_WEEK, Traffic, build_traffic, draw_incidents
from cases.eta.trips import observed_trips, synthetic_trips
from framework.case import RunContext
from framework.results import DataResult
from framework.tabular import shown_path
from framework.timeunits import DAYS_PER_WEEK

TIME_COLUMN = "interval_index"
NO_REAL_ORACLE = (
    "none: real data has no generator truth, and the test labels themselves would be a perfect model, "
    "not a bound; the ladder stops at the best trained model"
)

SPEED_MAE_NOTE = (
    "segment_speed_mae_<unit>: mean |observed - predicted| speed over the test records, the unit of the data "
    "(km/h for probe records, the speed table's for sensors); horizon: the case predicts at departure, so the "
    "history rungs (historical_mean, gradient_boosting) forecast every test reading from the training window "
    "alone, like the traffic-forecasting literature's historical-average baseline at any horizon; live_traffic "
    "also reads the probes (sensor readings) before each query: horizon 2 minutes"
)


def data(ctx: RunContext[EtaConfig]) -> tuple[DataResult, EtaData]:
    """Step 4: generate (or load) probe records, clean them, split 80/20 by time, draw test trips."""
    if ctx.data_path is not None:
        return _real_data(ctx, ctx.data_path)
    cfg = ctx.config
    check_synthetic_windows(cfg.weeks, cfg.train_fraction)
    rng = ctx.rng("network")
    network = grid_network(
        cfg.grid_rows, cfg.grid_cols, cfg.block_km, cfg.highway_every, cfg.arterial_every, rng, cfg.routing
    )
    end = cfg.weeks * INTERVALS_PER_WEEK
    cut = int(cfg.train_fraction * end)
    incidents = draw_incidents(network.n_segments, 0, end, cfg.incident_rate_per_segment_week, ctx.rng("incidents"))
    # Jams come from their own stream, so the incident, probe and trip draws stay the same ones.
    jams, events = with_jams(
        incidents, network.segments, 0, end, cfg.jam_rate_per_segment_week, cfg.spread_decay, ctx.rng("jams")
    )
    world = build_traffic(network.segments, cfg.probe_rate, ctx.rng("traffic"))
    # Weather for the history and as long again after it (the monitoring periods come later).
    days = 2 * cfg.weeks * DAYS_PER_WEEK
    world = replace(world, day_factor=draw_weather(days, cfg.rain_day_share, ctx.rng("weather")))

    def blocks() -> list[ProbeBlock]:
        """Blocks of segments, each from its own streams (one block up to large: the unblocked draws).

        Made only to generate the history: the whole history's incident cells (1.5 GB at xl) live no longer.
        """
        return probe_blocks(
            world.with_incidents(events), ctx.seed, end, cfg.block_segments, cfg.car_speed_noise, cfg.invalid_fraction
        )

    layout = None
    if cfg.train_window == "reduced":  # xl: the training window stays where it was generated
        weeks = (cut - 1) // INTERVALS_PER_WEEK + 1
        layout = reduced_layout(network.segments, weeks, cfg.gbm_bucket_intervals, cfg.history_bucket_intervals)
    history, whole = generated_history(ctx, network.segments, blocks, cut, cfg.split == "time", layout)
    train, test = (history.train, history.test) if whole is None else split_records(whole, cut, cfg, ctx)
    # A reduced training window is not in this process: its row count stands for it.
    check_synthetic_split(train if history.reduced is None else test.iloc[: history.reduced.rows], test)
    first_looked_up = min(cut, int(test["interval_index"].min())) if len(test) else cut  # a random split: earlier
    traffic = _from_test_window_on(world, events, first_looked_up)
    trips = synthetic_trips(
        network,
        traffic,
        cut,
        end,
        cfg.n_trips,
        cfg.min_route_segments,
        cfg.driver_noise,
        cfg.car_speed_noise,
        ctx.rng("trips"),
    )
    check_trips(len(trips.table), cfg.min_route_segments)
    artifact = EtaData(
        synthetic=True,
        network=network,
        train=train,
        test=test,
        trips=trips,
        cut=cut,
        end=end,
        traffic=traffic,
        train_frame=history.train_frame,
        reduced=history.reduced,
    )
    tally = history.counts
    n_blocks = len(segment_blocks(network.n_segments, cfg.block_segments))
    summary = {
        "source": "synthetic",
        "rows_generated": tally["rows_generated"],
        "rows_injected_invalid": tally["rows_injected_invalid"],
        "rows_dropped": tally["rows_dropped"],
        "rows_clean": tally["rows_clean"],
        "probe_blocks": n_blocks,
        "batch_partitions": n_blocks,
        # The records the data and features steps processed (the throughput figure's rows).
        "batch_rows": tally["rows_generated"],
        # A day of such records for the design's region, not its GPS pings: the capacity in the batch's unit.
        "batch_rows_per_day": REGION_SEGMENTS * INTERVALS_PER_DAY,
        "batch_rows_per_day_label": f"2-minute segment records a day for a region of {REGION_SEGMENTS:,} segments, "
        "every (segment, interval) seen: an upper bound",
        "incidents": len(incidents),
        "jams": len(jams),
        "rain_days": int(np.count_nonzero(traffic.day_factor[: end // INTERVALS_PER_DAY] > 1.0)),
        "rain_day_share": round(float(np.mean(traffic.day_factor[: end // INTERVALS_PER_DAY] > 1.0)), 4),
        "upstream_slowdowns": len(events) - len(incidents) - len(jams),
        **_summary(artifact, 0),
    }
    return _record(artifact, summary), artifact


def _from_test_window_on(world: Traffic, events: pd.DataFrame, first: int) -> Traffic:
    """The world with only the incidents still active at ``first`` or later (the same lookups from there on).

    Everything after the data step asks about the test window (the oracle's records and trips) or draws
    its own incidents (the monitoring periods); an incident over before the test window is a
    (segment, interval) cell nobody looks up, and at xl the history's cells are about 1.4 GB.
    """
    ends = events["start_interval"].to_numpy(np.int64) + events["n_intervals"].to_numpy(np.int64)
    return world.with_incidents(events[ends > first].reset_index(drop=True))


def split_records(
    records: pd.DataFrame, cut: int, cfg: EtaConfig, ctx: RunContext[EtaConfig]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train/test by time (the design), or by a random row split when the ``split`` drill is on."""
    if cfg.split == "time":
        return split_by_time(records, cut)
    # Drill only: rows of every week on both sides, so the tables see the test weeks' jams.
    train = ctx.rng("split_drill").random(len(records)) < cfg.train_fraction
    return records.loc[train].reset_index(drop=True), records.loc[~train].reset_index(drop=True)


def _real_data(ctx: RunContext[EtaConfig], data_path: Path) -> tuple[DataResult, EtaData]:
    """Step 4 on a real data set (see :mod:`cases.eta.loader` for the format)."""
    cfg = ctx.config
    loaded = load_data(data_path, ctx.columns, cfg.speed_unit, cfg.sensor_links, cfg.train_fraction)
    network = build_network(loaded.segments)
    clean, dropped = clean_records(loaded.records, network.n_segments, cfg.min_speed_kmh)
    dropped = {**loaded.dropped, **dropped}
    first, cut, end, period = real_split(clean, dropped, cfg.train_fraction, shown_path(data_path))
    train, test = split_by_time(add_derived(clean, network.segments), cut)
    # Where a trip reaches a segment in an interval without a record, the test window's mean stands in.
    window_mean = HistoricalMeanModel().fit(test, network.segments)
    trips = observed_trips(
        network, test, window_mean.predict_segment_time, cfg.n_trips, cfg.min_route_segments, ctx.rng("trips")
    )
    check_trips(len(trips.table), cfg.min_route_segments, shown_path(data_path))
    artifact = EtaData(
        synthetic=False,
        network=network,
        train=train,
        test=test,
        trips=trips,
        cut=cut,
        end=end,
        history_period=period,
        speed_unit="mph" if loaded.reading.get("speed_unit") == "mph" else "kmh",
    )
    summary = {
        "source": "real",
        **loaded.reading,
        "start": str(loaded.start),
        "rows_loaded": len(loaded.records),
        "rows_dropped": dropped,
        "rows_clean": len(clean),
        "oracle": NO_REAL_ORACLE,
        "min_speed_kmh": cfg.min_speed_kmh,
        "history": _history_note(period, cut - first),
        "speed_mae": SPEED_MAE_NOTE,
        **_summary(artifact, first),
        "warnings": loaded.warnings + cleaning_warnings(dropped, len(loaded.records) + sum(loaded.dropped.values())),
    }
    return _record(artifact, summary), artifact


def _history_note(period: int, train_intervals: int) -> str:
    """What the history tables are keyed by, and why (the time-of-day fallback says so)."""
    if period == INTERVALS_PER_WEEK:
        return "time of week (2-minute interval of the week)"
    return (
        f"time of day: the training window holds {train_intervals / INTERVALS_PER_DAY:.1f} days, less than the "
        f"{WEEK_TRAIN_DAYS:g} (a week and a half) that time-of-week history needs (its out-of-fold-by-week "
        "features would be nearly empty with one training week), so every table is keyed by the "
        "2-minute interval of the day and repeats it on every day of the week (weekday and weekend alike)"
    )


def _record(data: EtaData, summary: dict[str, Any]) -> DataResult:
    """The step's record for the runner: the split, whether it is generated, and the summary."""
    return DataResult(
        train=data.train, test=data.test, synthetic=data.synthetic, time_column=TIME_COLUMN, summary=summary
    )


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _week_time(interval: int) -> str:
    """``"Saturday 14:24"``: the weekday and clock time an interval starts at (interval 0 is Monday 00:00)."""
    day, slot = divmod(interval % INTERVALS_PER_WEEK, INTERVALS_PER_DAY)
    minutes = slot * INTERVAL_S // 60
    return f"{WEEKDAYS[day]} {minutes // 60:02d}:{minutes % 60:02d}"


def _summary(data: EtaData, first: int) -> dict[str, Any]:
    """Plain numbers about the split (intervals ``[first, cut)`` and ``[cut, end)``) and the trips."""
    network, trips, cut, end = data.network, data.trips, data.cut, data.end
    return {
        "train_rows": len(data.train) if data.reduced is None else data.reduced.rows,
        "test_rows": len(data.test),
        "segments": network.n_segments,
        "nodes": network.n_nodes,
        "weeks": round((end - first) / INTERVALS_PER_WEEK, 3),
        "train_intervals": cut - first,
        "test_intervals": end - cut,
        "train_percent": round(100 * (cut - first) / (end - first)),
        "test_percent": 100 - round(100 * (cut - first) / (end - first)),
        "test_days": round((end - cut) / INTERVALS_PER_DAY, 2),
        "test_window": f"{_week_time(cut)} to {_week_time(end)}",
        "trips": len(trips),
        "mean_route_segments_test_trips": round(float(trips.table["n_segments"].mean()), 3),
        "mean_trip_duration_s": round(float(trips.table["duration_s"].mean()), 3),
        "segments_by_class": {c: int((network.segments["road_class"] == c).sum()) for c in ROAD_CLASSES},
    }
