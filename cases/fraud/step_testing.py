"""Step 7 of the fraud case: behavioural checks, slice metrics, the accuracy paradox and the A/B test plan."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from cases.fraud import behaviour
from cases.fraud.artifacts import FraudData, FraudFeatures, FraudModels
from cases.fraud.config import FraudConfig
from cases.fraud.design import DESIGN
from cases.fraud.evaluation import flag_rate
from cases.fraud.simulator import SCENARIO_NAMES
from framework.abtest import ALPHA, POWER, two_proportion_sample_size
from framework.case import RunContext
from framework.results import LadderResult, TestingResult

AMOUNT_BANDS = (0, 50, 100, 220, np.inf)
AMOUNT_LABELS = ("<50", "50-100", "100-220", ">=220")
MIN_LIFT = 0.02  # smallest recall lift an A/B test is sized for
MIN_RECALL = 0.001  # a control recall of 0 (alerting on nothing) is sized as if it caught 0.1%
TREATMENT_SHARE = 0.1  # the challenger scores 10% of cards; the champion keeps the rest


def testing(
    ctx: RunContext[FraudConfig], data: FraudData, features: FraudFeatures, ladder: LadderResult, trained: FraudModels
) -> TestingResult:
    """Behavioural checks of the deployed model, its slices, the accuracy paradox and the A/B plan."""
    cfg = ctx.config
    tx, main = data.tx, data.split
    best = ladder.best
    threshold = trained.thresholds[best]
    with threadpool_limits(1):
        checks = behaviour.run_checks(
            trained.fitted[best].score,
            tx,
            features.X,
            main.test,
            threshold,
            cfg.delay_days,
            cfg.outlier_amount,
            ctx.rng("behaviour"),
        )
    test = tx[main.test]
    s = trained.scores[best]
    y = test["is_fraud"].to_numpy()
    slices: dict[str, dict[str, dict[str, float]]] = {}
    if data.synthetic:  # only the simulator knows which scenario a fraud came from
        slices["scenario"] = {
            SCENARIO_NAMES[int(code)]: {"rows": float(len(idx)), "alert_rate": flag_rate(s[idx], threshold)}
            for code, idx in sorted(test.groupby("scenario").indices.items())
        }
    bands = pd.cut(test["amount"], AMOUNT_BANDS, right=False, labels=list(AMOUNT_LABELS))
    slices["amount band"] = {}
    for band, idx in test.groupby(bands, observed=True).indices.items():
        alerted = s[idx] >= threshold
        slices["amount band"][str(band)] = {
            "rows": float(len(idx)),
            "fraud_rate": float(y[idx].mean()),
            "alert_rate": float(alerted.mean()),
            "precision": float(y[idx][alerted].mean()) if alerted.any() else 0.0,
            "recall": float(alerted[y[idx] == 1].mean()) if y[idx].any() else 0.0,
        }
    slices["accuracy paradox"] = {}
    for name in (n for n in ladder.models if n != ladder.oracle):
        alerted = trained.alerted(name)
        slices["accuracy paradox"][name] = {
            "accuracy": ladder.models[name]["accuracy"],
            "recall": float(alerted[y == 1].mean()),
            "alerts": float(alerted.sum()),
            "expected_cost": ladder.models[name]["expected_cost"],
        }
    return TestingResult(behavioural=checks, slices=slices, ab_test=ab_plan(ladder, trained, y, cfg.delay_days))


def ab_plan(ladder: LadderResult, trained: FraudModels, y: np.ndarray, delay_days: int) -> dict[str, Any]:
    """Cards and days needed to detect a recall lift of the deployed model over the one it replaces.

    The control is the baseline, or the naive rule when the baseline itself is deployed. The
    lift planned for is the offline lift at the cost thresholds, but at least ``MIN_LIFT``
    (smaller lifts are not worth a rollout, and a negative offline lift would make the test
    pointless).

    Args:
        ladder: the ladder (roles and the deployed model).
        trained: test scores and thresholds of every model.
        y: test-window labels.
        delay_days: label delay: the read-out waits for it.
    """
    control = ladder.naive if ladder.best == ladder.baseline else ladder.baseline
    rate = {n: float(trained.alerted(n)[y == 1].mean()) for n in (control, ladder.best)}
    p1 = min(max(rate[control], MIN_RECALL), 0.999 - MIN_LIFT)
    p2 = min(p1 + max(rate[ladder.best] - p1, MIN_LIFT), 0.999)
    frauds = two_proportion_sample_size(p1, p2, ALPHA, POWER)
    fraud_rate = float(y.mean())
    days = frauds / fraud_rate / (DESIGN.problem.capacity.requests_per_day * TREATMENT_SHARE)
    return {
        "unit": "card (all of a card's transactions stay in one arm)",
        "primary_online_metric": "fraud caught rate (recall on confirmed frauds)",
        "control": control,
        "treatment": ladder.best,
        "control_recall_offline": round(rate[control], 4),
        "treatment_recall_offline": round(rate[ladder.best], 4),
        "minimum_detectable_lift": round(p2 - p1, 4),
        "alpha": ALPHA,
        "power": POWER,
        "frauds_per_arm": frauds,
        "transactions_per_arm": math.ceil(frauds / fraud_rate),
        "treatment_traffic_share": TREATMENT_SHARE,
        "hours_of_traffic": round(days * 24, 2),
        "read_out_after_days": f"traffic + {delay_days} (labels arrive after the delay)",
        "guardrails": "false-decline rate, review queue <= 100 cards/day, p99 latency",
    }
