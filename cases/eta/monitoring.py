"""Drift monitoring: a drifted and a calm recent period, compared with the test window by PSI/KS and MAE."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cases.eta.design import DESIGN
from cases.eta.models import SegmentTimeModel
from framework.drift import Alert, Thresholds, drift_alerts, drift_table, metric_alert
from framework.metrics import mae

DRIFT_COLUMNS: list[str] = ["avg_speed_kmh", "travel_time_s", "car_count"]


WATCHED_METRIC = "segment_mae_s"
"""The model metric monitoring watches: per segment record, so a recent period needs no trips."""


@dataclass(frozen=True)
class PeriodCheck:
    """What monitoring saw on one recent period."""

    feature_drift: dict[str, dict[str, float]]
    mae_before: float
    mae_after: float
    alerts: list[Alert]

    @property
    def mae_change(self) -> float:
        """Relative change of the segment MAE."""
        return self.mae_after / self.mae_before - 1.0


def segment_mae(model: SegmentTimeModel, records: pd.DataFrame) -> float:
    """The model's segment-level MAE on a set of records."""
    pred = model.predict_segment_time(records["segment_id"].to_numpy(), records["interval_index"].to_numpy())
    return mae(records["travel_time_s"].to_numpy(), pred)


def check_period(
    model: SegmentTimeModel,
    reference: pd.DataFrame,
    recent: pd.DataFrame,
    thresholds: Thresholds,
    sample: tuple[int, np.random.Generator] | None = None,
) -> PeriodCheck:
    """Compare a recent period with the reference window and list the alerts it raises.

    Args:
        model: the deployed model.
        reference: the reference records (the test window the model was validated on).
        recent: the recent records.
        thresholds: alert thresholds (the design's, via ``Thresholds.from_spec``).
        sample: drill only: rows per period the drift tests see and the stream drawing them (None: all rows).
    """
    shown = (reference, recent)
    if sample is not None:
        rows, rng = sample
        shown = tuple(f.iloc[rng.choice(len(f), min(rows, len(f)), replace=False)] for f in shown)
    table = drift_table(shown[0], shown[1], DRIFT_COLUMNS)
    alerts = drift_alerts(table, thresholds)
    before, after = segment_mae(model, reference), segment_mae(model, recent)
    higher_is_better = next(m.higher_is_better for m in DESIGN.metrics.offline if m.name == WATCHED_METRIC)
    worse = metric_alert(WATCHED_METRIC, before, after, higher_is_better, thresholds)
    return PeriodCheck(table, before, after, alerts if worse is None else [*alerts, worse])


def perturb_records(
    records: pd.DataFrame,
    roadworks: np.ndarray,
    slowdown: float,
    evening_factor: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Resample real records (bootstrap) and apply a drift scenario to them (real-data mode).

    Args:
        records: clean records with ``travel_time_s``.
        roadworks: segment ids whose travel times are multiplied by ``slowdown``.
        slowdown: travel-time multiplier under roadworks.
        evening_factor: ``(5040,)`` extra travel-time multiplier per interval of the week
            (all ones for a calm period).
        rng: stream for the bootstrap.

    Returns:
        Records with ``avg_speed_kmh`` and ``travel_time_s`` made consistent again.
    """
    out = records.iloc[np.sort(rng.integers(0, len(records), len(records)))].reset_index(drop=True)
    factor = np.where(np.isin(out["segment_id"].to_numpy(), roadworks), slowdown, 1.0)
    factor = factor * evening_factor[out["interval_within_week"].to_numpy()]
    out["travel_time_s"] = out["travel_time_s"].to_numpy() * factor
    out["avg_speed_kmh"] = out["avg_speed_kmh"].to_numpy() / factor
    return out
