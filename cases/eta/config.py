"""Run configuration of the ETA case: every knob, validated, with small/default/large presets."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, field_validator, model_validator

from framework.case import CaseConfig


class EtaConfig(CaseConfig):
    """Knobs of the ETA case; the field defaults are the ``default`` scale.

    Attributes:
        grid_rows: intersections per column of the perturbed grid road network.
        grid_cols: intersections per row of the grid.
        block_km: spacing between neighbouring intersections.
        highway_every: grid rows/columns ``i`` with ``i % highway_every == highway_every // 2`` are highways.
        arterial_every: other rows/columns with ``i % arterial_every == 0`` are arterials; the rest are local.
        weeks: weeks of 2-minute probe history to generate.
        train_fraction: share of the time axis used for training (the rest is the test window).
        probe_rate: scales the number of probe cars per segment and interval.
        car_speed_noise: log-scale spread of one car's speed around the expectation.
        driver_noise: log-scale spread of a trip-level driver factor.
        incident_rate_per_segment_week: expected incidents per segment and week.
        invalid_fraction: share of extra invalid rows injected (nulls, bad speeds, duplicates).
        n_trips: test trips evaluated at trip level.
        min_route_segments: shortest route (in segments) accepted for a test trip.
        gbm_max_iter: boosting iterations of the gradient-boosting model.
        gbm_train_rows: seeded subsample of training rows the booster is fitted on.
        gbm_learning_rate: booster learning rate.
        gbm_max_leaf_nodes: leaves per boosting tree.
        gbm_bucket_intervals: 2-minute intervals per time bucket of the booster (divides 30).
        serving_queries: route queries timed against the SQLite-backed ETA service.
        drift_slowdown: travel-time multiplier on the segments under roadworks.
        drift_segment_fraction: share of arterial segments under roadworks.
        drift_evening_peak: extra congestion of the new evening pattern (at its peak).
    """

    grid_rows: int = Field(default=8, ge=2, le=40)
    grid_cols: int = Field(default=8, ge=2, le=40)
    block_km: float = Field(default=0.8, gt=0)
    highway_every: int = Field(default=5, ge=2)
    arterial_every: int = Field(default=2, ge=2)
    weeks: int = Field(default=5, ge=1, le=52)
    train_fraction: float = Field(default=0.8, gt=0, lt=1)
    probe_rate: float = Field(default=1.0, gt=0)
    car_speed_noise: float = Field(default=0.3, ge=0, le=2)
    driver_noise: float = Field(default=0.08, ge=0, le=2)
    incident_rate_per_segment_week: float = Field(default=0.5, ge=0)
    invalid_fraction: float = Field(default=0.005, ge=0, lt=0.5)
    n_trips: int = Field(default=2000, ge=10)
    min_route_segments: int = Field(default=4, ge=1)
    gbm_max_iter: int = Field(default=100, ge=1)
    gbm_train_rows: int = Field(default=80_000, ge=1000)
    gbm_learning_rate: float = Field(default=0.15, gt=0, le=1)
    gbm_max_leaf_nodes: int = Field(default=31, ge=2)
    gbm_bucket_intervals: int = Field(default=5, ge=1, le=30)
    serving_queries: int = Field(default=300, ge=10)
    drift_slowdown: float = Field(default=1.8, ge=1)
    drift_segment_fraction: float = Field(default=0.5, gt=0, le=1)
    drift_evening_peak: float = Field(default=0.8, ge=0)

    scales: ClassVar[dict[str, dict[str, Any]]] = {
        "small": {
            "grid_rows": 4,
            "grid_cols": 5,
            "highway_every": 3,
            "weeks": 3,
            "n_trips": 400,
            "min_route_segments": 2,
            "gbm_max_iter": 60,
            "gbm_train_rows": 30_000,
            "serving_queries": 100,
        },
        "default": {},
        "large": {
            "grid_rows": 12,
            "grid_cols": 12,
            "weeks": 10,
            "n_trips": 5000,
            "gbm_max_iter": 300,
            "gbm_train_rows": 400_000,
            "serving_queries": 1000,
        },
    }

    @field_validator("gbm_bucket_intervals")
    @classmethod
    def _bucket_divides_hour(cls, value: int) -> int:
        # Buckets must tile an hour exactly so hour-of-week aggregates line up with them.
        if 30 % value:
            raise ValueError("must divide 30 (one of 1, 2, 3, 5, 6, 10, 15, 30)")
        return value

    @model_validator(mode="after")
    def _test_window_not_empty(self) -> EtaConfig:
        # The split is at an interval boundary; at least one 2-minute interval must be left to test on.
        if int(self.weeks * 5040 * self.train_fraction) >= self.weeks * 5040:
            raise ValueError("train_fraction leaves no test window; lower it or add weeks")
        return self
