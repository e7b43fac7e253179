"""Step 7 of the recommendation case: behavioural checks, slice metrics, and the A/B test against the generator."""

from __future__ import annotations

from typing import Any

import numpy as np

from cases.recommendation import abtest, behaviour, plots
from cases.recommendation.artifacts import RecData, RecFeatures, RecModels
from cases.recommendation.config import RecConfig
from cases.recommendation.evaluation import K
from cases.recommendation.models import recommend
from framework import metrics as fm
from framework.abtest import two_proportion_sample_size
from framework.case import RunContext
from framework.results import LadderResult, TestingResult

REAL_DATA_NOTE = "not available on real data: it needs the generator's true click probabilities"
PLANNED_RELATIVE_LIFT = 0.05  # the lift a real-data A/B test would be sized for
PROBE_USERS = 50
INVARIANCE_USERS = 200


def testing(
    ctx: RunContext[RecConfig], data: RecData, feats: RecFeatures, trained: RecModels, ladder: LadderResult
) -> TestingResult:
    """Behavioural checks of the deployed model, slice metrics, and the A/B test simulated against the generator."""
    best, users, consumed = ladder.best, feats.eval_users, feats.consumed
    model, fb = trained.fitted[best], trained.fallback
    cold = np.flatnonzero(consumed.getnnz(axis=1) == 0)[:PROBE_USERS]
    probes = cold if len(cold) else np.arange(min(PROBE_USERS, consumed.shape[0]))
    sample = users[:INVARIANCE_USERS]
    checks = [
        behaviour.no_consumed(trained.recs[best], consumed[users], best),
        behaviour.cold_start(model, fb, probes, consumed.shape[1], best),
        behaviour.one_genre(model, data.items["genre_id"].to_numpy(), feats.popularity, fb, best)
        if data.synthetic  # real ratings files have no genres: probe with one clicked item instead
        else behaviour.one_item(model, feats.clicks, trained.recs[ladder.baseline][0], best),
        behaviour.batch_invariance(model, sample, consumed[sample], fb, ctx.rng("behaviour"), best),
    ]
    ab = _ab_test(ctx, data, feats, trained, ladder) if data.synthetic else _ab_plan(ladder)
    return TestingResult(behavioural=checks, slices=slices(feats, trained, ladder), ab_test=ab)


def slices(feats: RecFeatures, trained: RecModels, ladder: LadderResult) -> dict[str, dict[str, dict[str, float]]]:
    """NDCG@10 of the baseline, the deployed model and the oracle per bucket of training clicks per user."""
    users = feats.eval_users
    n_train = feats.consumed[users].getnnz(axis=1)
    rel = feats.relevant[users]
    shown = [n for n in (ladder.baseline, ladder.best, ladder.oracle) if n is not None]
    ndcg = {name: fm.ndcg_per_user(trained.recs[name], rel, K) for name in dict.fromkeys(shown)}
    buckets = {
        "0 (cold)": n_train == 0,
        "1-4": (n_train >= 1) & (n_train <= 4),
        "5-14": (n_train >= 5) & (n_train <= 14),
        "15+": n_train >= 15,
    }
    groups = {"cold": n_train == 0, "warm": n_train > 0}

    def table(masks: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
        return {
            label: {"users": int(mask.sum()), **{f"ndcg_{n}": float(np.nanmean(v[mask])) for n, v in ndcg.items()}}
            for label, mask in masks.items()
            if mask.any()
        }

    return {"train clicks per user": table(buckets), "cold vs warm": table(groups)}


def _ab_plan(ladder: LadderResult) -> dict[str, Any]:
    """Real data: no clicks to simulate, only the sample size of a test planned on the baseline's precision@10."""
    proxy = ladder.models[ladder.baseline]["precision_at_10"]  # per-slot click-rate proxy
    plan: dict[str, Any] = {
        "status": f"A/B simulation {REAL_DATA_NOTE}",
        "control_model": ladder.baseline,
        "treatment_model": ladder.best,
        "planned_control_rate_proxy": proxy,
        "planned_relative_lift": PLANNED_RELATIVE_LIFT,
    }
    if 0 < proxy < 0.95:
        plan["planned_sample_size_per_arm"] = two_proportion_sample_size(proxy, proxy * (1 + PLANNED_RELATIVE_LIFT))
    return plan


def _ab_test(
    ctx: RunContext[RecConfig], data: RecData, feats: RecFeatures, trained: RecModels, ladder: LadderResult
) -> dict[str, Any]:
    """Every user of the world on the baseline's or the deployed model's lists, clicking as the truth says."""
    world = data.truth()
    everyone = np.arange(world.n_users)
    control = recommend(trained.fitted[ladder.baseline], everyone, feats.consumed, K)
    treatment = recommend(trained.fitted[ladder.best], everyone, feats.consumed, K, fallback=trained.fallback)
    treated = ctx.rng("ab_assignment").random(world.n_users) < 0.5
    result = abtest.simulate(
        abtest.list_probabilities(world, everyone, control),
        abtest.list_probabilities(world, everyone, treatment),
        treated,
        ctx.config.ab_sessions_per_user,
        ctx.rng("ab_clicks"),
    )
    plots.ab_result(
        ctx.add_plot(7, "ab_test.png", "Simulated A/B test: CTR per arm with 95% confidence intervals."),
        result,
        ladder.baseline,
        ladder.best,
    )
    return {"control_model": ladder.baseline, "treatment_model": ladder.best, **result}
