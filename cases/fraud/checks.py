"""Run-time guards of the fraud case: a split or a simulation that cannot train or score says which knob to change.

Config bounds (:mod:`cases.fraud.config`) catch what one value decides; these catch what only
the data decides: a window without fraud or without legitimate transactions, data shorter than
the split, a simulation that produced no transactions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cases.fraud.config import FraudConfig
from cases.fraud.split import Split, Windows
from framework.errors import BadInput
from framework.guards import quote
from framework.timeunits import SECONDS_PER_DAY, SECONDS_PER_HOUR

SPLIT_KEYS = "train_start_day/train_days/test_days"
# The shortest real data the scaled split accepts. Five equal windows (validation fit, gap, training
# = validation, gap, test: the handbook's 7/7/7 days in proportion) of at least 4 hours each: at a
# fraud rate of ~0.2% and thousands of transactions an hour a 4-hour window still holds both
# classes, and the widely used anonymised card set (48 hours less 8 seconds) must fit.
MIN_SPAN_HOURS = 24
SCALED_PARTS = 5
# A simulated window without fraud needs more fraud or a longer window; without legitimate
# transactions it needs less fraud.
MORE_FRAUD = "raise compromised_terminals_per_day/compromised_cards_per_day or train_days/test_days"
LESS_FRAUD = "raise outlier_amount or lower compromised_terminals_per_day/compromised_cards_per_day"


def check_simulation(tx: pd.DataFrame, cfg: FraudConfig) -> None:
    """Refuse a simulation without transactions (no customer has a terminal within the radius).

    Raises:
        BadInput: naming radius and n_terminals.
    """
    if len(tx) == 0:
        raise BadInput(
            f"the simulation produced no transactions: no customer has a terminal within radius={cfg.radius:g}; "
            "raise radius or n_terminals"
        )


def split_windows(cfg: FraudConfig, n_days: int, source: str | None) -> Windows:
    """The split for data spanning ``n_days`` days.

    Args:
        cfg: the run's config.
        n_days: days the data spans.
        source: the data file's name, or None for the simulator.

    Raises:
        BadInput: when the split does not fit, saying how many days it needs and how many the data spans.
    """
    start = cfg.resolved_train_start(n_days)
    windows = Windows(start, cfg.train_days, cfg.delay_days, cfg.test_days)
    history = cfg.delay_days + cfg.test_days  # the validation split sits this far before the training window
    what = f"{quote(source, 40)} spans" if source else "the simulation spans"
    if cfg.train_start_day is None and start < history:
        need = cfg.train_days + 2 * history
        raise BadInput(
            f"{what} {n_days} day(s) but the split needs {need} (train_days + 2 x (delay_days + test_days)); "
            "shorten them with --set train_days/delay_days/test_days"
        )
    if windows.test_end > n_days:
        longer = "" if source else ", or raise n_days"
        raise BadInput(
            f"{what} {n_days} day(s) but train_start_day={start} + train_days + delay_days + test_days needs "
            f"{windows.test_end}; lower train_start_day or shorten train_days/delay_days/test_days{longer}"
        )
    return windows


def fit_windows(cfg: FraudConfig, time_s: np.ndarray, source: str) -> tuple[Windows, str]:
    """The split of real data: the configured days when the data is long enough, else scaled in hours.

    Args:
        cfg: the run's config.
        time_s: seconds since the first midnight of every transaction.
        source: the data file's name.

    Returns:
        The windows and a sentence saying which rule chose them.

    Raises:
        BadInput: data spanning less than :data:`MIN_SPAN_HOURS`, naming both spans.
    """
    n_days = int(time_s.max()) // SECONDS_PER_DAY + 1
    need = cfg.train_days + 2 * (cfg.delay_days + cfg.test_days)
    if n_days >= need or cfg.train_start_day is not None:
        windows = split_windows(cfg, n_days, source)
        return windows, (
            f"the configured windows in days (train {cfg.train_days}, label-delay gap {cfg.delay_days}, test "
            f"{cfg.test_days}, validation {cfg.delay_days + cfg.test_days} days earlier): the data spans {n_days} "
            f"day(s), at least the {need} they need"
        )
    span_h = float(time_s.max() - time_s.min()) / SECONDS_PER_HOUR
    first, last = int(time_s.min()) // SECONDS_PER_HOUR, int(time_s.max()) // SECONDS_PER_HOUR
    hours = last - first + 1  # the windows are whole clock hours: count the hours the data touches
    if hours < MIN_SPAN_HOURS:
        raise BadInput(
            f"{quote(source, 40)} spans {span_h:,.1f} hours ({span_h / 24:.2f} days) over {hours} clock hours, but "
            f"the split needs at least {MIN_SPAN_HOURS} hours of the clock, boundary included (five windows of "
            f"4+ hours: validation fit, gap, training, gap, test) and the configured windows {need} days"
        )
    k = (last - first + 1) // SCALED_PARTS
    windows = Windows(last + 1 - 3 * k, k, k, k, unit_s=SECONDS_PER_HOUR)
    return windows, (
        f"scaled: the data spans {span_h:,.1f} hours, under the {need} days of the configured windows, so the "
        f"handbook's equal train/gap/test proportions are kept in hours: {k}-hour training window, {k}-hour "
        f"label-delay gap, {k}-hour test window, validation {2 * k} hours earlier (minimum span {MIN_SPAN_HOURS} "
        "hours)"
    )


def check_windows(tx: pd.DataFrame, main: Split, val: Split, source: str | None) -> None:
    """Every window the ladder fits or scores on must hold both classes.

    Args:
        tx: the transactions.
        main: the training/test split.
        val: the validation split (fit and threshold windows).
        source: the data file's name, or None for the simulator.

    Raises:
        BadInput: naming the window, its days and the knobs that change it.
    """
    y = tx["is_fraud"].to_numpy()
    windows = (
        ("training", main.train, main.windows.train_start, main.windows.train_end),
        ("test", main.test, main.windows.test_start, main.windows.test_end),
        ("validation fit", val.train, val.windows.train_start, val.windows.train_end),
        ("validation", val.test, val.windows.test_start, val.windows.test_end),
    )
    fix = f"move or widen it with --set {SPLIT_KEYS}" if source else None
    for name, mask, first, end in windows:
        label = f"the {name} window ({main.windows.unit}s {first}-{end - 1}){' of the data' if source else ''}"
        rows, frauds = int(mask.sum()), int(y[mask].sum())
        if rows == 0:
            # Test rows of cards whose fraud label was released before are dropped (the card is blocked).
            known = f" after dropping {main.removed_known:,} rows of known-compromised cards" if name == "test" else ""
            raise BadInput(f"{label} is empty{known}; {fix or 'raise n_customers or radius'}")
        if frauds == 0:
            raise BadInput(f"{label} has no fraud; {fix or MORE_FRAUD}")
        if frauds == rows:
            raise BadInput(f"{label} has only fraud ({rows:,} rows); {fix or LESS_FRAUD}")


def config_warnings(cfg: FraudConfig, cards: int) -> list[str]:
    """Odd but usable knobs, said once after the run (``cards``: distinct cards in the whole data set)."""
    if cfg.monitor_card_k < cards:
        return []
    return [
        f"monitor_card_k={cfg.monitor_card_k} is not below the {cards:,} cards in the data: every card is "
        "investigated, so the monitored card precision cannot move"
    ]
