"""Steps 4-9 of the recommendation case: data, features, model ladder, testing, deployment, monitoring."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from cases.recommendation import abtest, behaviour, plots
from cases.recommendation import monitoring as watch
from cases.recommendation.cleaning import clean, deserialize
from cases.recommendation.design import DESIGN
from cases.recommendation.evaluation import CURVE_K, K, evaluate, per_user_ndcg, pr_curve, relevant_matrix
from cases.recommendation.generator import (
    LOG_START,
    World,
    drifted_world,
    make_world,
    simulate_events,
    to_json_lines,
)
from cases.recommendation.loader import check_memory, check_split, index_ratings, read_ratings, split_per_user
from cases.recommendation.models import (
    BATCH_USERS,
    HeldOutOracle,
    ImplicitALS,
    ItemKNN,
    PopularityRecommender,
    ProbabilityOracle,
    RandomRecommender,
    SegmentPopularity,
    recommend,
)
from cases.recommendation.pipeline import click_matrix, feature_vectors, item_features, mask_pii, user_features
from cases.recommendation.serving import RecommendationCache, encode_lists, time_lookups
from framework import metrics as fm
from framework.case import CaseSteps, RunContext
from framework.errors import BadInput
from framework.results import DataResult, LadderResult, MonitoringResult, ServingResult, TestingResult

REAL_DATA_NOTE = "not available on real data: it needs the generator's true click probabilities"
LOCATION_CODES = 8  # segment = age_group_id * LOCATION_CODES + location_id

# Alert thresholds live in the design, next to the detectors they configure.
ALERTS = DESIGN.monitoring


def _seed(ctx: RunContext, stream: str) -> int:
    """An integer seed for a model, drawn from its own stream."""
    return int(ctx.rng(stream).integers(0, 2**31 - 1))


# --------------------------------------------------------------------------- step 4: data


def _log_window(world: World, start_s: int, end_s: int) -> tuple[int, int]:
    base = int(LOG_START.astype(np.int64))
    return base + start_s, base + end_s


def _through_pipeline(
    events: pd.DataFrame, world: World, ctx: RunContext, stream: str, start_s: int, end_s: int
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Serialise simulated events to raw JSON lines and parse them back like production logs."""
    text, injected = to_json_lines(events, world, ctx.config, ctx.rng(stream))
    raw, parsed = deserialize(text)
    cleaned, counts = clean(
        raw, pd.Index(world.users["user_id"]), pd.Index(world.items["song_id"]), _log_window(world, start_s, end_s)
    )
    return cleaned, {**injected, **parsed, **counts}


def data(ctx: RunContext) -> DataResult:
    """Generate (or load) the click logs, clean them and split them by time."""
    if ctx.data_path is not None:
        return _real_data(ctx)
    cfg = ctx.config
    world = make_world(cfg, ctx.rng("world"))
    events = simulate_events(world, cfg, ctx.rng("logs"))
    cleaned, counts = _through_pipeline(events, world, ctx, "mess", 0, world.window_s)
    cutoff = LOG_START + np.timedelta64(int(world.window_s * (1 - cfg.test_fraction)), "s")
    train = cleaned[cleaned["timestamp"] < cutoff].reset_index(drop=True)
    test = cleaned[cleaned["timestamp"] >= cutoff].reset_index(drop=True)
    for name, part in (("training", train), ("held-out", test)):
        if not part["clicked"].any():  # too few events for this seed: say which knobs give more
            raise BadInput(
                f"the {name} window has no clicks; raise impressions_per_user or n_users (or move test_fraction)"
            )
    ctx.state.update(
        mode="synthetic",
        world=world,
        users=world.users,
        items=world.items,
        train=train,
        test=test,
        n_genres=cfg.n_genres,
    )
    summary = {
        "source": "synthetic JSON click logs",
        "users": world.n_users,
        "songs": world.n_items,
        **counts,
        "split_at": str(cutoff),
        "train_clicks": int(train["clicked"].sum()),
        "test_clicks": int(test["clicked"].sum()),
    }
    return DataResult(train=train, test=test, time_column="timestamp", summary=summary)


def _real_data(ctx: RunContext) -> DataResult:
    ratings, warnings = read_ratings(ctx.data_path)
    events, users, items = index_ratings(ratings)
    check_memory(ctx.data_path, len(ratings), len(users), len(items), ctx.config.als_factors)
    train, test = split_per_user(events, ctx.rng("split"))
    check_split(train, test, ctx.data_path)
    ctx.state.update(mode="real", world=None, users=users, items=items, train=train, test=test, n_genres=0)
    summary = {
        "source": ctx.data_path.name,
        "ratings": len(ratings),
        "users": len(users),
        "songs": len(items),
        "split": "per-user stratified random 75/25",
        "warnings": warnings,
    }
    return DataResult(train=train, test=test, time_column=None, summary=summary)


# --------------------------------------------------------------------------- step 5: features


def features(ctx: RunContext) -> dict[str, Any]:
    """PII-masked user features, song features and the user-song click matrix, from training only."""
    s = ctx.state
    users, items, train = s["users"], s["items"], s["train"]
    n_users, n_items = len(users), len(items)
    if s["mode"] == "synthetic":
        masked = mask_pii(users)
        segment = masked["age_group_id"].to_numpy() * LOCATION_CODES + masked["location_id"].to_numpy()
    else:
        masked, segment = users, np.full(n_users, -1)
    uf = user_features(train, masked, items, s["n_genres"])
    itf = item_features(train, items)
    uvec, ivec = feature_vectors(uf, itf)
    clicks = click_matrix(train, n_users, n_items, binary=False)
    consumed = click_matrix(train, n_users, n_items)
    relevant = relevant_matrix(s["test"], consumed)
    eval_users = np.flatnonzero(relevant.getnnz(axis=1) > 0)
    if not len(eval_users):  # every held-out click repeats a training click: nothing to score
        raise BadInput(
            "no user clicked a song in the held-out window that was not already clicked in training; "
            + ("use a file with more ratings per user" if s["mode"] == "real" else "raise test_fraction or n_items")
        )
    s.update(
        user_features=uf,
        item_features=itf,
        clicks=clicks,
        consumed=consumed,
        relevant=relevant,
        eval_users=eval_users,
        segment=segment,
        popularity=np.asarray(clicks.sum(axis=0)).ravel(),
    )
    return {
        "user_feature_columns": int(uf.shape[1]),
        "user_vector_dim": int(uvec.shape[1]),
        "song_vector_dim": int(ivec.shape[1]),
        "raw_age_in_features": "age" in uf.columns,
        "segments": int(len(np.unique(segment[segment >= 0]))),
        "train_clicked_pairs": int(consumed.nnz),
        "matrix_density": float(consumed.nnz / max(n_users * n_items, 1)),
        "eval_users": int(len(eval_users)),
        "cold_start_eval_users": int((consumed[eval_users].getnnz(axis=1) == 0).sum()),
        "relevant_per_eval_user": float(relevant.nnz / max(len(eval_users), 1)),
    }


# --------------------------------------------------------------------------- step 6: models


def models(ctx: RunContext) -> LadderResult:
    """Fit the ladder, recommend to every evaluation user, and score it at k=10."""
    cfg, s = ctx.config, ctx.state
    clicks, users = s["clicks"], s["eval_users"]
    history, relevant = s["consumed"][users], s["relevant"][users]
    fallback = SegmentPopularity().fit(clicks, s["segment"])
    oracle = (
        ProbabilityOracle(s["world"].click_probability) if s["mode"] == "synthetic" else HeldOutOracle(s["relevant"])
    )
    ladder = {
        "random": (RandomRecommender(_seed(ctx, "random_model")), None),
        "popularity": (PopularityRecommender(), None),
        "item_cf": (ItemKNN(cfg.knn_neighbours), fallback),
        "als": (
            ImplicitALS(
                cfg.als_factors,
                cfg.als_regularization,
                cfg.als_alpha,
                cfg.als_iterations,
                random_state=_seed(ctx, "als"),
            ),
            fallback,
        ),
        "oracle": (oracle, None),
    }
    results, curves, recs, fitted, fit_s = {}, {}, {}, {}, {}
    for name, (model, fb) in ladder.items():  # five models: the ladder itself
        start = time.perf_counter()
        fitted[name] = model.fit(clicks)
        recs[name] = recommend(model, users, history, CURVE_K, fallback=fb)
        fit_s[name] = round(time.perf_counter() - start, 3)
        results[name] = evaluate(recs[name], relevant, s["popularity"])
        curves[name] = pr_curve(recs[name], relevant)
    best = max((n for n in results if n != "oracle"), key=lambda n: results[n]["ndcg_at_10"])
    plots.precision_recall_at_k(
        ctx.add_plot(
            6, "precision_recall_at_k.png", "Precision and recall at k = 1..20 per model on the held-out window."
        ),
        curves,
    )
    s.update(fitted=fitted, fallback=fallback, recs=recs, best=best, fit_seconds=fit_s)
    notes = {m.name: m.description for m in DESIGN.models.ladder}
    return LadderResult(models=results, naive="random", baseline="popularity", best=best, notes=notes)


# --------------------------------------------------------------------------- step 7: testing


def _list_probabilities(world: World, users: np.ndarray, lists: np.ndarray) -> np.ndarray:
    """True click probability of every listed song (0 for padding), in batches of users."""
    out = np.zeros(lists.shape)
    for start in range(0, len(users), BATCH_USERS):
        block = lists[start : start + BATCH_USERS]
        p = world.click_probability(users[start : start + BATCH_USERS])
        out[start : start + BATCH_USERS] = np.where(block >= 0, np.take_along_axis(p, np.clip(block, 0, None), 1), 0)
    return out


def _slices(ctx: RunContext) -> dict[str, dict[str, dict[str, float]]]:
    s = ctx.state
    users, best = s["eval_users"], s["best"]
    n_train = s["consumed"][users].getnnz(axis=1)
    rel = s["relevant"][users]
    ndcg = {name: per_user_ndcg(s["recs"][name], rel) for name in dict.fromkeys(["popularity", best, "oracle"])}
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


def testing(ctx: RunContext) -> TestingResult:
    """Behavioural checks of the best model, slice metrics, and the A/B test simulated against the generator."""
    s = ctx.state
    best, users = s["best"], s["eval_users"]
    model, fb, consumed = s["fitted"][best], s["fallback"], s["consumed"]
    n_items = consumed.shape[1]
    cold = np.flatnonzero(consumed.getnnz(axis=1) == 0)[:50]
    probes = cold if len(cold) else np.arange(min(50, consumed.shape[0]))
    sample = users[:200]
    checks = [
        behaviour.no_consumed(s["recs"][best], consumed[users], best),
        behaviour.cold_start(model, fb, probes, n_items, best),
        behaviour.one_genre(model, s["items"]["genre_id"].to_numpy(), s["popularity"], fb, best)
        if s["mode"] == "synthetic"
        else behaviour.one_item(model, s["clicks"], s["recs"]["popularity"][0], best),
        behaviour.batch_invariance(model, sample, consumed[sample], fb, ctx.rng("behaviour"), best),
    ]
    return TestingResult(behavioural=checks, slices=_slices(ctx), ab_test=_ab_test(ctx))


def _ab_test(ctx: RunContext) -> dict[str, Any]:
    cfg, s = ctx.config, ctx.state
    best = s["best"]
    if s["mode"] != "synthetic":
        proxy = float(_baseline_precision(s))
        plan = {
            "status": f"A/B simulation {REAL_DATA_NOTE}",
            "control_model": "popularity",
            "treatment_model": best,
            "planned_control_rate_proxy": proxy,
            "planned_relative_lift": 0.05,
        }
        if 0 < proxy < 0.95:
            plan["planned_sample_size_per_arm"] = abtest.two_proportion_sample_size(proxy, proxy * 1.05)
        return plan
    world: World = s["world"]
    everyone = np.arange(world.n_users)
    consumed = s["consumed"]
    control = recommend(s["fitted"]["popularity"], everyone, consumed, K)
    treatment = recommend(s["fitted"][best], everyone, consumed, K, fallback=s["fallback"])
    treated = ctx.rng("ab_assignment").random(world.n_users) < 0.5
    result = abtest.simulate(
        _list_probabilities(world, everyone, control),
        _list_probabilities(world, everyone, treatment),
        treated,
        cfg.ab_sessions_per_user,
        ctx.rng("ab_clicks"),
    )
    plots.ab_result(
        ctx.add_plot(7, "ab_test.png", "Simulated A/B test: CTR per arm with 95% confidence intervals."),
        result,
        "popularity",
        best,
    )
    return {"control_model": "popularity", "treatment_model": best, **result}


def _baseline_precision(state: dict[str, Any]) -> float:
    """Precision@10 of the popularity baseline: the per-slot click-rate proxy used to plan a real A/B test."""
    return fm.precision_at_k(state["recs"]["popularity"], state["relevant"][state["eval_users"]], K)


# --------------------------------------------------------------------------- step 8: deployment


def deployment(ctx: RunContext) -> ServingResult:
    """Batch-refresh every user's list into the SQLite cache and time lookups, unknown users included."""
    cfg, s = ctx.config, ctx.state
    best, consumed = s["best"], s["consumed"]
    user_ids = s["users"]["user_id"].to_numpy(dtype=object)
    song_ids = s["items"]["song_id"].to_numpy(dtype=object).astype(str)
    start = time.perf_counter()
    lists = recommend(s["fitted"][best], np.arange(len(user_ids)), consumed, K, fallback=s["fallback"])
    scored = time.perf_counter()
    fallback_list = np.argsort(-s["popularity"], kind="stable")[:K]
    cache = RecommendationCache(ctx.out_dir / "recommendations.sqlite")
    cache.refresh(list(user_ids), encode_lists(lists, song_ids), ",".join(song_ids[fallback_list]))
    refresh_s = time.perf_counter() - start
    rng = ctx.rng("serving")
    n = cfg.serving_requests
    unknown = rng.random(n) < cfg.unknown_request_fraction
    requests = np.where(
        unknown, "unknown-" + np.arange(n).astype(str).astype(object), user_ids[rng.integers(0, len(user_ids), n)]
    ).tolist()
    for uid in requests[:20]:  # warm the page cache and the statement cache; not timed
        cache.lookup(uid)
    latency, fallbacks = time_lookups(cache, requests)
    probe = int(rng.integers(0, len(user_ids)))
    got, _ = cache.lookup(str(user_ids[probe]))
    unknown_got, unknown_fb = cache.lookup("never-seen-user")
    cache.close()
    s.update(deployed_lists=lists, fallback_list=fallback_list)
    return ServingResult(
        p50_ms=float(np.percentile(latency, 50)),
        p99_ms=float(np.percentile(latency, 99)),
        sla_ms=DESIGN.problem.constraints.latency_sla_ms,
        requests=n,
        extra={
            "served_model": best,
            "cache_budget_ms": DESIGN.architecture.component("rec_cache").latency_ms,
            "lookup_p99_within_cache_budget": bool(
                np.percentile(latency, 99) <= DESIGN.architecture.component("rec_cache").latency_ms
            ),
            "fallback_responses": int(fallbacks),
            "cached_users": len(user_ids),
            "batch_refresh_s": round(refresh_s, 4),
            "batch_scoring_s": round(scored - start, 4),
            "cache_write_s": round(refresh_s - (scored - start), 4),
            "lookup_matches_batch": got == [str(x) for x in song_ids[lists[probe][lists[probe] >= 0]]],
            "unknown_user_gets_fallback": bool(unknown_fb and unknown_got == list(song_ids[fallback_list])),
        },
    )


# --------------------------------------------------------------------------- step 9: monitoring


def monitoring(ctx: RunContext) -> MonitoringResult:
    """Inject drift through the generator and check that detection fires on it and stays quiet without it."""
    if ctx.state["mode"] != "synthetic":
        return _real_monitoring(ctx)
    cfg, s = ctx.config, ctx.state
    world: World = s["world"]
    drifted = drifted_world(world, cfg, ctx.rng("drift"))
    window = int(world.window_s * cfg.test_fraction)
    start, end = world.window_s, world.window_s + window
    pop_pct = s["item_features"]["popularity_pct"].to_numpy()
    warm = np.flatnonzero(s["consumed"].getnnz(axis=1) > 0)
    ages = mask_pii(drifted.users)["age_group_id"].to_numpy()
    genres = drifted.items["genre_id"].to_numpy()
    best = s["best"]

    def observe(name: str, w: World, events: pd.DataFrame) -> watch.Window:
        lists = watch.deployed_lists(s["deployed_lists"], s["fallback_list"], w.n_users)
        consumed = watch.pad(s["consumed"], (w.n_users, w.n_items))
        relevant = relevant_matrix(events, consumed)
        users = np.flatnonzero(relevant.getnnz(axis=1) > 0)
        ndcg = fm.ndcg_at_k(lists[users], relevant[users], K)
        active = np.unique(events["user"].to_numpy())
        ctr = float(_list_probabilities(w, active, lists[active]).sum() / max((lists[active] >= 0).sum(), 1))
        feats = watch.event_features(events, genres[: w.n_items], ages[: w.n_users], pop_pct, warm)
        return watch.Window(name, feats, float(ndcg), ctr)

    reference = observe("reference window", world, s["test"])
    reference.ndcg = _best_ndcg(s, best)
    windows = {}
    for name, w, stream in (("no-drift window", world, "monitor_no_drift"), ("drift window", drifted, "monitor_drift")):
        events = simulate_events(w, cfg, ctx.rng(stream), start_s=start, end_s=end)
        cleaned, _ = _through_pipeline(events, w, ctx, f"{stream}_mess", start, end)
        windows[name] = observe(name, w, cleaned)
    quiet_table, quiet_alerts = watch.compare(
        reference, windows["no-drift window"], ALERTS.psi_alert, ALERTS.ks_alert, ALERTS.metric_degradation_alert
    )
    drift_table, drift_alerts = watch.compare(
        reference, windows["drift window"], ALERTS.psi_alert, ALERTS.ks_alert, ALERTS.metric_degradation_alert
    )
    plots.drift(
        ctx.add_plot(
            9,
            "drift.png",
            "Feature PSI per window against the reference window (log scale) and NDCG@10 / CTR of the deployed lists.",
        ),
        {"no drift": quiet_table, "drift": drift_table},
        ALERTS.psi_alert,
        {w.name.replace(" window", ""): {"ndcg": w.ndcg, "ctr": w.ctr} for w in (reference, *windows.values())},
    )
    d = windows["drift window"]
    return MonitoringResult(
        scenario=f"{cfg.drift_new_item_fraction:.0%} new songs, taste shift {cfg.drift_taste_shift:.0%} toward a "
        f"trending genre, {cfg.drift_new_user_fraction:.0%} burst of young new users; compared with a window "
        "without drift",
        feature_drift=drift_table,
        metric="ndcg_at_10",
        metric_before=windows["no-drift window"].ndcg,
        metric_after=d.ndcg,
        alerts=drift_alerts,
        thresholds={"psi": ALERTS.psi_alert, "ks": ALERTS.ks_alert, "metric_drop": ALERTS.metric_degradation_alert},
        extra={
            "reference_ndcg": reference.ndcg,
            "no_drift_alerts": quiet_alerts,
            "no_drift_feature_drift": quiet_table,
            "ctr_reference": reference.ctr,
            "ctr_no_drift": windows["no-drift window"].ctr,
            "ctr_drift": d.ctr,
            "new_song_click_share": float(d.features["new_song"].mean()),
            "new_user_event_share": float(d.features["new_user"].mean()),
        },
    )


def _best_ndcg(state: dict[str, Any], best: str) -> float:
    """NDCG@10 of the best model on the held-out window (the reference the monitored windows are compared to)."""
    return fm.ndcg_at_k(state["recs"][best], state["relevant"][state["eval_users"]], K)


def _real_monitoring(ctx: RunContext) -> MonitoringResult:
    s = ctx.state
    pop_pct = s["item_features"]["popularity_pct"].to_numpy()
    ndcg = _best_ndcg(s, s["best"])

    def window(name: str, frame: pd.DataFrame) -> watch.Window:
        feats = {"rating": frame["rating"].to_numpy(float), "song_popularity_pct": pop_pct[frame["item"].to_numpy()]}
        return watch.Window(name, feats, ndcg, None)

    table, alerts = watch.compare(
        window("train split", s["train"]),
        window("held-out split", s["test"]),
        ALERTS.psi_alert,
        ALERTS.ks_alert,
        ALERTS.metric_degradation_alert,
    )
    return MonitoringResult(
        scenario=f"drift injection {REAL_DATA_NOTE}; the held-out split is compared with training as a "
        "no-drift sanity check",
        feature_drift=table,
        metric="ndcg_at_10",
        metric_before=ndcg,
        metric_after=ndcg,
        alerts=alerts,
        thresholds={"psi": ALERTS.psi_alert, "ks": ALERTS.ks_alert, "metric_drop": ALERTS.metric_degradation_alert},
        extra={"drift_simulation": REAL_DATA_NOTE},
    )


STEPS = CaseSteps(
    data=data, features=features, models=models, testing=testing, deployment=deployment, monitoring=monitoring
)
