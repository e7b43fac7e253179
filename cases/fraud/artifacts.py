"""What the fraud case's steps hand each other: transactions and splits, features, trained models and scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cases.fraud.models import LadderModel
from cases.fraud.split import Split


@dataclass(frozen=True)
class FraudData:
    """Step 4's transactions with the train/test split and the earlier validation split.

    Attributes:
        tx: every transaction in time order (features need the history before each window).
        split: training window, label-delay gap, test window.
        val_split: the same split ``delay_days + test_days`` earlier: thresholds are chosen on it.
        synthetic: True for the simulator, False for ``--data``; the one fact later steps branch on.
        compromised_terminals: the simulator's truth (terminal_id, start_day, end_day) the
            oracle reads; empty on real data.
        mode: ``customer_terminal``, ``customer_only`` or ``anonymous`` (:mod:`cases.fraud.modes`).
        given: the file's columns that are features (anonymous mode).
        delay_days: the label delay the features and the replay use (a fraction when the split is in hours).
        outlier_amount: the amount above which a transaction is an outlier: the simulator's scenario-1
            amount, or on real data the 99th percentile of training amounts.
        ordinary_amount: amounts under it are ordinary (100, or the training median on real data).
        amount_bands: edges of the amount-band slices.
        frame: every simulated transaction on the run's engine (a Dask frame stays on the cluster);
            None on real data, where ``tx`` is the whole file.
        keep: which rows of ``frame`` ``tx`` holds (simulated data only).
        n_blocks: the simulation's customer blocks (the partitions of ``frame``).
        replay: the serving replay's requests after the history of their cards and terminals (None on
            real data: the replay reads ``tx``).
        replay_start: position of the first request in ``replay``.
    """

    tx: pd.DataFrame  # simulated data: the split's days (and the span's frauds), sorted by (time_s, transaction_id)
    split: Split
    val_split: Split
    synthetic: bool
    compromised_terminals: pd.DataFrame
    mode: str = "customer_terminal"
    given: tuple[str, ...] = ()
    delay_days: float = 7
    outlier_amount: float = 220.0
    ordinary_amount: float = 100.0
    amount_bands: tuple[float, ...] = (0.0, 50.0, 100.0, 220.0, float("inf"))
    frame: Any = None
    keep: Any = None
    n_blocks: int = 1
    replay: pd.DataFrame | None = None
    replay_start: int = 0

    @property
    def has_cards(self) -> bool:
        """Whether transactions belong to known cards (card precision, card features); False when anonymous."""
        return self.mode != "anonymous"

    @property
    def has_terminals(self) -> bool:
        """Whether transactions name their terminal (terminal features and checks)."""
        return self.mode == "customer_terminal"


@dataclass(frozen=True)
class FraudFeatures:
    """Step 5's point-in-time features of every transaction, on the transactions' index."""

    X: pd.DataFrame


@dataclass(frozen=True)
class FraudModels:
    """Step 6's trained ladder.

    Attributes:
        fitted: candidate name -> model fitted on the training window (the oracle is not a model).
        scores: ladder name -> score of every test-window transaction, the oracle included.
        thresholds: ladder name -> alert threshold chosen by cost on the validation window.
        val_scores: candidate name -> score of every validation-window transaction by the copy
            fitted before it (what thresholds and calibrations are fitted on).
    """

    fitted: dict[str, LadderModel]
    scores: dict[str, np.ndarray]
    thresholds: dict[str, float]
    val_scores: dict[str, np.ndarray] = field(default_factory=dict)

    def alerted(self, name: str) -> np.ndarray:
        """Which test transactions model ``name`` alerts at its threshold."""
        return self.scores[name] >= self.thresholds[name]
