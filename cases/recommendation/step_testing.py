"""Step 7 of the recommendation case: behavioural checks, slice metrics, the A/B plan and its simulation."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.stats import norm

from cases.recommendation import abtest, ann, behaviour, exploration, feedback, listening, plots, retrieval
from cases.recommendation.artifacts import RecData, RecFeatures, RecModels
from cases.recommendation.config import RecConfig
from cases.recommendation.design import DESIGN
from cases.recommendation.evaluation import K
from cases.recommendation.generator import STREAM_SECONDS, World
from cases.recommendation.models import ImplicitALS, recommend
from framework import metrics as fm
from framework.abtest import (
    ALPHA,
    POWER,
    design_effect,
    difference_test,
    ratio_ci,
    two_proportion_sample_size,
    whole_weeks,
)
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
    n_cold = int((consumed.getnnz(axis=1) == 0).sum())
    cold = np.flatnonzero(consumed.getnnz(axis=1) == 0)[:PROBE_USERS]
    probes = cold if len(cold) else np.arange(min(PROBE_USERS, consumed.shape[0]))
    sample = users[:INVARIANCE_USERS]
    checks = [
        behaviour.no_consumed(trained.recs[best], consumed[users], best),
        behaviour.cold_start(model, fb, probes, consumed.shape[1], best, _cold_untestable(data, n_cold)),
        behaviour.one_genre(model, data.items["genre_id"].to_numpy(), feats.popularity, fb, best)
        if data.synthetic  # real ratings files have no genres: probe with one clicked item instead
        else behaviour.one_item(model, feats.clicks, trained.recs[ladder.baseline][0], best),
        behaviour.batch_invariance(model, sample, consumed[sample], fb, ctx.rng("behaviour"), best),
    ]
    plan, ab, explored = (
        _ab_test(ctx, data, feats, trained, ladder) if data.synthetic else (*_ab_plan(ctx.config, ladder), {})
    )
    return TestingResult(
        behavioural=checks,
        slices={
            **slices(feats, trained, ladder),
            **reach(ladder),
            **_two_stage(ctx.config, feats, trained, ladder),
            **_ann(ctx, feats, trained),
            **explored,
        },
        ab_test=ab,
        ab_plan=plan,
        guardrails=_coverage_guardrail(ladder),
    )


def _cold_untestable(data: RecData, n_cold: int) -> str:
    """Why the cold-start check cannot be made as specified on this data ("" when it can)."""
    if data.synthetic:
        return ""
    cold = f"only {n_cold:,} users have no training rating" if n_cold else "every user keeps a training rating"
    return f"a ratings file has no user segments (no age or location, so one global segment) and {cold}"


def runner_up(ladder: LadderResult) -> str | None:
    """The best personalised rung that was not deployed (ALS's rival item-CF, or the other way round)."""
    rivals = [n for n in ladder.models if n not in (ladder.best, ladder.naive, ladder.baseline, ladder.oracle)]
    if not rivals:
        return None
    return max(rivals, key=lambda n: ladder.models[n][ladder.decision_metric])  # NDCG@10: higher is better


REACH_SLICE = "accuracy vs catalogue reach"
EDGE_SLICE = "NDCG@10 edge over the runner-up (paired bootstrap)"


def reach(ladder: LadderResult) -> dict[str, dict[str, dict[str, float]]]:
    """The deployed model against the personalised runner-up: what its NDCG@10 edge costs in catalogue reach."""
    rival = runner_up(ladder)
    if rival is None:
        return {}
    diff = next((c for c in ladder.comparisons if c.model == rival), None)
    rows = {}
    for label, name in (("deployed", ladder.best), ("runner-up", rival)):
        m = ladder.models[name]
        rows[label] = {
            "ndcg_at_10": m["ndcg_at_10"],
            "catalog_coverage_at_10": m["catalog_coverage_at_10"],
            "popularity_bias_at_10": m["popularity_bias_at_10"],
        }
    rows["deployed minus runner-up"] = {k: rows["deployed"][k] - rows["runner-up"][k] for k in rows["deployed"]}
    out = {REACH_SLICE: rows}
    if diff is not None:  # the paired bootstrap of step 6, deployed minus runner-up
        out[EDGE_SLICE] = {
            "deployed minus runner-up": {
                "difference": -diff.difference,
                "ci_95_low": -diff.high,
                "ci_95_high": -diff.low,
            }
        }
    return out


def slices(feats: RecFeatures, trained: RecModels, ladder: LadderResult) -> dict[str, dict[str, dict[str, float]]]:
    """NDCG@10 of the baseline, the deployed model and the oracle per bucket of training clicks per user."""
    users = feats.eval_users
    n_train = feats.consumed[users].getnnz(axis=1)
    rel = feats.relevant[users]
    # Every rung but the naive one: the baseline, both personalised models (deployed or not) and the oracle.
    shown = [n for n in ladder.models if n != ladder.naive and n in trained.recs]
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
    if ladder.best == RETRIEVER:  # ALS ranks the pool it retrieved: its top-10 is in every pool by construction
        table = {row: {k: v for k, v in cols.items() if k != "deployed_top10_in_pool"} for row, cols in table.items()}
    return {RETRIEVAL_SLICE: table} if table else {}


def _ann(ctx: RunContext[RecConfig], feats: RecFeatures, trained: RecModels) -> dict[str, dict[str, dict[str, float]]]:
    """An IVF index over the ALS item factors against exact top-N, on the retrieval users who have a history."""
    cfg, als = ctx.config, trained.fitted[RETRIEVER]
    if not isinstance(als, ImplicitALS):  # the index holds ALS item factors; another retriever has none
        return {}
    users = feats.eval_users[: cfg.retrieval_users]
    history = feats.consumed[users]
    warm = history.getnnz(axis=1) > 0  # users without history get the segment fallback, not a vector query
    n_items = history.shape[1]
    pools = [n for n in cfg.retrieval_sizes if n < n_items] or [max(1, n_items // 4)]
    if not warm.any():
        return {}
    table = ann.ann_table(
        als.fold_in(history[warm]),
        als.item_factors_,
        history[warm].toarray() > 0,
        feats.relevant[users][warm],
        pools[0],
        cfg.ann_cells,
        cfg.ann_nprobes,
        int(ctx.rng("ann_index").integers(0, 2**31 - 1)),
    )
    return {ann.ANN_SLICE: table}


def _coverage_guardrail(ladder: LadderResult) -> Measured:
    """Catalogue coverage of the deployed lists relative to the personalised runner-up's (the filter-bubble guardrail).

    Against popularity (one list for everyone) any personalised model passes; the real choice is
    between the two personalised rungs, so the deployed one is compared with the one it beat.
    """
    rival = runner_up(ladder) or ladder.baseline
    best, other = ladder.models[ladder.best], ladder.models[rival]
    cov, cov_other = best["catalog_coverage_at_10"], other["catalog_coverage_at_10"]
    ratio = cov / cov_other if cov_other else 0.0
    return Measured(
        values={"coverage_vs_runner_up": ratio},
        details={
            "coverage_vs_runner_up": f"share of the catalogue in at least one top-10 list: {ladder.best} "
            f"{cov:.1%} against {rival} {cov_other:.1%} (popularity bias {best['popularity_bias_at_10']:.3f} "
            f"against {other['popularity_bias_at_10']:.3f}) on the held-out users"
        },
    )


def edge_reading(ladder: LadderResult) -> str:
    """The deployed model against the runner-up on NDCG@10, from the decision rule's point of view.

    The runner-up is the best personalised rung not deployed. When it scores higher, the deployed
    model won a tie (the paired interval contains zero, so the simpler rung is kept): that is said
    as such, never as a negative "edge" of the deployed model.
    """
    rival = runner_up(ladder)
    diff = next((c for c in ladder.comparisons if c.model == rival), None)
    if rival is None or diff is None:
        return f"{ladder.best} was deployed with no personalised runner-up to compare it with"
    edge, low, high = -diff.difference, -diff.high, -diff.low  # deployed minus runner-up
    if edge >= 0:
        return (
            f"{ladder.best} was deployed for an NDCG@10 edge of {edge:+.4f} over the runner-up {rival} "
            f"(paired bootstrap interval {low:+.4f} to {high:+.4f})"
        )
    return (
        f"{ladder.best} was deployed although the runner-up {rival} scores {-edge:.4f} higher on NDCG@10 "
        f"({rival} minus {ladder.best}: paired bootstrap interval {-high:+.4f} to {-low:+.4f}, which contains "
        f"zero): the decision rule keeps the simpler rung when the data cannot tell the two apart, so {rival}'s "
        "higher score is not an edge this run can show"
    )


def _size(cfg: RecConfig, ctr: float, icc: float, impressions_per_user: float) -> tuple[float, int, int, float]:
    """Design effect, users per arm, whole-week days and the users per arm as a share of one day's active users.

    Days are the traffic needed at ``ab_traffic_share`` of daily users per arm, rounded up to
    whole weeks (weekly listening seasonality).
    """
    per_impression = two_proportion_sample_size(ctr, ctr * (1 + cfg.ab_min_detectable_lift), ALPHA, POWER)
    deff = design_effect(impressions_per_user, icc)
    per_arm = math.ceil(per_impression * deff / impressions_per_user)
    daily_users = DESIGN.problem.constraints.daily_active_users
    days = whole_weeks(per_arm, cfg.ab_traffic_share * daily_users)
    return deff, per_arm, days, per_arm / daily_users


def _impressions_reading(cfg: RecConfig, impressions: float, days: int, simulated: bool = True) -> str:
    """Why the plan's impressions per user differ from the design's traffic, and which way it biases the plan.

    ``simulated`` is False on real data: nothing is simulated there, the impressions are the config's assumption.
    """
    loads = DESIGN.problem.constraints.requests_per_user_per_day
    source = (
        f"come from the simulated sessions ({cfg.ab_sessions_per_user:g} feed views of {K} slots per user over "
        "the test)"
        if simulated
        else f"are assumed, not measured ({cfg.ab_sessions_per_user:g} feed views of {K} slots per user, the "
        "config's ab_sessions_per_user: a ratings file logs no impressions and nothing is simulated on it)"
    )
    basis = "the simulated sessions" if simulated else "that assumption"
    return (
        f"The plan's {impressions:.1f} impressions per user {source}, not from the "
        f"design's {loads:g} feed loads a day x {K} slots "
        f"({loads * K * days:,.0f} over {days} days); more impressions per user raise the design effect but need "
        f"fewer users, so sizing on {basis} over-states the users needed"
    )


def _ab_plan(cfg: RecConfig, ladder: LadderResult) -> tuple[AbPlan, dict[str, Any]]:
    """Real data: no clicks to simulate; the test is sized on an assumed feed CTR and within-user correlation."""
    impressions = cfg.ab_sessions_per_user * K
    deff, per_arm, days, share = _size(cfg, cfg.ab_assumed_ctr, cfg.ab_assumed_icc, impressions)
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
        "edge_reading": edge_reading(ladder),
        "impressions_per_user": impressions,
        "impressions_reading": _impressions_reading(cfg, impressions, days, simulated=False),
        "design_effect": deff,
        "per_arm_users": per_arm,
        "days": days,
        "daily_user_share_per_arm": share,
        "ctr_definitions": "on real data only one, assumed: a ratings file logs no impressions, so the plan "
        f"uses a feed CTR of {cfg.ab_assumed_ctr:.1%} per slot shown and a within-user correlation of "
        f"{cfg.ab_assumed_icc:g}",
        "icc_reading": "with no pre-period to measure it, the plan assumes a within-user correlation of clicks "
        f"of {cfg.ab_assumed_icc:g}",
        "lift_reading": "on real data there is none: a ratings file has no true click probabilities to draw from",
        "exploration_reading": "The cost and reach of an exploration slot are measured on synthetic data only: "
        "the CTR of a random song needs true click probabilities",
        "stream_seconds": STREAM_SECONDS,
        "feedback_reading": "the loop is simulated on synthetic data only: it needs true click probabilities "
        "to draw the clicks of lists no one has seen yet",
        "music_reading": "clicks are only the proxy, and streams and skips need listen durations that a ratings "
        "file does not have: the plan tracks them as secondary metrics",
    }
    return plan, table


def _ab_test(
    ctx: RunContext[RecConfig], data: RecData, feats: RecFeatures, trained: RecModels, ladder: LadderResult
) -> tuple[AbPlan, dict[str, Any], dict[str, dict[str, dict[str, float]]]]:
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
    treatment_song_p = abtest.list_probabilities(world, everyone, treatment_lists)
    treatment_p = abtest.feed_probabilities(treatment_song_p, cfg.ab_top_slot_attention)
    # A pre-period of today's feed gives the control CTR and the within-user correlation the plan needs.
    pre_clicks, pre_impressions = abtest.feed_views(control_p, cfg.ab_sessions_per_user, ctx.rng("ab_preperiod"))
    pre_ctr = float(pre_clicks.sum() / max(pre_impressions.sum(), 1))
    icc_measured = abtest.intra_user_correlation(pre_clicks, pre_impressions)
    # Simulated users share no mood, device or day effects, so the measured correlation is near 0; real
    # users' clicks are more alike than that, so the plan never assumes less than a conservative floor.
    icc = max(icc_measured, cfg.ab_icc_floor)
    impressions = float(pre_impressions.mean())
    deff, per_arm, days, share = _size(cfg, pre_ctr, icc, impressions)
    logged_ctr = float(data.train["clicked"].mean()) if len(data.train) else 0.0
    control = (
        f"today's production feed (the app that wrote the training logs: songs drawn in proportion to the "
        f"user's affinity, {cfg.explore:.0%} at random)"
    )
    # The test population: 2 x per_arm users drawn from the synthetic user base, half in each arm.
    rng = ctx.rng("ab_assignment")
    population = rng.integers(0, world.n_users, 2 * per_arm)
    treated = np.zeros(2 * per_arm, dtype=bool)
    treated[rng.permutation(2 * per_arm)[:per_arm]] = True
    per_slot, ab_impressions = abtest.simulate_slots(
        control_p[population], treatment_p[population], treated, cfg.ab_sessions_per_user, ctx.rng("ab_clicks")
    )
    result = abtest.analyse(per_slot, ab_impressions, treated)
    music = listening.music_table(
        world, population, treated, per_slot, ab_impressions, treatment_song_p, cfg.explore, ctx.rng("listens")
    )
    explored = _exploration(
        ctx, world, feats, trained, ladder.best, population, treated, treatment_lists, treatment_p, result
    )
    explored[listening.MUSIC_SLICE] = music
    loop = _feedback_loop(ctx, world, feats)
    if loop:
        explored[feedback.FEEDBACK_SLICE] = loop
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
        "logged_ctr_per_logged_impression": logged_ctr,
        "pre_period_ctr_per_slot_shown": pre_ctr,
        "intra_user_correlation_measured": icc_measured,
        "intra_user_correlation_used": icc,
        "edge_reading": edge_reading(ladder),
        "impressions_per_user": impressions,
        "impressions_reading": _impressions_reading(cfg, impressions, days),
        "design_effect": deff,
        "per_arm_users": per_arm,
        "days": days,
        "daily_user_share_per_arm": share,
        **{k: v for k, v in result.items() if k not in ("lift_rel", "p_value", "significant_at_5pct")},
        "lift_relative": f"{result['lift_rel']:+.1%}",
        "p_value": abtest.p_text(result["p_value"]),
        "significant_at_alpha": "yes" if result["significant_at_5pct"] else "no",
        "ctr_definitions": f"the logs' {logged_ctr:.1%} counts clicks per logged impression of the old feed, a song "
        f"put in front of the user and seen; the A/B CTR counts clicks per slot of a {K}-song list, where the top slot "
        f"is looked at {cfg.ab_top_slot_attention:.0%} of the time and lower ones less, so the plan is sized on the "
        f"pre-period CTR of today's feed measured that same way, {pre_ctr:.2%}",
        "icc_reading": f"simulated users' clicks are almost independent (measured within-user correlation "
        f"{icc_measured:.5f}); real users' clicks are not (mood, device, time of day), so the plan assumes a "
        f"conservative floor of {icc:g}"
        if icc > icc_measured
        else f"from the within-user correlation of clicks measured on the pre-period, {icc:.4f}",
        "exploration_reading": exploration_reading(explored[exploration.EXPLORATION_SLICE]),
        "music_reading": listening.music_reading(music),
        "feedback_reading": feedback.feedback_reading(loop)
        if loop
        else "the loop was not simulated in this run (feedback_rounds = 0)",
        "stream_seconds": STREAM_SECONDS,
        "lift_reading": f"the simulated lift of {result['lift_rel']:+.1%} is far above a real test's few percent: "
        "clicks are drawn from the generator's own true probabilities, which the treatment's model was fit to, "
        "with no novelty effect, no gap between logged and live exposure, and a control that fills slots in "
        "proportion to affinity rather than ranking its best songs first",
    }
    return plan, table, explored


def _feedback_loop(ctx: RunContext[RecConfig], world: World, feats: RecFeatures) -> dict[str, dict[str, float]]:
    """A few rounds of ALS retrained on its own logged clicks, without exploration and with each exploration slot."""
    cfg = ctx.config
    if cfg.feedback_rounds == 0:
        return {}
    users = np.arange(min(cfg.feedback_users, world.n_users))
    seed = int(ctx.rng("feedback_model").integers(0, 2**31 - 1))

    def make_model() -> ImplicitALS:
        return ImplicitALS(
            cfg.als_factors, cfg.als_regularization, cfg.als_alpha, cfg.feedback_als_iterations, random_state=seed
        )

    return feedback.feedback_table(
        world,
        users,
        feats.clicks[users],
        make_model,
        cfg.feedback_rounds,
        K,
        cfg.ab_sessions_per_user,
        cfg.ab_top_slot_attention,
        int(ctx.rng("feedback_clicks").integers(0, 2**31 - 1)),
    )


def _exploration(
    ctx: RunContext[RecConfig],
    world: World,
    feats: RecFeatures,
    trained: RecModels,
    best: str,
    population: np.ndarray,
    treated: np.ndarray,
    lists: np.ndarray,
    list_p: np.ndarray,
    ab: dict[str, float],
) -> dict[str, dict[str, dict[str, float]]]:
    """The A/B treatment arm (deployed top-10) against an exploration arm of the same size, on the sized sample.

    The baseline row *is* the A/B test's treatment arm: same users, same click draw, so its CTR is
    the treatment CTR of the A/B table. The exploration arm is the sample's other half (the A/B
    control users) served the deployed top-9 plus, in the last slot, a random song outside the
    user's history, with its own click draw. NDCG@10 is the offline metric on the held-out users
    with the slot replaced the same way; exposure coverage is the share of the catalogue shown to
    at least one user of the arm (so it is counted over the arm's users, not the held-out users).
    """
    cfg, rng = ctx.config, ctx.rng("explore_slot")
    base_users, explore_users = population[treated], population[~treated]
    served = exploration.explore_slot(lists[explore_users], explore_users, feats.consumed, rng)
    slot_p = exploration.pair_probabilities(world, explore_users, served[:, -1])
    explored_p = list_p[explore_users].copy()
    explored_p[:, -1] = slot_p * abtest.slot_attention(K, cfg.ab_top_slot_attention)[-1]
    clicks, impressions = abtest.feed_views(explored_p, cfg.ab_sessions_per_user, ctx.rng("explore_clicks"))
    ctr, se, lo, hi = ratio_ci(clicks, impressions)
    base_se = (ab["treatment_ctr_ci_high"] - ab["treatment_ctr_ci_low"]) / (2 * norm.ppf(0.975))
    diff = difference_test(ab["treatment_ctr"], base_se, ctr, se)
    result = {
        "control_ctr": ab["treatment_ctr"],
        "control_ctr_ci_low": ab["treatment_ctr_ci_low"],
        "control_ctr_ci_high": ab["treatment_ctr_ci_high"],
        "treatment_ctr": ctr,
        "treatment_ctr_ci_low": lo,
        "treatment_ctr_ci_high": hi,
        "lift_abs_ci_low": diff["ci_low"],
        "lift_abs_ci_high": diff["ci_high"],
        "lift_rel": (ctr - ab["treatment_ctr"]) / ab["treatment_ctr"] if ab["treatment_ctr"] > 0 else float("nan"),
    }
    users, rel = feats.eval_users, feats.relevant[feats.eval_users]
    offline = exploration.explore_slot(trained.recs[best][:, :K], users, feats.consumed, rng)
    n_items = feats.consumed.shape[1]
    # Thompson slot: the same users as the epsilon arm, posteriors from the logged impressions and clicks per song.
    ts_rng, seen = ctx.rng("thompson_slot"), feats.consumed.toarray() > 0
    shown = feats.item_features[["n_clicks", "n_impressions"]].to_numpy(dtype=np.float64)
    ts_served = exploration.thompson_slot(lists[explore_users], explore_users, seen, shown[:, 0], shown[:, 1], ts_rng)
    ts_offline = exploration.thompson_slot(trained.recs[best][:, :K], users, seen, shown[:, 0], shown[:, 1], ts_rng)
    ts_p = list_p[explore_users].copy()
    ts_p[:, -1] = (
        exploration.pair_probabilities(world, explore_users, ts_served[:, -1])
        * abtest.slot_attention(K, cfg.ab_top_slot_attention)[-1]
    )
    ts_clicks, ts_impressions = abtest.feed_views(ts_p, cfg.ab_sessions_per_user, ctx.rng("thompson_clicks"))
    ts_ctr, ts_se, ts_lo, ts_hi = ratio_ci(ts_clicks, ts_impressions)
    ts_diff = difference_test(ab["treatment_ctr"], base_se, ts_ctr, ts_se)
    result.update({"thompson_ctr": ts_ctr, "thompson_ctr_ci_low": ts_lo, "thompson_ctr_ci_high": ts_hi})
    rows: dict[str, dict[str, float]] = {}
    for label, arm, recs, ranked in (
        ("deployed top-10", "control", lists[base_users], trained.recs[best][:, :K]),
        ("top-9 + exploration slot", "treatment", served, offline),
        ("top-9 + Thompson slot", "thompson", ts_served, ts_offline),
    ):
        coverage = exploration.exposure_coverage(recs, n_items)
        rows[label] = {
            "simulated_ctr": result[f"{arm}_ctr"],
            "ctr_ci_low": result[f"{arm}_ctr_ci_low"],
            "ctr_ci_high": result[f"{arm}_ctr_ci_high"],
            "ndcg_at_10": float(np.nanmean(fm.ndcg_per_user(ranked, rel, K))),
            "exposure_coverage": coverage,
            "songs_exposed": round(coverage * n_items),
        }
    a = rows["deployed top-10"]
    rows["with minus without"] = _minus(
        rows["top-9 + exploration slot"], a, result["lift_abs_ci_low"], result["lift_abs_ci_high"]
    )
    ts_lift = (ts_ctr - a["simulated_ctr"]) / a["simulated_ctr"] if a["simulated_ctr"] > 0 else float("nan")
    rows["Thompson minus without"] = _minus(rows["top-9 + Thompson slot"], a, ts_diff["ci_low"], ts_diff["ci_high"])
    for label, lift in (
        ("deployed top-10", 0.0),
        ("top-9 + exploration slot", result["lift_rel"]),
        ("top-9 + Thompson slot", ts_lift),
    ):
        rows[label]["ctr_relative_to_deployed"] = lift
    rows["with minus without"]["ctr_relative_to_deployed"] = result["lift_rel"]
    rows["Thompson minus without"]["ctr_relative_to_deployed"] = ts_lift
    return {exploration.EXPLORATION_SLICE: rows}


def exploration_reading(rows: dict[str, dict[str, float]]) -> str:
    """The exploration-slot table in one sentence, for the notes."""
    a, b, d = rows["deployed top-10"], rows["top-9 + exploration slot"], rows["with minus without"]
    c, t = rows["top-9 + Thompson slot"], rows["Thompson minus without"]
    return (
        f"On the sized A/B sample, the deployed top-10 (the A/B treatment arm itself, same users and clicks) exposes "
        f"{a['exposure_coverage']:.1%} of the catalogue ({a['songs_exposed']:,.0f} songs) among that arm's users "
        f"(the offline catalogue coverage counts the held-out users' lists instead); giving the last slot "
        f"to a random song outside the user's history, for the other half of the sample, exposes "
        f"{b['exposure_coverage']:.1%}. The price: feed CTR "
        f"{a['simulated_ctr']:.2%} -> {b['simulated_ctr']:.2%} ({d['ctr_relative_to_deployed']:+.1%}, interval of "
        f"the difference {d['ctr_ci_low']:+.4f} to {d['ctr_ci_high']:+.4f}) and offline NDCG@10 "
        f"{a['ndcg_at_10']:.4f} -> {b['ndcg_at_10']:.4f}. A Thompson slot instead (each song's click rate a Beta "
        f"posterior from the logged impressions, the highest draw among random candidates outside the history "
        f"takes the slot), on the same users: exposes {c['exposure_coverage']:.1%}, feed CTR "
        f"{c['simulated_ctr']:.2%} ({t['ctr_relative_to_deployed']:+.1%} against the deployed top-10, interval of "
        f"the difference {t['ctr_ci_low']:+.4f} to {t['ctr_ci_high']:+.4f}), offline NDCG@10 {c['ndcg_at_10']:.4f}"
    )


def _minus(arm: dict[str, float], base: dict[str, float], ci_low: float, ci_high: float) -> dict[str, float]:
    """An exploration arm minus the deployed feed, with the CTR difference's interval from the A/B analysis."""
    diff = {k: arm[k] - base[k] for k in ("simulated_ctr", "ndcg_at_10", "exposure_coverage", "songs_exposed")}
    return {"simulated_ctr": diff.pop("simulated_ctr"), "ctr_ci_low": ci_low, "ctr_ci_high": ci_high, **diff}
