"""Run configuration of the fraud case: every knob, validated, with small/default/large presets."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator

from framework.case import CaseConfig


class FraudConfig(CaseConfig):
    """Knobs of the fraud case; the field defaults are the ``default`` scale.

    The ``large`` scale is the standard simulator setting of the fraud-detection handbook
    (Le Borgne et al.): 5,000 customers, 10,000 terminals, radius 5, 183 days.

    Attributes:
        n_customers: simulated customers (one card each).
        n_terminals: simulated payment terminals.
        radius: a customer uses the terminals within this distance on the 100x100 grid.
        n_days: simulated days of transactions.
        start_date: calendar date of simulated day 0 (decides weekends).
        outlier_amount: scenario 1, every transaction above this amount is fraud.
        compromised_terminals_per_day: scenario 2, terminals compromised per day (fractions are
            rounded stochastically, so 0.4 means 2 terminals every 5 days on average).
        terminal_compromise_days: days a compromised terminal stays compromised.
        compromised_cards_per_day: scenario 3, cards compromised per day.
        card_compromise_days: days a compromised card is abused.
        card_fraud_share: share of a compromised card's transactions the fraudster makes.
        card_amount_factor: amount multiplier of the fraudster's transactions on a card.
        train_days: length of the training window.
        delay_days: label delay; also the gap between the training and the test window.
        test_days: length of the test window.
        train_start_day: first day of the training window (relative to the first day of the
            data); None puts the test window at the end of the data.
        review_cost: cost of investigating one alert (a false alarm costs exactly this).
        max_fpr: false-positive rate at which recall is reported.
        lr_c: inverse regularisation strength of the logistic regression.
        tree_model: the stronger model, histogram gradient boosting or a random forest.
        tree_iterations: boosting iterations (or trees of the forest).
        tree_learning_rate: boosting learning rate.
        tree_max_leaf_nodes: leaves per boosting tree.
        tree_max_depth: depth limit of the forest's trees.
        tree_negative_fraction: share of legitimate training rows the booster keeps (undersampling).
        serving_requests: transactions replayed one at a time through the real-time scorer.
        monitor_window_days: length of the reference, no-drift and drift windows in monitoring.
        monitor_card_k: cards investigated per day for the monitored card precision. It scales with
            the simulated portfolio: with k far above the daily number of fraudulent cards (about
            20 at 2,000 customers) every fraudulent card is in the top k anyway and the metric
            cannot move.
        drift_spend_factor: legitimate spending shift applied from the drift start (1.3 = +30%).
        drift_burst_cards_per_day: new fraud pattern, cards hit per day by card-testing bursts.
        drift_burst_tx_per_day: extra small fraudulent transactions per burst card and day.
        drift_burst_days: days a burst lasts.
    """

    n_customers: int = Field(default=2000, ge=10, le=200_000)
    n_terminals: int = Field(default=4000, ge=10, le=400_000)
    radius: float = Field(default=5.0, gt=0, le=150)
    start_date: dt.date = dt.date(2024, 4, 1)
    outlier_amount: float = Field(default=220.0, gt=0)
    compromised_terminals_per_day: float = Field(default=0.8, ge=0)
    terminal_compromise_days: int = Field(default=28, ge=1)
    compromised_cards_per_day: float = Field(default=1.2, ge=0)
    card_compromise_days: int = Field(default=14, ge=1)
    card_fraud_share: float = Field(default=1 / 3, gt=0, le=1)
    card_amount_factor: float = Field(default=5.0, ge=1)
    train_days: int = Field(default=7, ge=1)
    delay_days: int = Field(default=7, ge=1)
    test_days: int = Field(default=7, ge=1)
    train_start_day: int | None = Field(default=None, ge=0)
    # After the split fields, so its validator can read them.
    n_days: int = Field(default=80, ge=10, le=1000)
    review_cost: float = Field(default=5.0, gt=0)
    max_fpr: float = Field(default=0.01, gt=0, lt=1)
    lr_c: float = Field(default=1.0, gt=0)
    tree_model: Literal["hgb", "rf"] = "hgb"
    tree_iterations: int = Field(default=150, ge=1, le=5000)
    tree_learning_rate: float = Field(default=0.05, gt=0, le=1)
    tree_max_leaf_nodes: int = Field(default=15, ge=2)
    tree_max_depth: int = Field(default=12, ge=1)
    tree_negative_fraction: float = Field(default=0.2, gt=0, le=1)
    serving_requests: int = Field(default=2000, ge=10)
    monitor_window_days: int = Field(default=7, ge=1)
    monitor_card_k: int = Field(default=20, ge=1)
    drift_spend_factor: float = Field(default=1.3, gt=0)
    drift_burst_cards_per_day: float = Field(default=6.0, ge=0)
    drift_burst_tx_per_day: int = Field(default=3, ge=1)
    drift_burst_days: int = Field(default=3, ge=1)

    scales: ClassVar[dict[str, dict[str, Any]]] = {
        "small": {
            "n_customers": 1000,
            "n_terminals": 2000,
            "n_days": 60,
            "compromised_terminals_per_day": 0.4,
            "compromised_cards_per_day": 0.6,
            "tree_iterations": 80,
            "serving_requests": 300,
            "monitor_card_k": 10,
            "drift_burst_cards_per_day": 1.5,
        },
        "default": {},
        "large": {
            "n_customers": 5000,
            "n_terminals": 10000,
            "n_days": 183,
            "compromised_terminals_per_day": 2.0,
            "compromised_cards_per_day": 3.0,
            "train_start_day": 115,
            "tree_iterations": 300,
            "serving_requests": 3000,
            "monitor_card_k": 100,
            "drift_burst_cards_per_day": 15.0,
        },
    }

    # Field validators (not a model validator) so a bad value is reported with its own name.
    @field_validator("train_start_day")
    @classmethod
    def _room_for_validation(cls, value: int | None, info: ValidationInfo) -> int | None:
        # The threshold is chosen on a validation run shifted back by delay + test days, so
        # that much history must exist before the training window.
        need = info.data.get("delay_days", 0) + info.data.get("test_days", 0)
        if value is not None and value < need:
            raise ValueError(f"leaves no room for the validation window (needs >= delay_days + test_days = {need})")
        return value

    @field_validator("n_days")
    @classmethod
    def _long_enough(cls, value: int, info: ValidationInfo) -> int:
        # Whether a given train_start_day fits is checked by the data step (real data has its own length).
        d = info.data
        need = d.get("train_days", 0) + 2 * (d.get("delay_days", 0) + d.get("test_days", 0))
        if value < need:
            raise ValueError(f"too short for the split and its validation window (needs >= {need})")
        return value

    def resolved_train_start(self, n_days: int) -> int:
        """First training day for data spanning ``n_days`` days (the latest that fits when unset)."""
        if self.train_start_day is not None:
            return self.train_start_day
        return n_days - self.train_days - self.delay_days - self.test_days
