"""Step 7: behavioural tests of the deployed model, error by group, and the size of an A/B test."""

from __future__ import annotations

import numpy as np

from framework.abtest import ALPHA, POWER, two_mean_sample_size, whole_weeks
from framework.case import RunContext
from framework.results import AbPlan, BehaviouralCheck, LadderResult, Measured, TestingResult

from .artifacts import NewcaseData, NewcaseFeatures, NewcaseModels
from .config import NewcaseConfig
from .design import DESIGN

# The truth grows with x (see generator.py), so a model that predicts less for more x learned something wrong.
X_STEP = 1.0
# The smallest gain worth a rollout: 5% less error than the control. The treatment gets 10% of traffic.
MDE_SHARE = 0.05
TREATMENT_SHARE = 0.1


def _group_mae(group: np.ndarray, abs_error: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows and mean absolute error per group code (NaN where a group has no test row)."""
    rows = np.bincount(group, minlength=n_groups)
    total = np.bincount(group, weights=abs_error, minlength=n_groups)
    return rows, np.divide(total, rows, out=np.full(n_groups, np.nan), where=rows > 0)


def testing(
    ctx: RunContext[NewcaseConfig],
    data: NewcaseData,
    features: NewcaseFeatures,
    ladder: LadderResult,
    trained: NewcaseModels,
) -> TestingResult:
    """Invariance, directional and minimum-functionality checks on the deployed model; slices by group."""
    model = trained.fitted[ladder.best]
    featurizer = features.featurizer
    x, group = data.test["x"].to_numpy(), data.test["group"].to_numpy()
    y = data.test["y"].to_numpy()
    predicted = model.predict(features.test)

    order = ctx.rng("testing").permutation(len(x))
    shuffled = model.predict(featurizer.transform(x[order], group[order]))
    invariance = BehaviouralCheck(
        name="batch order does not change a prediction",
        kind="invariance",
        passed=bool(np.allclose(shuffled, predicted[order])),
        detail=f"{len(x)} test rows scored in a shuffled order",
    )

    lowered = predicted - model.predict(featurizer.transform(x + X_STEP, group))
    directional = BehaviouralCheck(
        name=f"x + {X_STEP:g} never lowers the prediction",
        kind="directional",
        passed=bool(np.all(lowered <= 1e-9)),
        detail=f"largest drop {max(float(lowered.max()), 0.0):.4g} over {len(x)} rows",
    )

    n_groups = featurizer.n_groups
    rows, best_mae = _group_mae(group, np.abs(y - predicted), n_groups)
    _, naive_mae = _group_mae(group, np.abs(y - trained.predictions[ladder.naive]), n_groups)
    seen = rows > 0
    worse = np.flatnonzero(seen & (best_mae > naive_mae))
    minimum = BehaviouralCheck(
        name=f"beats {ladder.naive} in every group",
        kind="minimum_functionality",
        passed=worse.size == 0,
        detail=f"worse in groups {worse.tolist()}" if worse.size else f"better in all {int(seen.sum())} groups",
    )

    slices = {
        "group": {
            f"group {g}": {"rows": float(rows[g]), "mae": float(best_mae[g]), "naive_mae": float(naive_mae[g])}
            for g in np.flatnonzero(seen)
        }
    }
    # A/B: absolute error per request, randomised by request (no unit repeats, so no design effect).
    # The effect to detect is chosen up front (a share of the control's error), never the offline lift.
    baseline_error = np.abs(y - trained.predictions[ladder.baseline])
    best_error = np.abs(y - predicted)
    mde = MDE_SHARE * float(baseline_error.mean())
    sigma = float(np.concatenate([baseline_error, best_error]).std())
    per_arm = two_mean_sample_size(sigma, mde) or 0
    per_day = DESIGN.problem.capacity.requests_per_day * TREATMENT_SHARE
    plan = AbPlan(
        metric="absolute error per request",
        control=ladder.baseline,
        treatment=ladder.best,
        unit="request",
        minimum_detectable_effect=MDE_SHARE,
        relative=True,
        alpha=ALPHA,
        power=POWER,
        per_arm=per_arm,
        days=float(whole_weeks(per_arm, per_day)),
    )
    y_lo, y_hi = float(data.train["y"].min()), float(data.train["y"].max())
    out_of_range = float(np.mean((predicted < y_lo) | (predicted > y_hi)))
    guardrails = Measured(
        values={"out_of_range_share": out_of_range},
        details={"out_of_range_share": f"{ladder.best} on {len(y)} test rows vs the training range of y"},
    )
    return TestingResult(
        behavioural=[invariance, directional, minimum],
        slices=slices,
        ab_test={"error_std": sigma, "treatment_share": TREATMENT_SHARE},
        ab_plan=plan,
        guardrails=guardrails,
    )
