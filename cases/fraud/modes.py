"""The three data modes of a real file, chosen from the id columns it has, and each mode's feature list.

==================  =================  ======================================================================
mode                ids in the file    features and metrics
==================  =================  ======================================================================
customer_terminal   customer+terminal  every feature of :data:`cases.fraud.features.FEATURES`; every metric
customer_only       customer           terminal windows dropped (no terminal to count); every metric
anonymous           neither            ``amount`` plus every numeric extra column of the file (``V1..V28``);
                                       no calendar flags, no windows; card precision absent (no cards)
==================  =================  ======================================================================

In the anonymous mode an extra column is not a feature when its name says it may carry the label
(``fraud``, ``label``, ``class``, ``target``, ``flag``: PaySim's ``isFlaggedFraud``, the handbook's
``TX_FRAUD_SCENARIO``) or the time (``time``, ``date``, ``day``, ``step``: a window the model was
not fitted on), or when a value is not a number (such columns, e.g. PaySim's ``type``, are ignored
and listed rather than one-hot encoded: a mode without ids has no entity to learn them from).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cases.fraud.features import FEATURES, build_features
from framework.roles import normalise

if TYPE_CHECKING:
    from framework.dataload import LoadedTable

CUSTOMER_TERMINAL = "customer_terminal"
CUSTOMER_ONLY = "customer_only"
ANONYMOUS = "anonymous"
MODES = (CUSTOMER_TERMINAL, CUSTOMER_ONLY, ANONYMOUS)
SAYS = {
    CUSTOMER_TERMINAL: "customer + terminal ids: customer spending windows and delayed terminal risk",
    CUSTOMER_ONLY: "customer ids only: terminal features dropped (the file names no terminal)",
    ANONYMOUS: "anonymous tabular (no customer ids): a time-ordered split on the amount and the file's numeric "
    "columns; card precision is absent (no cards to rank), not zero",
}
LEAKY = re.compile(r"fraud|label|class|target|flag")
TIME_LIKE = re.compile(r"time|date|day|step")


def choose(roles: set[str]) -> str:
    """The mode of a file whose columns play ``roles``."""
    if "customer_id" not in roles:
        return ANONYMOUS
    return CUSTOMER_TERMINAL if "terminal_id" in roles else CUSTOMER_ONLY


def feature_names(mode: str, given: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The model's input columns in ``mode`` (``given``: the anonymous mode's file columns)."""
    if mode == ANONYMOUS:
        return ["amount", *given]
    if mode == CUSTOMER_ONLY:
        return [f for f in FEATURES if not f.startswith("terminal_")]
    return list(FEATURES)


def build(tx: pd.DataFrame, delay_days: float, mode: str, given: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """Point-in-time features of every transaction in ``mode`` (the given columns are read as they are)."""
    if mode == ANONYMOUS:
        return tx[["amount", *given]].astype(np.float64)
    X = build_features(tx, delay_days)
    return X if mode == CUSTOMER_TERMINAL else X[feature_names(mode)]


def given_features(table: LoadedTable) -> tuple[list[str], dict[str, np.ndarray]]:
    """The file's extra columns that become features in the anonymous mode, and their values.

    Notes on the columns left out are appended to ``table.notes``.

    Returns:
        ``(column names, name -> float values)``.
    """
    candidates, notes = [], []
    for column in table.ignored:
        key = normalise(column)
        if LEAKY.search(key):
            notes.append(f"{column} not a feature: its name says it may carry the label")
        elif TIME_LIKE.search(key):
            notes.append(f"{column} not a feature: a time column (the test window lies outside its training range)")
        elif key:
            candidates.append(column)
    values: dict[str, np.ndarray] = {}
    if candidates:
        for column in candidates:
            parsed = pd.to_numeric(table.extra[column], errors="coerce").to_numpy(np.float64, na_value=np.nan)
            bad = int((~np.isfinite(parsed)).sum())
            if not bad:
                values[column] = parsed
            else:
                notes.append(
                    f"{column} not a feature: {bad:,} of {len(parsed):,} rows ({bad / len(parsed):.1%}) are blank or "
                    "not a number, so the whole column is dropped (fill or impute it in the file to use it)"
                )
    table.notes.extend(notes)
    return list(values), values
