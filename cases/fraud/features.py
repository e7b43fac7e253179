"""Point-in-time transaction features: customer spending windows and delayed terminal risk.

Every window is computed with one stable sort per entity, cumulative sums and
``searchsorted`` (no per-row Python loop). A feature of a transaction only reads
transactions at or before it in time order, and a label only once the label delay
has passed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from framework.timeunits import SECONDS_PER_DAY, SECONDS_PER_HOUR

WINDOWS: tuple[int, ...] = (1, 7, 30)
NIGHT_END_HOUR = 6  # transactions before 06:00 count as night

FEATURES: list[str] = [
    "amount",
    "is_weekend",
    "is_night",
    *[f"customer_{kind}_{w}d" for w in WINDOWS for kind in ("nb_tx", "avg_amount")],
    *[f"terminal_{kind}_{w}d" for w in WINDOWS for kind in ("nb_tx", "risk")],
]


def calendar_flags(timestamps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weekend and night flags of datetime64 timestamps (naive local time).

    Returns:
        ``(is_weekend, is_night)`` as float arrays of 0/1.
    """
    secs = np.asarray(timestamps, dtype="datetime64[s]").astype(np.int64)
    days = np.floor_divide(secs, SECONDS_PER_DAY)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    hour = np.floor_divide(secs - days * SECONDS_PER_DAY, SECONDS_PER_HOUR)
    return (weekday >= 5).astype(np.float64), (hour < NIGHT_END_HOUR).astype(np.float64)


def _sorted_keys(group: np.ndarray, time_s: np.ndarray, span: int) -> tuple[np.ndarray, np.ndarray]:
    """Stable order by (group, time) and the combined int64 key ``group * span + time``."""
    order = np.argsort(group, kind="stable")  # rows arrive in time order, so time stays sorted
    return order, group[order].astype(np.int64) * span + time_s[order]


def _prefix(values: np.ndarray) -> np.ndarray:
    """Cumulative sum with a leading zero, so ``c[j] - c[i]`` sums ``values[i:j]``."""
    return np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])


def build_features(tx: pd.DataFrame, delay_days: float) -> pd.DataFrame:
    """Compute every feature of every transaction, point-in-time.

    Args:
        tx: transactions sorted by ``time_s`` (ties in input order) with ``customer_id``,
            ``terminal_id``, ``amount``, ``is_fraud``, ``time_s`` (seconds, >= 0) and
            ``timestamp``.
        delay_days: days until a fraud label is known; terminal windows end that long
            before the transaction.

    Returns:
        A float frame with :data:`FEATURES` as columns, on ``tx``'s index.
    """
    time_s = tx["time_s"].to_numpy(np.int64)
    if len(tx) and np.any(np.diff(time_s) < 0):
        raise ValueError("transactions must be sorted by time_s")
    out: dict[str, np.ndarray] = {"amount": tx["amount"].to_numpy(np.float64)}
    out["is_weekend"], out["is_night"] = calendar_flags(tx["timestamp"].to_numpy())
    out |= customer_windows(tx)
    out |= terminal_windows(tx, delay_days)
    return pd.DataFrame({name: out[name] for name in FEATURES}, index=tx.index)


def customer_windows(tx: pd.DataFrame) -> dict[str, np.ndarray]:
    """Customer windows (t - w, t], the transaction itself included, later ties excluded.

    Args:
        tx: transactions in time order (ties in input order) with ``customer_id``, ``amount``
            and ``time_s``. The amount sums run over every row in one cumulative sum, so a
            frame's result depends (in the last bits) on which customers share it: the engine
            always hands it one whole block of customers.
    """
    n = len(tx)
    time_s = tx["time_s"].to_numpy(np.int64)
    amount = tx["amount"].to_numpy(np.float64)
    span = int(time_s.max(initial=0)) + max(WINDOWS) * SECONDS_PER_DAY + 1
    codes = pd.factorize(tx["customer_id"])[0]
    order, key = _sorted_keys(codes, time_s, span)
    position = np.arange(n)
    amount_sum = _prefix(amount[order])
    out: dict[str, np.ndarray] = {}
    for w in WINDOWS:
        lo = np.searchsorted(key, key - w * SECONDS_PER_DAY, side="right")
        count = position - lo + 1
        total = amount_sum[position + 1] - amount_sum[lo]
        out[f"customer_nb_tx_{w}d"] = _unsort(count.astype(np.float64), order)
        out[f"customer_avg_amount_{w}d"] = _unsort(total / count, order)
    return out


def terminal_windows(tx: pd.DataFrame, delay_days: float) -> dict[str, np.ndarray]:
    """Terminal windows (t - delay - w, t - delay]: only labels that have been released.

    Every value is a count or a ratio of integer counts, so it is exact whatever order the rows
    come in (time-sorted input is only needed for the sort keys) and whichever terminals share
    the frame: the Dask shuffle may group terminals any way it likes.

    Args:
        tx: transactions in time order with ``terminal_id``, ``is_fraud`` and ``time_s``.
        delay_days: days until a fraud label is known.
    """
    n = len(tx)
    time_s = tx["time_s"].to_numpy(np.int64)
    fraud = tx["is_fraud"].to_numpy(np.float64)
    delay_s = round(delay_days * SECONDS_PER_DAY)  # a fraction of a day when the split is in hours
    span = int(time_s.max(initial=0)) + delay_s + max(WINDOWS) * SECONDS_PER_DAY + 1
    codes = pd.factorize(tx["terminal_id"])[0]
    order, key = _sorted_keys(codes, time_s, span)
    fraud_sum = _prefix(fraud[order])
    hi = np.searchsorted(key, key - delay_s, side="right")
    out: dict[str, np.ndarray] = {}
    for w in WINDOWS:
        lo = np.searchsorted(key, key - delay_s - w * SECONDS_PER_DAY, side="right")
        count = (hi - lo).astype(np.float64)
        frauds = fraud_sum[hi] - fraud_sum[lo]
        risk = np.divide(frauds, count, out=np.zeros(n), where=count > 0)
        out[f"terminal_nb_tx_{w}d"] = _unsort(count, order)
        out[f"terminal_risk_{w}d"] = _unsort(risk, order)
    return out


def _unsort(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Put values computed in ``order`` back into row order."""
    result = np.empty_like(values)
    result[order] = values
    return result
