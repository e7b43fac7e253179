"""Step 8 of the fraud case: replay test transactions one at a time through the SQLite-backed real-time scorer."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from cases.fraud.artifacts import FraudData, FraudFeatures, FraudModels
from cases.fraud.config import FraudConfig
from cases.fraud.design import DESIGN
from cases.fraud.models import online_model
from cases.fraud.serving import OnlineScorer, replay
from framework.case import RunContext
from framework.results import LadderResult, ServingResult

# The components a request crosses inside the latency budget of features + model.
SLA_COMPONENTS = ("feature_store_primary", "scorer_a")


def deployment(
    ctx: RunContext[FraudConfig], data: FraudData, features: FraudFeatures, ladder: LadderResult, trained: FraudModels
) -> ServingResult:
    """Replay test-window transactions one at a time through the SQLite-backed scorer; compare with batch."""
    cfg = ctx.config
    tx = data.tx
    model = trained.fitted[ladder.best]
    start = int(np.argmax(tx["day"].to_numpy() >= data.split.windows.test_start))
    n = min(cfg.serving_requests, len(tx) - start)
    # The served artifact: the same fitted model, trees flattened for one-row scoring.
    served = online_model(model)
    workdir = Path(tempfile.mkdtemp(prefix="fraud-serving-"))
    try:
        scorer = OnlineScorer(served.score, cfg.delay_days, workdir / "features.sqlite")
        with threadpool_limits(1):
            result = replay(scorer, tx, start, n, cfg.delay_days)
            batch = model.score(features.X.iloc[start : start + n])
        scorer.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return ServingResult(
        p50_ms=round(float(np.percentile(result.latencies_ms, 50)), 4),
        p99_ms=round(float(np.percentile(result.latencies_ms, 99)), 4),
        sla_ms=sum(DESIGN.architecture.component(c).latency_ms for c in SLA_COMPONENTS),
        requests=n,
        extra={
            "model": ladder.best,
            "throughput_tx_per_s": round(n / result.wall_s, 1),
            "max_abs_score_diff_vs_batch": float(np.max(np.abs(result.scores - batch))),
            "history_rows_loaded": result.history_rows,
            "labels_released_during_replay": result.labels_released,
            "store": "SQLite (WAL), one indexed range query per entity per transaction",
            "served_artifact": type(served).__name__,
        },
    )
