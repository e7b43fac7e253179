"""Run-time guards of the ETA case: degenerate data becomes a one-line ``BadInput`` naming what to change."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cases.eta.config import MIN_TEST_DAYS, MIN_TRAIN_DAYS
from cases.eta.features import HistoryFeatures
from cases.eta.traffic import INTERVALS_PER_DAY, INTERVALS_PER_WEEK
from framework.errors import BadInput
from framework.tabular import shown_path

# Real data: time-of-week history needs a week and a half of training (the booster's history features
# are out of fold by week, so with one training week and a day they are nearly empty; the second week
# must cover half the week's times at least); shorter data falls
# back to time-of-day history, which needs two calendar days of training and a
# quarter of a day to test on. (Generated data keeps MIN_TRAIN_DAYS: its weeks are a knob.)
WEEK_TRAIN_DAYS = 10.5
DAY_TRAIN_DAYS = 1.5
DAY_TEST_HOURS = 6
# Cleaning that drops more than this share of the records is worth a word: the files may not match.
DROPPED_WARNING_SHARE = 0.05


def _reasons(dropped: dict[str, int], top: int = 3) -> str:
    """The largest drop reasons, e.g. ``"120 unknown_segment, 3 null_speed"``."""
    ranked = sorted(((n, r) for r, n in dropped.items() if n), reverse=True)[:top]
    return ", ".join(f"{n:,} {r}" for n, r in ranked) or "nothing to drop"


def check_synthetic_windows(weeks: int, train_fraction: float) -> None:
    """Refuse generated-data windows too short for the history features or for testing, before any work.

    Raises:
        BadInput: naming ``train_fraction`` and ``weeks``.
    """
    end = weeks * INTERVALS_PER_WEEK
    cut = int(train_fraction * end)  # the data step's split, at an interval boundary
    setting = f"train_fraction={train_fraction:g} with weeks={weeks}"
    if cut < MIN_TRAIN_DAYS * INTERVALS_PER_DAY:
        raise BadInput(
            f"{setting} trains on {cut / INTERVALS_PER_DAY:.1f} days; the history features need at least "
            f"{MIN_TRAIN_DAYS}: raise train_fraction or weeks"
        )
    if end - cut < MIN_TEST_DAYS * INTERVALS_PER_DAY:
        raise BadInput(
            f"{setting} leaves {(end - cut) / INTERVALS_PER_DAY:.1f} days to test on; at least {MIN_TEST_DAYS} "
            "is needed: lower train_fraction or add weeks"
        )


def check_synthetic_split(train: pd.DataFrame, test: pd.DataFrame) -> None:
    """Refuse a generated history with no records in the training or the test window.

    Raises:
        BadInput: naming the knobs that add probe records.
    """
    for name, frame in (("training", train), ("test", test)):
        if frame.empty:
            raise BadInput(f"no probe records in the {name} window; raise probe_rate or weeks")


def real_split(
    clean: pd.DataFrame, dropped: dict[str, int], train_fraction: float, name: str
) -> tuple[int, int, int, int]:
    """The first interval, the train/test cut, the end and the history period of a real data set.

    Time-of-week history (the design) needs a training window of at least ``WEEK_TRAIN_DAYS`` (a week
    and a half: the booster's features are out of fold by week, nearly empty with one) and a day
    to test on. Shorter data falls back to time-of-day history (out of fold by day), which needs
    ``DAY_TRAIN_DAYS`` of training over two calendar days and ``DAY_TEST_HOURS`` to test on.

    Args:
        clean: cleaned records.
        dropped: rows dropped per reason by cleaning.
        train_fraction: share of the span used for training.
        name: the data path, for messages.

    Returns:
        ``(first, cut, end, period)``: train is ``[first, cut)``, test ``[cut, end)``; ``period`` is
        ``INTERVALS_PER_WEEK`` or ``INTERVALS_PER_DAY`` (the time-of-day fallback).

    Raises:
        BadInput: no valid record, or a span too short even for time-of-day history (naming the minimum).
    """
    if clean.empty:
        raise BadInput(f"{name}: no valid record left after cleaning (dropped {_reasons(dropped)})")
    first, end = int(clean["interval_index"].min()), int(clean["interval_index"].max()) + 1
    cut = first + int(train_fraction * (end - first))
    for period, train_days, test_days in (
        (INTERVALS_PER_WEEK, WEEK_TRAIN_DAYS, MIN_TEST_DAYS),
        (INTERVALS_PER_DAY, DAY_TRAIN_DAYS, DAY_TEST_HOURS / 24),
    ):
        long_enough = cut - first >= train_days * INTERVALS_PER_DAY and end - cut >= test_days * INTERVALS_PER_DAY
        if long_enough and (cut - 1) // period > first // period:
            return first, cut, end, period
    need = max(DAY_TRAIN_DAYS / train_fraction, DAY_TEST_HOURS / 24 / (1.0 - train_fraction))
    raise BadInput(
        f"{name}: valid records span {(end - first) / INTERVALS_PER_DAY:.1f} days; with "
        f"train_fraction={train_fraction:g} at least {need:.1f} are needed ({DAY_TRAIN_DAYS:g} days of training "
        f"for time-of-day history, {DAY_TEST_HOURS} hours to test; time-of-week history needs "
        f"{WEEK_TRAIN_DAYS:g} days of training)"
    )


def check_history(history: HistoryFeatures, data_path: Path | None = None) -> None:
    """Refuse training data whose out-of-fold history features would be empty.

    The booster's history features for a training week come from the other weeks; with one
    week of records (or weeks that share no segment and hour) every such feature is missing.

    Args:
        history: aggregates fitted on the training window.
        data_path: the real data set, or None for generated data (the message names what to change).

    Raises:
        BadInput: naming the knobs (or the data) to change.
    """
    weeks_with_data = int(np.count_nonzero(history.seg_week_w_.sum(axis=0) > 0))
    if weeks_with_data >= 2 and np.isfinite(history.hour_oof_).any():
        return
    fold = "week" if history.period_ == INTERVALS_PER_WEEK else "day"
    if data_path is None:
        fix = "raise weeks, train_fraction or probe_rate"
        prefix = ""
    else:
        fix = f"pass data covering more {fold}s or raise train_fraction"
        prefix = f"{shown_path(data_path)}: "
    raise BadInput(
        f"{prefix}the training window has comparable probe records in {weeks_with_data} {fold}(s); "
        f"the history features need 2 or more: {fix}"
    )


def cleaning_warnings(dropped: dict[str, int], total: int) -> list[str]:
    """Warnings about cleaning a real data set: many rows dropped, or ids unknown to ``segments.csv``."""
    out = []
    n = sum(dropped.values())
    if total and n / total > DROPPED_WARNING_SHARE:
        out.append(f"cleaning dropped {n:,} of {total:,} records ({n / total:.1%}): {_reasons(dropped)}")
    unknown = dropped.get("unknown_segment", 0)
    if unknown:
        out.append(f"{unknown:,} record(s) name a segment_id that segments.csv does not list; they were dropped")
    return out


def check_trips(n_trips: int, min_route_segments: int, name: str | None = None) -> None:
    """Refuse a run with no test trip to score: trip-level metrics and the A/B test would be empty.

    Raises:
        BadInput: naming the data (or the network knobs) and ``min_route_segments``.
    """
    if n_trips > 0:
        return
    if name is None:
        raise BadInput(
            f"no test trip of at least min_route_segments={min_route_segments} segments fits the road network; "
            "lower min_route_segments or raise grid_rows/grid_cols"
        )
    raise BadInput(
        f"{name}: no route of at least min_route_segments={min_route_segments} connected segments has test "
        "records, so there is no trip to score; lower min_route_segments or give data on more segments"
    )
