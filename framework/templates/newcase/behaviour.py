"""Step 7: behavioural tests of the deployed model, error by group, and the size of an A/B test."""

from __future__ import annotations

import numpy as np

from framework.abtest import two_mean_sample_size
from framework.case import RunContext
from framework.results import BehaviouralCheck, LadderResult, TestingResult

from .artifacts import NewcaseData, NewcaseFeatures, NewcaseModels
from .config import NewcaseConfig

# The truth grows with x (see generator.py), so a model that predicts less for more x learned something wrong.
X_STEP = 1.0


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
    # A/B: per-request absolute error in each arm; the offline gain of the deployed model over the
    # baseline is the effect to detect, the spread of the errors sets the noise.
    baseline_error = np.abs(y - trained.predictions[ladder.baseline])
    best_error = np.abs(y - predicted)
    delta = float(baseline_error.mean() - best_error.mean())
    sigma = float(np.concatenate([baseline_error, best_error]).std())
    ab_test = {
        "metric": "absolute error per request",
        "control": ladder.baseline,
        "treatment": ladder.best,
        "effect": delta,
        "sigma": sigma,
        "units_per_arm": two_mean_sample_size(sigma, delta),
    }
    return TestingResult(behavioural=[invariance, directional, minimum], slices=slices, ab_test=ab_test)
