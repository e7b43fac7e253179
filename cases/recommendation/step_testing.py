"""Step 7 of the recommendation case: behavioural checks, slice metrics, the A/B plan and its simulation."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from cases.recommendation import abtest, behaviour, plots, retrieval
from cases.recommendation.artifacts import RecData, RecFeatures, RecModels
from cases.recommendation.config import RecConfig
from cases.recommendation.design import DESIGN
from cases.recommendation.evaluation import K
from cases.recommendation.models import recommend
from framework import metrics as fm
from framework.abtest import ALPHA, POWER, design_effect, two_proportion_sample_size
from framework.case import RunContext
from framework.results import AbPlan, LadderResult, Measured, TestingResult

REAL_DATA_NOTE = "not available on real data: it needs the generator's true click probabilities"
PROBE_USERS = 50
INVARIANCE_USERS = 200
RETRIEVER = "als"  # candidate generation: ALS item factors, the embedding an ANN index would hold
RETRIEVAL_SLICE = "retrieval stage: ALS top-N candidates"


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
    plan, ab = _ab_test(ctx, data, feats, trained, ladder) if data.synthetic else _ab_plan(ctx.config, ladder)
    return TestingResult(
        behavioural=checks,
        slices={**slices(feats, trained, ladder), **_two_stage(ctx.config, feats, trained, ladder)},
        ab_test=ab,
        ab_plan=plan,
        guardrails=_coverage_guardrail(ladder),
    )


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


def _two_stage(
    cfg: RecConfig, feats: RecFeatures, trained: RecModels, ladder: LadderResult
) -> dict[str, dict[str, dict[str, float]]]:
    """Recall@N of ALS candidate generation for the first evaluation users, and the ranking it leaves room for."""
    users = feats.eval_users[: cfg.retrieval_users]
    order = np.arange(len(users))  # eval users come first in trained.recs, in the same order
    table = retrieval.retrieval_table(
        trained.fitted[RETRIEVER],
        users,
        feats.consumed[users],
        feats.relevant[users],
        trained.recs[ladder.best][order],
        cfg.retrieval_sizes,
        K,
        ideal=trained.fitted[ladder.oracle] if ladder.oracle else None,
        fallback=trained.fallback,
    )
    return {RETRIEVAL_SLICE: table} if table else {}


def _coverage_guardrail(ladder: LadderResult) -> Measured:
    """Catalogue coverage of the deployed lists relative to the popularity baseline's (the filter-bubble guardrail)."""
    best, base = ladder.models[ladder.best], ladder.models[ladder.baseline]
    ratio = best["catalog_coverage_at_10"] / base["catalog_coverage_at_10"] if base["catalog_coverage_at_10"] else 0.0
    return Measured(
        values={"coverage_vs_popularity": ratio},
        details={
            "coverage_vs_popularity": f"catalog_coverage_at_10 of {ladder.best} "
            f"({best['catalog_coverage_at_10']:.3f}) / {ladder.baseline}'s ({base['catalog_coverage_at_10']:.3f}) "
            "on the held-out users"
        },
    )


def _size(cfg: RecConfig, ctr: float, icc: float, impressions_per_user: float) -> tuple[float, int, int]:
    """Design effect, users per arm and whole-week days of a test that detects the chosen relative CTR lift."""
    per_impression = two_proportion_sample_size(ctr, ctr * (1 + cfg.ab_min_detectable_lift), ALPHA, POWER)
    deff = design_effect(impressions_per_user, icc)
    per_arm = math.ceil(per_impression * deff / impressions_per_user)
    enrolled_per_day = cfg.ab_traffic_share * DESIGN.problem.constraints.daily_active_users
    return deff, per_arm, abtest.weeks_of_traffic(per_arm, enrolled_per_day)


def _ab_plan(cfg: RecConfig, ladder: LadderResult) -> tuple[AbPlan, dict[str, Any]]:
    """Real data: no clicks to simulate; the test is sized on an assumed feed CTR and within-user correlation."""
    impressions = cfg.ab_sessions_per_user * K
    deff, per_arm, days = _size(cfg, cfg.ab_assumed_ctr, cfg.ab_assumed_icc, impressions)
    control = f"{ladder.baseline} (a ratings file does not say what runs today; the baseline stands in)"
    plan = AbPlan(
        metric="click-through rate",
        control=control,
        treatment=ladder.best,
        unit="user",
        minimum_detectable_effect=cfg.ab_min_detectable_lift,
        relative=True,
        alpha=ALPHA,
        power=POWER,
        design_effect=deff,
        per_arm=per_arm,
        days=days,
    )
    table: dict[str, Any] = {
        "status": f"A/B simulation {REAL_DATA_NOTE}",
        "control": control,
        "treatment": ladder.best,
        "randomisation_unit": "user",
        "minimum_detectable_lift": cfg.ab_min_detectable_lift,
        "assumed_control_ctr": cfg.ab_assumed_ctr,
        "assumed_intra_user_correlation": cfg.ab_assumed_icc,
        "impressions_per_user": impressions,
        "design_effect": deff,
        "per_arm_users": per_arm,
        "days": days,
    }
    return plan, table


def _ab_test(
    ctx: RunContext[RecConfig], data: RecData, feats: RecFeatures, trained: RecModels, ladder: LadderResult
) -> tuple[AbPlan, dict[str, Any]]:
    """Size the test on a pre-period of today's feed, then simulate that many users per arm against the truth.

    Control is today's production feed (the app that wrote the logs); treatment the deployed
    model's cached lists. A looked-at slot is clicked with the true probability; the chance a
    slot is looked at falls with its position, which puts feed CTRs at a few percent.
    """
    cfg, world = ctx.config, data.truth()
    everyone = np.arange(world.n_users)
    attention = abtest.slot_attention(K, cfg.ab_top_slot_attention)
    control_p = abtest.production_slot_probability(world, everyone, cfg.explore)[:, None] * attention[None, :]
    treatment_lists = recommend(trained.fitted[ladder.best], everyone, feats.consumed, K, fallback=trained.fallback)
    treatment_p = abtest.feed_probabilities(
        abtest.list_probabilities(world, everyone, treatment_lists), cfg.ab_top_slot_attention
    )
    # A pre-period of today's feed gives the control CTR and the within-user correlation the plan needs.
    pre_clicks, pre_impressions = abtest.feed_views(control_p, cfg.ab_sessions_per_user, ctx.rng("ab_preperiod"))
    pre_ctr = float(pre_clicks.sum() / max(pre_impressions.sum(), 1))
    icc = abtest.intra_user_correlation(pre_clicks, pre_impressions)
    impressions = float(pre_impressions.mean())
    deff, per_arm, days = _size(cfg, pre_ctr, icc, impressions)
    control = (
        f"today's production feed (the app that wrote the training logs: songs drawn in proportion to the "
        f"user's affinity, {cfg.explore:.0%} at random)"
    )
    # The test population: 2 x per_arm users drawn from the synthetic user base, half in each arm.
    rng = ctx.rng("ab_assignment")
    population = rng.integers(0, world.n_users, 2 * per_arm)
    treated = np.zeros(2 * per_arm, dtype=bool)
    treated[rng.permutation(2 * per_arm)[:per_arm]] = True
    result = abtest.simulate(
        control_p[population], treatment_p[population], treated, cfg.ab_sessions_per_user, ctx.rng("ab_clicks")
    )
    plots.ab_result(
        ctx.add_plot(7, "ab_test.png", "Simulated A/B test: CTR per arm with 95% confidence intervals."),
        result,
        "today's feed",
        ladder.best,
    )
    plan = AbPlan(
        metric="click-through rate",
        control=control,
        treatment=ladder.best,
        unit="user",
        minimum_detectable_effect=cfg.ab_min_detectable_lift,
        relative=True,
        alpha=ALPHA,
        power=POWER,
        design_effect=deff,
        per_arm=per_arm,
        days=days,
        simulated_per_arm=int(min(treated.sum(), (~treated).sum())),
    )
    table: dict[str, Any] = {
        "control": control,
        "treatment": ladder.best,
        "randomisation_unit": "user",
        "minimum_detectable_lift": cfg.ab_min_detectable_lift,
        "pre_period_ctr": pre_ctr,
        "intra_user_correlation": icc,
        "impressions_per_user": impressions,
        "design_effect": deff,
        "per_arm_users": per_arm,
        "days": days,
        **result,
    }
    return plan, table
