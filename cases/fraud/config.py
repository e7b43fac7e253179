"""Run configuration of the fraud case: every knob, validated, with small/default/large presets."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from framework.case import CaseConfig

# Upper bounds every knob shares. Amounts: a card payment above a billion in any currency is a
# unit or data mistake, and larger values make window sums lose cents in float64.
MAX_AMOUNT = 1e9
MAX_DAYS = 1000  # simulated days; every day-valued knob fits inside one simulation
MAX_DATA_DAYS = 47_482  # days from 1970 to 2100, the span a real data file may cover
MAX_PER_DAY = 10_000  # compromised (or burst) entities per day; capped by the population anyway
MAX_FACTOR = 100.0  # amount multipliers: larger ones push amounts past any plausible payment
EARLIEST_START, LATEST_START = dt.date(1970, 1, 1), dt.date(2090, 12, 31)
# Sizes a run may reach: about 1.3x the xl preset (on Dask; pandas is refused far below by the memory estimate).
MAX_TRANSACTIONS = 150_000_000
MAX_REACHABLE_PAIRS = 50_000_000  # customer-terminal pairs within the radius (Python lists, ~40 B each)
# Simulator facts the estimates use: 0-4 transactions per customer-day (mean 2), of which the
# ~97% whose time of day falls inside the day are kept; the grid is 100 x 100.
TX_PER_CUSTOMER_DAY = 2.0 * 0.97
GRID_AREA = 100.0 * 100.0
# The knobs ``fraud_rate`` rescales (see cases.fraud.fraud_rate.scaled_knobs).
SCALED_BY_FRAUD_RATE = ("compromised_terminals_per_day", "compromised_cards_per_day", "outlier_amount")
MONITOR_WARMUP_DAYS = 30  # the longest feature window (features.WINDOWS), before monitoring's windows


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
        step_up_cost: friction of one step-up authentication (one-time code, abandoned purchases), in
            the currency of the amounts; the three-action policy weighs it against ``review_cost``.
        step_up_fraud_pass: share of frauds that get through a step-up (the fraudster holds the
            card details but rarely the cardholder's phone).
        holdout_share: share of the deployed model's alerts approved at random to observe their
            labels (the selective-labels holdout).
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
        adversary_share: share of the compromised cards in monitoring's no-drift window whose
            fraudster adapts to the deployed model (keeps amounts under its alert).
        terminal_risk_delay_days: days the terminal-risk windows end before each transaction; None
            uses ``delay_days`` (only released labels). A drill sets 0 to read labels not yet known.
        threshold_window: where the alert thresholds are chosen by cost: ``validation`` (the
            default) or ``test`` (a drill: tuned on the window they are scored on).
        split_mode: ``time`` (train, label-delay gap, test; the default) or ``random`` (a drill:
            the rows of the train-to-test span shuffled into train and test, no gap).
        block_customers: customers per generation block. Each block draws from its own random
            streams, so the data depend on it and on nothing else (not on the engine or the number
            of workers); the default holds every preset up to ``large`` in one block, the same data as
            the unblocked simulator. A block of 5,000 customers over 183 days is ~1.8M transactions.
        monitor_customers: monitoring simulates the blocks of the first this many customers (None:
            all); xl bounds it so the drifted windows fit in memory.
        fraud_rate: target share of fraudulent transactions (e.g. 0.001, the ~0.1% of production
            card fraud); None keeps the scenario knobs as they are (~0.8%, the handbook's). When
            set, the compromised terminals and cards per day and the outlier amount (the preset's
            or ``--set`` values) are rescaled before validation so every scenario shrinks alike
            (see :mod:`cases.fraud.fraud_rate`); the run's config shows the rescaled values.
    """

    n_customers: int = Field(default=2000, ge=10, le=400_000)
    n_terminals: int = Field(default=4000, ge=10, le=800_000)
    radius: float = Field(default=5.0, gt=0, le=150)
    start_date: dt.date = dt.date(2024, 4, 1)
    outlier_amount: float = Field(default=220.0, gt=0, le=MAX_AMOUNT)
    compromised_terminals_per_day: float = Field(default=0.8, ge=0, le=MAX_PER_DAY)
    terminal_compromise_days: int = Field(default=28, ge=1, le=MAX_DAYS)
    compromised_cards_per_day: float = Field(default=1.2, ge=0, le=MAX_PER_DAY)
    card_compromise_days: int = Field(default=14, ge=1, le=MAX_DAYS)
    card_fraud_share: float = Field(default=1 / 3, gt=0, le=1)
    card_amount_factor: float = Field(default=5.0, ge=1, le=MAX_FACTOR)
    train_days: int = Field(default=7, ge=1, le=MAX_DAYS)
    delay_days: int = Field(default=7, ge=1, le=MAX_DAYS)
    test_days: int = Field(default=7, ge=1, le=MAX_DAYS)
    train_start_day: int | None = Field(default=None, ge=0, le=MAX_DATA_DAYS)
    # After the split fields, so its validator can read them.
    n_days: int = Field(default=80, ge=10, le=MAX_DAYS)
    review_cost: float = Field(default=5.0, gt=0, le=MAX_AMOUNT)
    max_fpr: float = Field(default=0.01, gt=0, lt=1)
    step_up_cost: float = Field(default=1.0, ge=0, le=MAX_AMOUNT)
    step_up_fraud_pass: float = Field(default=0.1, gt=0, le=1)
    holdout_share: float = Field(default=0.01, gt=0, le=1)
    lr_c: float = Field(default=1.0, ge=1e-6, le=1e6)
    tree_model: Literal["hgb", "rf"] = "hgb"
    tree_iterations: int = Field(default=150, ge=1, le=5000)
    tree_learning_rate: float = Field(default=0.05, gt=0, le=1)
    tree_max_leaf_nodes: int = Field(default=15, ge=2, le=1024)
    tree_max_depth: int = Field(default=12, ge=1, le=40)
    tree_negative_fraction: float = Field(default=0.2, ge=1e-4, le=1)
    serving_requests: int = Field(default=2000, ge=10, le=100_000)
    monitor_window_days: int = Field(default=7, ge=1, le=365)
    monitor_card_k: int = Field(default=20, ge=1, le=200_000)
    drift_spend_factor: float = Field(default=1.3, ge=0.01, le=MAX_FACTOR)
    drift_burst_cards_per_day: float = Field(default=6.0, ge=0, le=MAX_PER_DAY)
    drift_burst_tx_per_day: int = Field(default=3, ge=1, le=1000)
    drift_burst_days: int = Field(default=3, ge=1, le=MAX_DAYS)
    adversary_share: float = Field(default=0.5, ge=0, le=1)
    fraud_rate: float | None = Field(default=None, gt=0, le=0.05)
    terminal_risk_delay_days: int | None = Field(default=None, ge=0, le=MAX_DAYS)
    threshold_window: Literal["validation", "test"] = "validation"
    split_mode: Literal["time", "random"] = "time"
    block_customers: int = Field(default=5000, ge=50, le=100_000)
    monitor_customers: int | None = Field(default=None, ge=10, le=400_000)

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
        # The large (handbook) world scaled 57x: 57x the customers and terminals on a 57x larger map. The
        # grid stays 100 x 100, so the radius shrinks by sqrt(57) (5 -> 0.66) to keep the handbook's ~78
        # terminals per customer; compromises scale with the population. Monitoring simulates 20,000
        # customers (k and the burst cards scaled to them); ~101M transactions in 57 blocks.
        "xl": {
            "n_customers": 285_000,
            "n_terminals": 570_000,
            "radius": 0.66,
            "n_days": 183,
            "compromised_terminals_per_day": 114.0,
            "compromised_cards_per_day": 171.0,
            "train_start_day": 115,
            # 57x the training rows: fewer, larger boosting steps keep fitting and scoring the 4M-row
            # windows within the run's time budget.
            "tree_iterations": 100,
            "tree_learning_rate": 0.15,
            "serving_requests": 3000,
            "monitor_customers": 20_000,
            "monitor_card_k": 400,
            "drift_burst_cards_per_day": 855.0,
        },
    }

    size_keys: ClassVar[tuple[str, ...]] = ("n_customers", "n_days", "n_terminals", "radius", "monitor_window_days")

    @model_validator(mode="before")
    @classmethod
    def _scale_to_fraud_rate(cls, data: Any) -> Any:
        # Before validation, so the rescaled knobs are validated (and reported) like any other value.
        if not isinstance(data, dict) or data.get("fraud_rate") in (None, "", "None"):
            return data
        needed = ("n_customers", "n_terminals", "n_days", "terminal_compromise_days", "card_compromise_days")
        names = (*SCALED_BY_FRAUD_RATE, *needed, "card_fraud_share")
        try:
            target = float(data["fraud_rate"])
            knobs = {n: float(data.get(n, cls.model_fields[n].default)) for n in names}
        except (TypeError, ValueError):
            return data  # field validation names the bad value
        if not 0 < target <= 0.05 or min(knobs[n] for n in needed) <= 0:
            return data
        from cases.fraud.fraud_rate import scaled_knobs  # numpy/scipy: imported only when the knob is used

        return {**data, **scaled_knobs(knobs, target)}

    # Field validators (not a model validator) so a bad value is reported with its own name.
    @field_validator("start_date")
    @classmethod
    def _plausible_start(cls, value: dt.date) -> dt.date:
        # Simulated timestamps must stay in the range real logs have (and pandas can hold).
        if not EARLIEST_START <= value <= LATEST_START:
            raise ValueError(f"must be from {EARLIEST_START} to {LATEST_START}")
        return value

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
            raise ValueError(
                f"too short for the split and its validation window: needs >= train_days + 2 x (delay_days + "
                f"test_days) = {need}; raise n_days or shorten those windows"
            )
        return value

    @model_validator(mode="after")
    def _not_too_big(self) -> FraudConfig:
        # Beyond these sizes a run takes many minutes even where the memory would suffice.
        if self.reachable_pairs() > MAX_REACHABLE_PAIRS:
            raise ValueError(
                f"about {self.reachable_pairs():,.0f} customer-terminal pairs within the radius, more than "
                f"{MAX_REACHABLE_PAIRS:,}: lower radius, n_customers or n_terminals"
            )
        if self.transactions() > MAX_TRANSACTIONS:
            raise ValueError(
                f"about {self.transactions():,.0f} simulated transactions, more than {MAX_TRANSACTIONS:,}: lower "
                "n_customers, n_days, monitor_window_days or the drift_burst_* knobs"
            )
        return self

    def monitor_days(self) -> int:
        """Days of the monitoring simulation: warm-up, then reference, no-drift and drift windows."""
        return self.delay_days + MONITOR_WARMUP_DAYS + 3 * self.monitor_window_days

    def reachable_pairs(self) -> float:
        """Expected customer-terminal pairs within ``radius`` (terminals are uniform on the grid)."""
        share = min(1.0, math.pi * self.radius**2 / GRID_AREA)
        return self.n_customers * self.n_terminals * share

    def transactions(self) -> float:
        """Expected transactions of both simulations (the run's and monitoring's, bursts included)."""
        per_day = self.n_customers * TX_PER_CUSTOMER_DAY
        watched = self.monitored_customers()
        w = self.monitor_window_days
        # Burst cards start on drift days only and stop at the end of the drift window.
        bursts = min(self.drift_burst_cards_per_day, self.n_customers) * w * min(self.drift_burst_days, w)
        monitored = watched * TX_PER_CUSTOMER_DAY * self.monitor_days()
        monitored += bursts * self.drift_burst_tx_per_day * watched / self.n_customers  # bursts of watched cards
        return per_day * self.n_days + monitored

    def monitored_customers(self) -> int:
        """Customers of monitoring's simulation: whole blocks up to ``monitor_customers``."""
        if self.monitor_customers is None or self.monitor_customers >= self.n_customers:
            return self.n_customers
        blocks = math.ceil(self.monitor_customers / self.block_customers)
        return min(blocks * self.block_customers, self.n_customers)

    def estimated_peak_bytes(self) -> int:
        """Peak memory of a synthetic run, calibrated with ``/usr/bin/time -f %M`` (see PEAK_* constants).

        Both simulations' transactions stay alive (the run's frames are kept while monitoring
        simulates); the compromise calendar is an entity x day matrix; the reach lists are
        Python lists; a random forest keeps two fitted forests whose trees grow with the data.
        """
        rows = self.transactions()
        days = max(self.n_days, self.monitor_days()) + 1
        calendar = PEAK_BYTES_PER_CALENDAR_CELL * max(self.n_customers, self.n_terminals) * days
        reach = PEAK_BYTES_PER_PAIR * self.reachable_pairs()
        forest = 0.0
        if self.tree_model == "rf":
            train_rows = self.n_customers * TX_PER_CUSTOMER_DAY * self.train_days
            nodes = min(2.0 ** (self.tree_max_depth + 1), train_rows)
            forest = 2 * self.tree_iterations * nodes * PEAK_BYTES_PER_TREE_NODE
        return int(PEAK_BASE_BYTES + PEAK_BYTES_PER_ROW * rows + calendar + reach + forest)

    def resolved_train_start(self, n_days: int) -> int:
        """First training day for data spanning ``n_days`` days (the latest that fits when unset)."""
        if self.train_start_day is not None:
            return self.train_start_day
        return n_days - self.train_days - self.delay_days - self.test_days


# Peak RSS (`/usr/bin/time -f %M`) of `run --scale small|default|large`: 345, 432 and 1,226 MiB for 0.23M,
# 0.54M and 2.34M transactions (run + monitoring); large with n_customers=10000 (4.7M): 2,158 MiB. These
# constants put the estimate 15-30% above each measurement.
PEAK_BASE_BYTES = 300 * 2**20  # interpreter, numpy/pandas/scipy/sklearn/matplotlib, rendering
PEAK_BYTES_PER_ROW = 480  # frames, features, split masks, sort keys and model inputs per transaction
PEAK_BYTES_PER_CALENDAR_CELL = 13  # int32 marks + int64 cumulative sum + bool per entity-day
PEAK_BYTES_PER_PAIR = 40  # a Python int and its list slot per reachable terminal
PEAK_BYTES_PER_TREE_NODE = 100  # sklearn tree node (64 B) + class values + fit-time arrays
