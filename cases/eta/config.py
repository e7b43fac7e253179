"""Run configuration of the ETA case: every knob, validated, with small/default/large presets."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from framework.case import CaseConfig

# Kept in step with cases.eta.traffic (not imported: the CLI's bad-flag path stays light).
_INTERVALS_PER_WEEK = 5040
# The booster's history features are computed out of fold by training week, so the training window
# must reach into a second week; 8 days guarantees it wherever the data starts. Checked when the
# data is known (weeks x train_fraction for generated data, the span of a real data set otherwise),
# so a --data run is not refused for the generator's weeks.
MIN_TRAIN_DAYS = 8
# Trips, slices by departure hour and the drift periods need at least one whole day to test on.
MIN_TEST_DAYS = 1


class EtaConfig(CaseConfig):
    """Knobs of the ETA case; the field defaults are the ``default`` scale.

    Every size has an upper bound the pipeline can honour in reasonable time, and
    :meth:`estimated_peak_bytes` lets the framework refuse a combination of sizes that
    would not fit in memory.

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
        jam_rate_per_segment_week: expected jams (1.3-2x for 30-120 minutes) per segment and week: the
            persistent congestion live probes can see (0: none).
        spread_decay: share of a slowdown's excess that backs up to each upstream neighbour, per hop
            (one hop upstream; 0: congestion stays on its segment).
        live_window_intervals: 2-minute intervals of recent probes the live rung averages.
        live_prior_cars: pseudo-cars of history the live ratio is shrunk toward.
        live_decay_min: minutes over which the live ratio seen at departure fades along the route.
        rain_day_share: chance that a day rains (every segment 1.1-1.4x slower all day; 0, the default: always
            dry). Off by default: with rain the live rung wins and is deployed, and the serving path does not
            carry its live overlay yet (it serves the history table).
        invalid_fraction: share of extra invalid rows injected (nulls, bad speeds, duplicates).
        block_segments: segments per generation block (each block draws from its own random streams and is
            one partition on Dask); every preset up to ``large`` is one block, so its records are unchanged.
        routing: how free-flow routes (trips, serving) are found: ``all_pairs`` dense next-hop tables (nodes x
            nodes; every preset up to ``large``) or ``per_origin`` (a compiled Dijkstra from each queried origin;
            ``xl``, where the dense tables would take 10 GB).
        history_bucket_intervals: 2-minute intervals per column of the history and model tables (divides 30):
            1 up to ``large`` (one column per interval of the week, the design's numbers); 15 at ``xl`` (30-minute
            buckets, 336 per week), so a segments x week table is 0.27 GB instead of 4.1 GB there.
        train_window: ``collected`` (the training window comes into this process: every preset up to ``large``)
            or ``reduced`` (``xl`` on Dask: it stays on the workers; two passes over its partitions return the
            history sums, the key counts, the recent-slowdown rows, the booster's sample drawn per block and the
            live feed's tail; only the test window is collected).
        n_trips: test trips evaluated at trip level.
        min_route_segments: shortest route (in segments) accepted for a test trip.
        gbm_max_iter: boosting iterations of the gradient-boosting model.
        gbm_train_rows: seeded subsample of training rows the booster is fitted on.
        gbm_learning_rate: booster learning rate.
        gbm_max_leaf_nodes: leaves per boosting tree.
        gbm_bucket_intervals: 2-minute intervals per time bucket of the booster (divides 30).
        oracle_draws: Monte-Carlo (scrambled Sobol) draws per trip of the oracle's conditional median
            (a power of two).
        serving_queries: route queries timed against the SQLite-backed ETA service.
        late_cost_ratio: how many times a second late costs more than a second early (the asymmetric
            cost that picks the shifted ETA's quantile, ``k / (k + 1)``).
        late_threshold_s: a trip counts as late (early) when it arrives more than this after (before) its ETA.
        drift_slowdown: travel-time multiplier on the segments under roadworks.
        drift_segment_fraction: share of arterial segments under roadworks.
        drift_evening_peak: extra congestion of the new evening pattern (at its peak).
        split: drill: ``time`` (the design: train before the cut, test after) or ``random`` (rows shuffled
            across weeks: the tables see the test weeks).
        live_lead_intervals: drill: the live rung reads its window this many 2-minute intervals later, so a
            positive value lets it see probes from after the query (0, the design: strictly before).
        drift_sample_rows: drill: rows of each period the PSI/KS drift tests see (0, the design: all rows).
        min_speed_kmh: ``--data`` only: cleaning drops records slower than this (stopped vehicles, and the
            zeros loop detectors write for a missing reading), counted as ``below_min_speed``.
        speed_unit: ``--data`` sensor speed tables only: the unit of their cells (``mph``, the default, as in
            METR-LA and PEMS-BAY; ``kmh``). Probe records are always km/h (``avg_speed_kmh``).
        sensor_links: ``--data`` sensor speed tables only: road segments leaving each sensor, to its nearest
            sensors by the distance list (or by great-circle distance from coordinates).
    """

    # Bounds: sizes stop where a run gets slow or large (memory is checked separately), and the
    # physical knobs stop where the generator's numbers would leave the range of real roads.
    grid_rows: int = Field(default=8, ge=2, le=200)
    grid_cols: int = Field(default=8, ge=2, le=200)
    block_km: float = Field(default=0.8, ge=0.01, le=50)
    highway_every: int = Field(default=5, ge=2, le=100)
    arterial_every: int = Field(default=2, ge=2, le=100)
    weeks: int = Field(default=5, ge=2, le=52)
    train_fraction: float = Field(default=0.8, gt=0, lt=1)
    probe_rate: float = Field(default=1.0, ge=0.01, le=100)
    car_speed_noise: float = Field(default=0.3, ge=0, le=2)
    driver_noise: float = Field(default=0.08, ge=0, le=2)
    incident_rate_per_segment_week: float = Field(default=0.5, ge=0, le=20)
    jam_rate_per_segment_week: float = Field(default=3.0, ge=0, le=50)
    spread_decay: float = Field(default=0.5, ge=0, lt=1)
    live_window_intervals: int = Field(default=10, ge=1, le=60)
    live_prior_cars: float = Field(default=10.0, gt=0, le=1000)
    live_decay_min: float = Field(default=30.0, gt=0, le=600)
    rain_day_share: float = Field(default=0.0, ge=0, le=1)
    invalid_fraction: float = Field(default=0.005, ge=0, lt=0.5)
    block_segments: int = Field(default=20_000, ge=10, le=1_000_000)
    routing: Literal["all_pairs", "per_origin"] = "all_pairs"
    history_bucket_intervals: int = Field(default=1, ge=1, le=30)
    train_window: Literal["collected", "reduced"] = "collected"
    n_trips: int = Field(default=2000, ge=10, le=50_000)
    min_route_segments: int = Field(default=4, ge=1, le=200)
    gbm_max_iter: int = Field(default=100, ge=1, le=1000)
    gbm_train_rows: int = Field(default=80_000, ge=1000, le=2_000_000)
    gbm_learning_rate: float = Field(default=0.15, gt=0, le=1)
    gbm_max_leaf_nodes: int = Field(default=31, ge=2, le=512)
    gbm_bucket_intervals: int = Field(default=5, ge=1, le=30)
    oracle_draws: int = Field(default=128, ge=16, le=4096)
    serving_queries: int = Field(default=2000, ge=10, le=10_000)
    late_cost_ratio: float = Field(default=1.5, gt=0, le=100)
    late_threshold_s: float = Field(default=60.0, ge=0, le=3600)
    drift_slowdown: float = Field(default=1.8, ge=1, le=10)
    drift_segment_fraction: float = Field(default=0.5, gt=0, le=1)
    drift_evening_peak: float = Field(default=0.8, ge=0, le=5)
    # Drill switches: the defaults are the design; each other value is a deliberate flaw (walk --drill list).
    split: Literal["time", "random"] = "time"
    live_lead_intervals: int = Field(default=0, ge=0, le=60)
    drift_sample_rows: int = Field(default=0, ge=0, le=1_000_000)
    # Real data (--data) only: the generator's runs never read them.
    min_speed_kmh: float = Field(default=5.0, ge=0, le=100)
    speed_unit: Literal["mph", "kmh"] = "mph"
    sensor_links: int = Field(default=3, ge=1, le=10)

    # n_trips and serving_queries count too, but within their bounds they never set the peak.
    size_keys: ClassVar[tuple[str, ...]] = ("grid_rows", "grid_cols", "weeks", "probe_rate", "gbm_train_rows")

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
        # City-sized: 101,760 directed segments (160 x 160 grid, highways every 5th line) and about 97M
        # probe records over two weeks (12.6 training days: time-of-week history; a 1.4-day test window keeps
        # the collected part small), in blocks of 2,000 segments (about 2M records each). Routing per origin,
        # 30-minute table columns, the training window left on the workers: see estimated_client_bytes.
        "xl": {
            "grid_rows": 160,
            "grid_cols": 160,
            "block_km": 0.2,  # city blocks: a 32 km city, not a 128 km region of 0.8 km blocks
            "weeks": 2,
            "train_fraction": 0.9,
            "probe_rate": 0.2,
            "block_segments": 2000,
            "routing": "per_origin",
            "history_bucket_intervals": 15,
            "gbm_bucket_intervals": 15,
            "train_window": "reduced",
            "n_trips": 5000,
            "gbm_max_iter": 300,
            "gbm_train_rows": 400_000,
            "serving_queries": 1000,
        },
    }

    @field_validator("oracle_draws")
    @classmethod
    def _draws_power_of_two(cls, value: int) -> int:
        # Sobol points keep their balance only in blocks of a power of two.
        if value & (value - 1):
            raise ValueError("must be a power of two (16, 32, ..., 4096)")
        return value

    @field_validator("gbm_bucket_intervals", "history_bucket_intervals")
    @classmethod
    def _bucket_divides_hour(cls, value: int) -> int:
        # Buckets must tile an hour exactly so hour-of-week aggregates line up with them.
        if 30 % value:
            raise ValueError("must divide 30 (one of 1, 2, 3, 5, 6, 10, 15, 30)")
        return value

    def estimated_rows(self) -> float:
        """Expected probe records of the generated history (the main driver of memory).

        Sums the chance that at least one car drives a segment in an interval over every
        segment and interval, with each class's mean demand (the per-segment spread is ignored).
        """
        import numpy as np

        from cases.eta.network import ROAD_CLASSES, _road_class
        from cases.eta.traffic import CLASS_DEMAND, activity_profile

        rows, cols = self.grid_rows, self.grid_cols
        # Horizontal streets take their row's class, vertical ones their column's; both directions.
        klass = np.concatenate(
            [
                np.repeat(_road_class(np.arange(rows), self.highway_every, self.arterial_every), cols - 1),
                np.repeat(_road_class(np.arange(cols), self.highway_every, self.arterial_every), rows - 1),
            ]
        )
        per_class = np.array([2 * np.count_nonzero(klass == c) for c in ROAD_CLASSES])
        occupied = 1.0 - np.exp(-self.probe_rate * np.outer(CLASS_DEMAND, activity_profile()))
        return float(self.weeks * (per_class @ occupied.sum(axis=1)) * (1.0 + self.invalid_fraction))

    def n_segments(self) -> int:
        """Directed segments of the generated grid."""
        return 2 * (self.grid_rows * (self.grid_cols - 1) + self.grid_cols * (self.grid_rows - 1))

    def estimated_peak_bytes(self) -> int:
        """Rough peak memory of a run: the largest of its three memory-hungry phases.

        Calibrated with ``/usr/bin/time -f %M`` on the presets and on runs that stress one
        knob each (see ``MEMORY_MODEL``): generation and cleaning hold several copies of the
        records; the booster holds its sampled rows' features and one feature row per (segment, time
        bucket) (in chunks of ``_PREDICT_CHUNK_PAIRS``); the model tables scale with segments x table columns.
        """
        m = MEMORY_MODEL
        rows = self.estimated_rows()
        nodes = self.grid_rows * self.grid_cols
        data = m["per_row_data"] * rows + m["per_trip_node"] * (self.n_trips + self.serving_queries) * nodes
        booster = m["per_row_kept"] * rows + self._booster_bytes()
        tables = m["per_row_kept"] * rows + m["per_key"] * self.table_keys()
        return int(m["base"] + self.routing_bytes() + max(data, booster, tables))

    def table_keys(self) -> int:
        """Cells of one (segment, time of week) table: segments x ``5040 / history_bucket_intervals``."""
        return self.n_segments() * (_INTERVALS_PER_WEEK // self.history_bucket_intervals)

    def _booster_bytes(self) -> int:
        """The booster's sampled rows, and its (segment, bucket) feature rows predicted in bounded chunks."""
        m = MEMORY_MODEL
        pairs = min(self.n_segments() * (_INTERVALS_PER_WEEK // self.gbm_bucket_intervals), _PREDICT_CHUNK_PAIRS)
        return int(m["per_segment_bucket"] * pairs + m["per_gbm_row"] * self.gbm_train_rows)

    def routing_bytes(self) -> int:
        """Routing memory: the dense tables (next hop and edge index, int64, nodes x nodes) with ``all_pairs``;
        with ``per_origin``, one chunk of Dijkstra distances and predecessors (256 origins x nodes)."""
        nodes = self.grid_rows * self.grid_cols
        return 16 * nodes * nodes if self.routing == "all_pairs" else 12 * 256 * nodes

    def estimated_client_bytes(self) -> int:
        """Peak memory of the run's own process on Dask, where generation and cleaning run on the workers.

        What stays in memory: the routing tables, the collected windows (only the test window with
        ``train_window="reduced"``: per test row its frame, every model's predictions, the live feed and the
        two generated monitoring periods), the booster's rows and the model tables. ``per_test_row`` is
        fitted to the measured xl run (see ``MEMORY_MODEL``).
        """
        m = MEMORY_MODEL
        rows = self.estimated_rows()
        if self.train_window == "reduced":
            kept = m["per_test_row"] * rows * (1.0 - self.train_fraction)
            return int(m["base"] + self.routing_bytes() + kept + m["per_key_reduced"] * self.table_keys())
        kept = m["per_row_kept"] * rows
        return int(
            m["base"] + self.routing_bytes() + kept + max(self._booster_bytes(), m["per_key"] * self.table_keys())
        )


# Bytes of peak RSS per unit, fitted to peak RSS measured with /usr/bin/time -f %M (estimate / measured):
# small 0.33 / 0.35 GB, default 0.62 / 0.62 GB, large 1.91 / 1.91 GB, small with gbm_train_rows=2e6
# 1.19 / 1.20 GB. (Before the store wrote one row per segment and the out-of-fold class totals were
# taken per (class, week), default peaked at 1.08 GB and gbm_train_rows=2e6 at 16.5 GB.)
MEMORY_MODEL: dict[str, float] = {
    "base": 250e6,  # the interpreter with numpy, pandas, scikit-learn, networkx and matplotlib loaded
    "per_row_data": 190.0,  # generated, dirty, clean and derived copies of each record
    "per_row_kept": 70.0,  # the train and test frames that live through the run
    "per_trip_node": 40.0,  # candidate routes: 4 draws per trip, one int64 per node of the longest route
    "per_key": 180.0,  # model tables, history aggregates and the predictions made from them
    "per_segment_bucket": 200.0,  # the booster's feature row and prediction per (segment, time bucket)
    "per_gbm_row": 450.0,  # the booster's sampled rows, their feature matrix and its binned copy
    # A reduced training window (Dask, xl): the client's bytes per test row (the test frame, five models'
    # predictions and evaluation temporaries, the sparse live feed, the two generated monitoring periods) and
    # per table key (the history and five model tables, freed pages returned between steps). Both fitted to
    # the client's own peak RSS in `benchmarks/scaling.py eta`: xl 5.84 GB and its middle size 1.35 GB.
    "per_test_row": 505.0,
    "per_key_reduced": 18.0,
}
# Kept in step with cases.eta.models._PREDICT_CHUNK_PAIRS (not imported: the CLI's bad-flag path stays light).
_PREDICT_CHUNK_PAIRS = 1_500_000
