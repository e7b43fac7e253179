"""Step 8 of the recommendation case: batch-refresh every user's list into the SQLite cache and time lookups."""

from __future__ import annotations

import time

import numpy as np

from cases.recommendation.artifacts import RecData, RecDeployment, RecFeatures, RecModels
from cases.recommendation.config import RecConfig
from cases.recommendation.design import DESIGN
from cases.recommendation.evaluation import K
from cases.recommendation.models import recommend
from cases.recommendation.serving import RecommendationCache, encode_lists, time_lookups
from framework.case import RunContext
from framework.results import LadderResult, ServingResult

WARM_UP_LOOKUPS = 20


def deployment(
    ctx: RunContext[RecConfig], data: RecData, feats: RecFeatures, trained: RecModels, ladder: LadderResult
) -> tuple[ServingResult, RecDeployment]:
    """Batch-refresh every user's list into the SQLite cache and time lookups, unknown users included."""
    cfg, best, consumed = ctx.config, ladder.best, feats.consumed
    user_ids = data.users["user_id"].to_numpy(dtype=object)
    song_ids = data.items["song_id"].to_numpy(dtype=object).astype(str)
    start = time.perf_counter()
    lists = recommend(trained.fitted[best], np.arange(len(user_ids)), consumed, K, fallback=trained.fallback)
    scored = time.perf_counter()
    fallback_list = np.argsort(-feats.popularity, kind="stable")[:K]
    cache = RecommendationCache(ctx.out_dir / "recommendations.sqlite")
    cache.refresh(list(user_ids), encode_lists(lists, song_ids), ",".join(song_ids[fallback_list]))
    refresh_s = time.perf_counter() - start
    rng = ctx.rng("serving")
    n = cfg.serving_requests
    unknown = rng.random(n) < cfg.unknown_request_fraction
    requests = np.where(
        unknown, "unknown-" + np.arange(n).astype(str).astype(object), user_ids[rng.integers(0, len(user_ids), n)]
    ).tolist()
    for uid in requests[:WARM_UP_LOOKUPS]:  # warm the page cache and the statement cache; not timed
        cache.lookup(uid)
    latency, fallbacks = time_lookups(cache, requests)
    probe = int(rng.integers(0, len(user_ids)))
    got, _ = cache.lookup(str(user_ids[probe]))
    unknown_got, unknown_fb = cache.lookup("never-seen-user")
    cache.close()
    budget = DESIGN.architecture.component("rec_cache").latency_ms
    record = ServingResult(
        p50_ms=float(np.percentile(latency, 50)),
        p99_ms=float(np.percentile(latency, 99)),
        sla_ms=DESIGN.problem.constraints.latency_sla_ms,
        requests=n,
        extra={
            "served_model": best,
            "cache_budget_ms": budget,
            "lookup_p99_within_cache_budget": bool(np.percentile(latency, 99) <= budget),
            "fallback_responses": int(fallbacks),
            "cached_users": len(user_ids),
            "batch_refresh_s": round(refresh_s, 4),
            "batch_scoring_s": round(scored - start, 4),
            "cache_write_s": round(refresh_s - (scored - start), 4),
            "lookup_matches_batch": got == [str(x) for x in song_ids[lists[probe][lists[probe] >= 0]]],
            "unknown_user_gets_fallback": bool(unknown_fb and unknown_got == list(song_ids[fallback_list])),
        },
    )
    return record, RecDeployment(lists=lists, fallback_list=fallback_list)
