"""Step 9 of the recommendation case: inject drift through the generator and check that detection sees it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from cases.recommendation import monitoring as watch
from cases.recommendation import newsongs, plots
from cases.recommendation.abtest import feed_probabilities, list_probabilities
from cases.recommendation.artifacts import RecData, RecDeployment, RecFeatures
from cases.recommendation.blocks import logged_window
from cases.recommendation.config import RecConfig
from cases.recommendation.design import DESIGN
from cases.recommendation.drifted import drifted_world
from cases.recommendation.evaluation import K, relevant_matrix
from cases.recommendation.generator import LOG_START, World
from cases.recommendation.pipeline import mask_pii
from cases.recommendation.step_testing import REAL_DATA_NOTE
from framework import metrics as fm
from framework.case import RunContext
from framework.drift import Thresholds
from framework.results import LadderResult, MonitoringResult
from framework.timeunits import SECONDS_PER_DAY

NEW_SONG_REAL_DATA = (
    "not measured on real data: a ratings file has no song release dates, so there is no warm-up of a new "
    "song's early plays to rank it by"
)
METRIC = DESIGN.metrics.primary  # the deployed lists are watched on the metric they were chosen by


def monitoring(
    ctx: RunContext[RecConfig], data: RecData, feats: RecFeatures, ladder: LadderResult, deployed: RecDeployment
) -> MonitoringResult:
    """Inject drift through the generator and check that detection fires on it and stays quiet without it."""
    thresholds = Thresholds.from_spec(DESIGN.monitoring)
    if not data.synthetic:
        return _real_monitoring(ctx.config, data, feats, ladder, thresholds)
    cfg = ctx.config
    world = data.truth()
    drifted = drifted_world(world, cfg, ctx.rng("drift"))
    start, end = world.window_s, world.window_s + int(world.window_s * cfg.test_fraction)
    pop_pct = feats.item_features["popularity_pct"].to_numpy()
    pop = feats.popularity
    warm = np.flatnonzero(feats.consumed.getnnz(axis=1) > 0)
    ages = mask_pii(drifted.users)["age_group_id"].to_numpy()
    genres = drifted.items["genre_id"].to_numpy()

    def observe(name: str, w: World, events: pd.DataFrame) -> watch.Window:
        lists = watch.deployed_lists(deployed.lists, deployed.fallback_list, w.n_users)
        consumed = watch.pad(feats.consumed, (w.n_users, w.n_items))
        relevant = relevant_matrix(events, consumed)
        users = np.flatnonzero(relevant.getnnz(axis=1) > 0)
        ndcg = fm.ndcg_at_k(lists[users], relevant[users], K)
        active = np.unique(events["user"].to_numpy())
        # Expected feed CTR of the deployed lists, with the same position bias as the A/B simulation.
        slot_p = feed_probabilities(list_probabilities(w, active, lists[active]), cfg.ab_top_slot_attention)
        ctr = float(slot_p.sum() / max((lists[active] >= 0).sum(), 1))
        watched = watch.event_features(events, genres[: w.n_items], ages[: w.n_users], pop_pct, pop, warm)
        share = watch.new_song_share(events.loc[events["clicked"], "item"].to_numpy(), pop)
        return watch.Window(name, watched, float(ndcg), ctr, share)

    # The reference quality is the deployed model's held-out score (its ranked lists, not the cached top 10).
    reference = replace(observe("reference window", world, data.test), ndcg=ladder.models[ladder.best][METRIC])
    windows, logs = {}, {}
    for name, w, stream in (("no-drift window", world, "monitor_no_drift"), ("drift window", drifted, "monitor_drift")):
        logs[name], _ = logged_window(ctx, w, f"{stream}_log", stream, f"{stream}_mess", start, end)
        windows[name] = observe(name, w, logs[name])
    quiet, drift = windows["no-drift window"], windows["drift window"]
    cold = _new_song_fallback(cfg, feats, deployed, drifted, logs["drift window"], start, reference.ndcg)
    # The drill flaw compares categorical codes as numbers (KS); the default compares category shares.
    categorical = watch.CATEGORICAL if cfg.categorical_drift_test == "shares" else ()
    quiet_table, quiet_alerts = watch.compare(reference, quiet, thresholds, cfg.new_song_share_alert, categorical)
    drift_table, drift_alerts = watch.compare(reference, drift, thresholds, cfg.new_song_share_alert, categorical)
    plots.drift(
        ctx.add_plot(
            9,
            "drift.png",
            "Feature PSI per window against the reference window (log scale) and NDCG@10 / CTR of the deployed lists.",
        ),
        {"no drift": quiet_table, "drift": drift_table},
        thresholds.psi,
        {w.name.replace(" window", ""): {"ndcg": w.ndcg, "ctr": w.ctr} for w in (reference, quiet, drift)},
    )
    return MonitoringResult(
        scenario=f"{cfg.drift_new_item_fraction:.0%} new songs, taste shift {cfg.drift_taste_shift:.0%} toward a "
        f"trending genre, {cfg.drift_new_user_fraction:.0%} burst of young new users. Before = the deployed "
        f"model's held-out {METRIC}; a window without drift scores {quiet.ndcg:.3f} and raises "
        f"{_count(len(quiet_alerts), 'alert')}. {drift.new_song_share:.1%} of the drift window's clicks go to songs "
        f"without a training click (no-drift window: {quiet.new_song_share:.1%}; retrain above "
        f"{cfg.new_song_share_alert:.0%}). New-song fallback: {cold['new_song_fallback']}. CTR before "
        f"({reference.ctr:.4g}) is the expected click rate of the cached top-{K} lists of the users active in "
        "the held-out window, with the A/B position bias; the A/B's treatment CTR counts the clicks of a sample "
        "of simulated users, so the two differ by sampling noise. Alert rule of the feature table: a feature "
        f"alerts when its PSI exceeds {thresholds.psi:g} (numeric and categorical) or, numeric only, its KS "
        f"statistic exceeds {thresholds.ks:g}. Both are effect sizes that do not grow with the sample; a p-value "
        "does, so the KS and chi-square p-values are reported, not alerted on (at this many events even a tiny "
        "shift would be significant). The like-for-like baseline of the drop is the no-drift window's "
        f"{METRIC}, {quiet.ndcg:.3f}, against {drift.ndcg:.3f} with drift. No model retrained on the drift "
        "window is scored here, so how much of the drop a retrain recovers is not measured.",
        feature_drift=drift_table,
        metric=METRIC,
        metric_before=reference.ndcg,
        metric_after=drift.ndcg,
        alerts=drift_alerts,
        thresholds=thresholds.as_dict(),
        extra={
            "reference_ndcg": reference.ndcg,
            "no_drift_ndcg": quiet.ndcg,
            "no_drift_alerts": [a.message for a in quiet_alerts],
            "drift_feature_alerts": sum(a.kind == "feature" for a in drift_alerts),
            "no_drift_feature_drift": quiet_table,
            "ctr_reference": reference.ctr,
            "ctr_no_drift": quiet.ctr,
            "ctr_drift": drift.ctr,
            "new_song_share_alert": cfg.new_song_share_alert,
            "new_song_click_share": drift.new_song_share,
            "new_song_click_share_no_drift": quiet.new_song_share,
            "new_user_event_share": float(drift.features["new_user"].mean()),
            **cold,
        },
    )


def _count(n: int, noun: str) -> str:
    """``n`` and the noun, plural when it needs one ("no alerts", "1 alert", "3 alerts")."""
    return f"no {noun}s" if n == 0 else f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _new_song_fallback(
    cfg: RecConfig,
    feats: RecFeatures,
    deployed: RecDeployment,
    w: World,
    events: pd.DataFrame,
    start_s: int,
    before: float,
) -> dict[str, float | str]:
    """New-song cold start on the drift window: NDCG@10 of the cached lists with and without new-song slots.

    The first ``new_song_warmup_days`` of the window are the warm-up whose plays rank the new songs;
    both lists are scored on the rest of the window, on the same users. ``before`` (the held-out
    NDCG@10 before the drift) gives the share of the drop the fallback wins back.
    """
    warmup, rest = newsongs.split_warmup(
        events, int(LOG_START.astype(np.int64)) + start_s, int(cfg.new_song_warmup_days * SECONDS_PER_DAY)
    )
    fallback = newsongs.fit_fallback(warmup, feats.clicks, w.items["genre_id"].to_numpy(), w.n_users, K)
    consumed = watch.pad(feats.consumed, (w.n_users, w.n_items))
    lists = watch.deployed_lists(deployed.lists, deployed.fallback_list, w.n_users)
    without, with_fallback, users = newsongs.ndcg_with_and_without(lists, fallback, relevant_matrix(rest, consumed), K)
    measured: dict[str, float | str] = {
        "new_song_warmup_days": cfg.new_song_warmup_days,
        "new_song_warmup_click_share": fallback.new_click_share,
        "new_song_slots": fallback.slots,
        "new_song_scored_users": users,
        "new_song_ndcg_without_fallback": without,
        "new_song_ndcg_with_fallback": with_fallback,
    }
    recovered = (with_fallback - without) / (before - without) if before > without else 0.0
    summary = (
        f"after a {cfg.new_song_warmup_days:g}-day warm-up, {fallback.new_click_share:.0%} of clicks go to new "
        f"songs, so they take the bottom {fallback.slots} slot(s) of every list, ranked by their plays within the "
        f"user's genres: NDCG@10 on the drift window after the {cfg.new_song_warmup_days:g}-day warm-up (not the "
        f"whole window of the before/after figure) goes from {without:.3f} to {with_fallback:.3f}, "
        f"{recovered:.0%} of the drop from {before:.3f} before the drift"
    )
    return {**measured, "new_song_drop_recovered": recovered, "new_song_fallback": summary}


def _real_monitoring(
    cfg: RecConfig, data: RecData, feats: RecFeatures, ladder: LadderResult, thresholds: Thresholds
) -> MonitoringResult:
    """Real data has no generator to drift: compare the held-out split with training as a no-drift sanity check.

    Songs rated only in the held-out split are counted as a new-song share, not drift: a random
    split of a long-tail catalogue always puts some rare songs only there.
    """
    pop_pct = feats.item_features["popularity_pct"].to_numpy()
    pop = feats.popularity
    ndcg = ladder.models[ladder.best][METRIC]

    def window(name: str, frame: pd.DataFrame) -> watch.Window:
        item = frame["item"].to_numpy()
        seen = pop[item] > 0
        values = {"rating": frame["rating"].to_numpy(float), "song_popularity_pct": pop_pct[item[seen]]}
        return watch.Window(name, values, ndcg, None, watch.new_song_share(item, pop))

    held_out = window("held-out split", data.test)
    table, alerts = watch.compare(window("train split", data.train), held_out, thresholds, cfg.new_song_share_alert)
    return MonitoringResult(
        scenario=f"drift injection {REAL_DATA_NOTE}; the held-out split is compared with training as a "
        f"no-drift sanity check. {held_out.new_song_share:.1%} of held-out ratings are of songs without a "
        f"training rating (retrain above {cfg.new_song_share_alert:.0%})",
        feature_drift=table,
        metric=METRIC,
        metric_before=ndcg,
        metric_after=float("nan"),  # no drift was injected: there is no "after" to measure (null in metrics.json)
        alerts=alerts,
        thresholds=thresholds.as_dict(),
        extra={
            "drift_simulation": REAL_DATA_NOTE,
            "new_song_click_share": held_out.new_song_share,
            "new_song_share_alert": cfg.new_song_share_alert,
            "new_song_fallback": NEW_SONG_REAL_DATA,
        },
    )
