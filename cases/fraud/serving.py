"""Real-time scorer: online feature state in SQLite, updated and scored one transaction at a time."""

from __future__ import annotations

import heapq
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cases.fraud.features import FEATURES, NIGHT_END_HOUR, WINDOWS
from framework.timeunits import SECONDS_PER_DAY, SECONDS_PER_HOUR

_SCHEMA = """
CREATE TABLE tx (
    transaction_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    time_s INTEGER NOT NULL,
    amount REAL NOT NULL,
    is_fraud INTEGER  -- NULL until the investigation releases the label
);
"""
# Built after the bulk load: indexing 300k rows at once is several times faster than per insert.
_INDEXES = """
CREATE UNIQUE INDEX IF NOT EXISTS tx_id ON tx (transaction_id);
CREATE INDEX IF NOT EXISTS tx_customer ON tx (customer_id, time_s);
CREATE INDEX IF NOT EXISTS tx_terminal ON tx (terminal_id, time_s);
"""


@dataclass(frozen=True)
class Transaction:
    """One incoming authorisation request."""

    transaction_id: str
    customer_id: str
    terminal_id: str
    time_s: int
    amount: float
    weekday: int
    hour: int
    given: tuple[float, ...] = ()  # the anonymous mode's feature columns, sent with the request


class OnlineScorer:
    """Scores one transaction at a time from feature state kept in an embedded SQLite store.

    Per request: one indexed range query per entity computes every window, the model
    scores the feature vector, and the transaction is appended to the state. Labels arrive
    later through :meth:`record_label` (the investigation feedback loop).

    Args:
        model_score: the fitted model's scoring function on an (n, len(columns)) feature array.
        delay_days: label delay; terminal windows end this long before the transaction.
        path: SQLite database file (``":memory:"`` works too).
        columns: the model's features in order (the data mode's; every stored window by default).
        given: features sent with the request rather than looked up (the anonymous mode's columns).
    """

    def __init__(
        self,
        model_score: Callable[[np.ndarray], np.ndarray],
        delay_days: float,
        path: Path | str,
        columns: Sequence[str] = tuple(FEATURES),
        given: Sequence[str] = (),
    ):
        self.model_score = model_score
        self.columns = list(columns)
        self.given = list(given)
        self.delay_s = round(delay_days * SECONDS_PER_DAY)
        self.db = sqlite3.connect(str(path), isolation_level=None)
        # Durability comes from replicas in production; locally, skip fsync per write.
        self.db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;" + _SCHEMA)
        self._indexed = False
        windows = [w * SECONDS_PER_DAY for w in WINDOWS]
        self._customer_sql = (
            "SELECT "
            + ", ".join(
                f"COUNT(CASE WHEN time_s > :t - {w} THEN 1 END), TOTAL(CASE WHEN time_s > :t - {w} THEN amount END)"
                for w in windows
            )
            + f" FROM tx WHERE customer_id = :id AND time_s > :t - {max(windows)}"
        )
        d = self.delay_s
        self._terminal_sql = (
            "SELECT "
            + ", ".join(
                f"COUNT(CASE WHEN time_s > :t - {d + w} THEN 1 END), "
                f"TOTAL(CASE WHEN time_s > :t - {d + w} THEN is_fraud END)"
                for w in windows
            )
            + f" FROM tx WHERE terminal_id = :id AND time_s > :t - {d + max(windows)} AND time_s <= :t - {d}"
        )

    def load_history(self, rows: Iterable[tuple]) -> None:
        """Bulk-load past transactions ``(id, customer, terminal, time_s, amount, is_fraud or None)``."""
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO tx VALUES (?, ?, ?, ?, ?, ?)", rows)
        self.db.execute("COMMIT")
        self._index()

    def _index(self) -> None:
        if not self._indexed:
            self.db.executescript(_INDEXES)
            self._indexed = True

    def features(self, tx: Transaction) -> np.ndarray:
        """The feature vector of ``tx`` from the stored state (``tx`` itself not yet stored)."""
        self._index()
        c = self.db.execute(self._customer_sql, {"t": tx.time_s, "id": tx.customer_id}).fetchone()
        m = self.db.execute(self._terminal_sql, {"t": tx.time_s, "id": tx.terminal_id}).fetchone()
        values = {
            "amount": tx.amount,
            "is_weekend": float(tx.weekday >= 5),
            "is_night": float(tx.hour < NIGHT_END_HOUR),
        }
        for i, w in enumerate(WINDOWS):
            count = c[2 * i] + 1  # the transaction itself is part of its customer windows
            values[f"customer_nb_tx_{w}d"] = float(count)
            values[f"customer_avg_amount_{w}d"] = (c[2 * i + 1] + tx.amount) / count
            n = m[2 * i]
            values[f"terminal_nb_tx_{w}d"] = float(n)
            values[f"terminal_risk_{w}d"] = m[2 * i + 1] / n if n else 0.0
        values.update(zip(self.given, tx.given, strict=True))
        return np.array([[values[f] for f in self.columns]])

    def score(self, tx: Transaction) -> float:
        """Score ``tx`` and append it to the state (label unknown yet)."""
        x = self.features(tx)
        s = float(self.model_score(x)[0])
        self.db.execute(
            "INSERT INTO tx VALUES (?, ?, ?, ?, ?, NULL)",
            (tx.transaction_id, tx.customer_id, tx.terminal_id, tx.time_s, tx.amount),
        )
        return s

    def record_label(self, transaction_id: str, is_fraud: int) -> None:
        """The investigation's verdict on a past transaction."""
        self._index()
        self.db.execute("UPDATE tx SET is_fraud = ? WHERE transaction_id = ?", (int(is_fraud), transaction_id))

    def close(self) -> None:
        """Close the store."""
        self.db.close()


class ScorerDown(RuntimeError):
    """A scoring replica that does not answer (crashed, zone down)."""


class Replica:
    """One scoring replica: the model behind a switch that a failure test turns off.

    Args:
        name: the replica's component id (``scorer_a``...).
        score: the model's scoring function on an (n, 15) feature array.
    """

    def __init__(self, name: str, score: Callable[[np.ndarray], np.ndarray]):
        self.name = name
        self._score = score
        self.up = True

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if not self.up:
            raise ScorerDown(self.name)
        return self._score(x)


@dataclass
class Failover:
    """Load balancer + decision service: the first healthy replica scores; a failed one is ejected.

    A replica that raises :class:`ScorerDown` is marked unhealthy (what the health check does)
    and the same request is retried on the next replica; when no replica answers, the rule
    fallback scores the request (1 above ``fallback_amount``: send to review, else approve).

    Attributes:
        replicas: in order of preference (primary first, hot standbys after).
        fallback_amount: amount above which the rule fallback sends a request to review.
        served: requests answered per replica id, and by ``"rule_fallback"``.
        failovers: replicas ejected during the replay.
    """

    replicas: Sequence[Replica]
    fallback_amount: float
    amount_index: int = FEATURES.index("amount")
    served: Counter[str] = field(default_factory=Counter)
    failovers: int = 0
    _healthy: dict[str, bool] = field(default_factory=dict)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        for replica in self.replicas:
            if not self._healthy.get(replica.name, True):
                continue
            try:
                score = replica(x)
            except ScorerDown:
                self._healthy[replica.name] = False
                self.failovers += 1
                continue
            self.served[replica.name] += 1
            return score
        self.served["rule_fallback"] += len(x)
        return (x[:, self.amount_index] > self.fallback_amount).astype(float)


def as_transactions(frame: pd.DataFrame, given: Sequence[str] = ()) -> list[Transaction]:
    """Requests built from transaction rows (weekday and hour from the timestamp; ``given`` columns sent along)."""
    secs = frame["timestamp"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    days = secs // SECONDS_PER_DAY
    weekday = (days + 3) % 7
    hour = (secs - days * SECONDS_PER_DAY) // SECONDS_PER_HOUR
    sent = frame[list(given)].to_numpy(np.float64).tolist() if given else [[]] * len(frame)
    return [
        Transaction(str(i), str(c), str(m), int(t), float(a), int(wd), int(h), tuple(g))
        for i, c, m, t, a, wd, h, g in zip(
            frame["transaction_id"],
            frame["customer_id"],
            frame["terminal_id"],
            frame["time_s"],
            frame["amount"],
            weekday,
            hour,
            sent,
            strict=True,
        )
    ]


@dataclass
class ReplayResult:
    """What a replay measured."""

    scores: np.ndarray
    latencies_ms: np.ndarray
    wall_s: float
    history_rows: int
    labels_released: int


def replay(
    scorer: OnlineScorer,
    tx: pd.DataFrame,
    start: int,
    n: int,
    delay_days: float,
    before_request: Callable[[int], None] | None = None,
) -> ReplayResult:
    """Load the history before row ``start`` and score rows ``start .. start + n`` one by one.

    Labels are released ``delay_days`` after each transaction, in time order, exactly as the
    batch features assume.

    Args:
        scorer: a fresh scorer.
        tx: all transactions in time order (positional rows).
        start: position of the first replayed transaction.
        n: transactions to replay.
        delay_days: label delay.
        before_request: called with each request's position before it is scored (a failure
            test kills a replica there); not timed.
    """
    delay = round(delay_days * SECONDS_PER_DAY)
    t0 = int(tx["time_s"].iloc[start])
    times = tx["time_s"].to_numpy()
    first = int(np.searchsorted(times, t0 - delay - max(WINDOWS) * SECONDS_PER_DAY, side="right"))
    hist = tx.iloc[first:start]
    released = hist["time_s"].to_numpy() <= t0 - delay
    labels = hist["is_fraud"].to_numpy().astype(object)  # Python ints, and None for a label not yet released
    labels[~released] = None
    # Columns converted once (vectorised) rather than per row; None marks a label not yet released.
    scorer.load_history(
        zip(
            hist["transaction_id"].astype(str).tolist(),
            hist["customer_id"].astype(str).tolist(),
            hist["terminal_id"].astype(str).tolist(),
            hist["time_s"].to_numpy(np.int64).tolist(),
            hist["amount"].to_numpy(np.float64).tolist(),
            labels.tolist(),
            strict=True,
        )
    )
    # Pending verdicts: (release time, transaction id, label), released before each request.
    late = ~released
    pending = list(
        zip(
            (hist["time_s"].to_numpy()[late] + delay).tolist(),
            hist["transaction_id"].astype(str).to_numpy()[late].tolist(),
            hist["is_fraud"].to_numpy()[late].astype(int).tolist(),
            strict=True,
        )
    )
    heapq.heapify(pending)
    window = tx.iloc[start : start + n]
    requests = as_transactions(window, scorer.given)
    labels_now = window["is_fraud"].to_numpy()
    scores = np.empty(len(requests))
    latencies = np.empty(len(requests))
    n_released = 0
    wall = time.perf_counter()
    for k, request in enumerate(requests):
        while pending and pending[0][0] <= request.time_s:
            _, tid, y = heapq.heappop(pending)
            scorer.record_label(tid, y)
            n_released += 1
        if before_request is not None:
            before_request(k)
        t = time.perf_counter()
        scores[k] = scorer.score(request)
        latencies[k] = (time.perf_counter() - t) * 1000
        heapq.heappush(pending, (request.time_s + delay, request.transaction_id, int(labels_now[k])))
    return ReplayResult(scores, latencies, time.perf_counter() - wall, len(hist), n_released)
