"""What the ETA steps hand each other: the data, the fitted features and the fitted models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cases.eta.features import HistoryFeatures
from cases.eta.models import SegmentTimeModel
from cases.eta.network import RoadNetwork
from cases.eta.traffic import Traffic
from cases.eta.trips import Trips


@dataclass(frozen=True)
class EtaData:
    """Step 4's output: the road network, the clean split, the test trips and (generated data) the world.

    Attributes:
        synthetic: True when the records come from the generator, False for ``--data``: the one
            fact later steps branch on (whether there is an oracle, how monitoring makes a recent period).
        network: the road network (routing, segment table).
        train: clean training records, intervals ``[first, cut)``.
        test: clean test records, intervals ``[cut, end)``.
        trips: the test trips with their true durations.
        cut: first interval of the test window.
        end: one past the test window's last interval.
        traffic: the generator's world (what the oracle knows); None exactly when ``synthetic`` is False.
        history_period: intervals per history cycle: 5040 (time of week, the design) or 720 (time of
            day: the fallback for real data shorter than a week of training).
        speed_unit: the unit real data gave its speeds in (``kmh`` or ``mph``): the unit of the
            segment speed MAE reported on real data.
        train_frame: the training window as a Dask frame (``--engine dask``), for the features step's
            reductions; None on pandas, where ``train`` is all there is.
        reduced: with ``train_window="reduced"`` (xl): the :class:`cases.eta.reduced.ReducedTrain` the
            features step reads the training window through; ``train`` is then empty.
    """

    synthetic: bool
    network: RoadNetwork
    train: pd.DataFrame
    test: pd.DataFrame
    trips: Trips
    cut: int
    end: int
    traffic: Traffic | None = None
    history_period: int = 5040
    speed_unit: str = "kmh"
    train_frame: Any = None
    reduced: Any = None

    def __post_init__(self) -> None:
        # Generated data always carries its world and real data never does: one fact, checked once.
        if self.synthetic != (self.traffic is not None):
            raise ValueError("EtaData: traffic must be given exactly when the data is synthetic")

    def world(self) -> Traffic:
        """The generator's world, to generate recent periods from (synthetic data only).

        Raises:
            ValueError: on real data, which has no generator: branch on ``synthetic`` first.
        """
        if self.traffic is None:
            raise ValueError("real data has no generator world; branch on EtaData.synthetic first")
        return self.traffic


@dataclass(frozen=True)
class EtaFeatures:
    """Step 5's output, fitted on the training window only.

    Attributes:
        history: the history aggregates (the baseline's lookups, the booster's features).
        record_table: the seed's record table, car-weighted mean per (segment, interval of week) (empty with a
            reduced training window: its key counts are in ``data.reduced``).
        booster_rows: the booster's training rows drawn per partition (reduced training window only).
        live_tail: the training window's last live-window intervals (the live feed's start; reduced only).
    """

    history: HistoryFeatures
    record_table: pd.DataFrame
    booster_rows: pd.DataFrame | None = None
    live_tail: pd.DataFrame | None = None


@dataclass(frozen=True)
class EtaModels:
    """Step 6's output: every fitted ladder model and its test-window predictions, in ladder order.

    Attributes:
        fitted: model name -> fitted model (the deployed one is ``fitted[ladder.best]``).
        segment_predictions: model name -> travel time for every test record.
        trip_predictions: model name -> ETA for every test trip.
    """

    fitted: dict[str, SegmentTimeModel]
    segment_predictions: dict[str, np.ndarray]
    trip_predictions: dict[str, np.ndarray]
