"""Time split with a label-delay gap, removing cards already known to be compromised."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from framework.timeunits import SECONDS_PER_DAY, SECONDS_PER_HOUR


@dataclass(frozen=True)
class Windows:
    """Ranges of one train/gap/test split in whole units (days by default; end exclusive).

    Data shorter than the handbook's windows is split in hours (``unit_s`` = 3600): the field
    names keep saying days, the values count units.
    """

    train_start: int
    train_days: int
    delay_days: int
    test_days: int
    unit_s: int = SECONDS_PER_DAY

    def periods(self, tx: pd.DataFrame) -> np.ndarray:
        """The unit each transaction falls in (its ``day`` when the unit is a day)."""
        if self.unit_s == SECONDS_PER_DAY:
            return tx["day"].to_numpy()
        return tx["time_s"].to_numpy() // self.unit_s

    def shown(self, start: int, end: int) -> str:
        """``"3-9"`` (days, end exclusive) or ``"hours 18-26"`` for the range ``[start, end)``."""
        text = f"{start}-{end - 1}"
        return text if self.unit_s == SECONDS_PER_DAY else f"hours {text}"

    @property
    def delay_in_days(self) -> float:
        """The label delay in days (a fraction when the windows are in hours)."""
        if self.unit_s == SECONDS_PER_DAY:
            return self.delay_days
        return self.delay_days * self.unit_s / SECONDS_PER_DAY

    @property
    def unit(self) -> str:
        """``"day"`` or ``"hour"``."""
        return "day" if self.unit_s == SECONDS_PER_DAY else "hour" if self.unit_s == SECONDS_PER_HOUR else "unit"

    @property
    def train_end(self) -> int:
        """First day after the training window."""
        return self.train_start + self.train_days

    @property
    def test_start(self) -> int:
        """First test day: the training window plus a gap of one label delay."""
        return self.train_end + self.delay_days

    @property
    def test_end(self) -> int:
        """First day after the test window."""
        return self.test_start + self.test_days

    def shifted(self, days: int) -> Windows:
        """The same split ``days`` earlier (the validation split uses ``delay + test``)."""
        return Windows(self.train_start - days, self.train_days, self.delay_days, self.test_days, self.unit_s)


@dataclass(frozen=True)
class Split:
    """Boolean row masks of a split and how many test rows were removed."""

    windows: Windows
    train: np.ndarray
    test: np.ndarray
    removed_known: int
    removed_cards: int


def split(tx: pd.DataFrame, windows: Windows) -> Split:
    """Train rows, then a gap of ``delay_days``, then test rows without known-compromised cards.

    A test transaction on day ``d`` is dropped when its card had a fraud between the start
    of the training window and day ``d - delay - 1``: that fraud's label has been released,
    the card is blocked, and counting it again would inflate every metric.

    Args:
        tx: transactions with ``day``, ``customer_id`` and ``is_fraud``.
        windows: the day ranges.

    Returns:
        The masks over ``tx``'s rows.
    """
    day = windows.periods(tx)
    train = (day >= windows.train_start) & (day < windows.train_end)
    in_test = (day >= windows.test_start) & (day < windows.test_end)
    seen = (day >= windows.train_start) & (tx["is_fraud"].to_numpy() == 1)
    first_fraud = pd.Series(day[seen]).groupby(tx["customer_id"].to_numpy()[seen]).min()
    card_first = tx["customer_id"].map(first_fraud).to_numpy(dtype=np.float64, na_value=np.inf)
    known = in_test & (card_first <= day - windows.delay_days - 1)
    return Split(
        windows=windows,
        train=train,
        test=in_test & ~known,
        removed_known=int(known.sum()),
        removed_cards=int(np.unique(tx["customer_id"].to_numpy()[known]).size),
    )


def random_split(tx: pd.DataFrame, windows: Windows, rng: np.random.Generator) -> Split:
    """A deliberately wrong split (the new-pipeline drill): the train-to-test span's rows shuffled into two sets.

    The same days as :func:`split` (training window, gap and test window), each row drawn into
    the test set with the test window's share of those days; no gap and no card removal, so a
    card's frauds sit on both sides and the model is scored on the days it was fitted on.

    Args:
        tx: transactions with ``day``.
        windows: the day ranges of the time split it replaces.
        rng: the drill's own random stream.
    """
    day = windows.periods(tx)
    span = (day >= windows.train_start) & (day < windows.test_end)
    share = windows.test_days / (windows.train_days + windows.delay_days + windows.test_days)
    to_test = rng.random(len(day)) < share
    return Split(windows=windows, train=span & ~to_test, test=span & to_test, removed_known=0, removed_cards=0)
