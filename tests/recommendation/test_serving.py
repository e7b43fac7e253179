"""Serving: the SQLite cache returns the batch lists, falls back for unknown users, and refreshes atomically."""

from __future__ import annotations

import numpy as np

from cases.recommendation.artifacts import RecData, RecDeployment, RecFeatures, RecModels
from cases.recommendation.serving import RecommendationCache, encode_lists, time_lookups


def test_cache_lookup_fallback_and_refresh(tmp_path):
    cache = RecommendationCache(tmp_path / "recs.sqlite")
    cache.refresh(["u1", "u2"], ["s1,s2", "s3"], "s9,s8")
    assert cache.lookup("u1") == (["s1", "s2"], False)
    assert cache.lookup("nobody") == (["s9", "s8"], True)
    cache.refresh(["u2"], ["s4"], "s7")  # the next refresh replaces everything
    assert cache.lookup("u1") == (["s7"], True)
    assert cache.lookup("u2") == (["s4"], False)
    latency, fallbacks = time_lookups(cache, ["u2", "x", "y"])
    assert fallbacks == 2 and (latency > 0).all()
    cache.close()


def test_encode_lists_drops_padding():
    ids = np.array(["a", "b", "c"], dtype=object)
    assert encode_lists(np.array([[2, 0, -1], [-1, -1, -1]]), ids) == ["c,a", ""]


def test_case_serving_meets_the_lookup_budget(small_run, small_ctx):
    s = small_run.records["deployment"]
    assert s.p99_ms <= 5.0 and s.p99_ms <= s.sla_ms
    assert s.extra["served_model"] == small_run.records["models"].best
    assert s.extra["lookup_matches_batch"] and s.extra["unknown_user_gets_fallback"]
    assert s.extra["fallback_responses"] > 0 and s.extra["batch_refresh_s"] > 0
    assert (small_ctx.out_dir / "recommendations.sqlite").is_file()


def test_deployed_lists_are_the_best_model_on_every_user(small_run):
    data, deployed = small_run.get(RecData), small_run.get(RecDeployment)
    assert deployed.lists.shape == (len(data.users), 10)
    feats = small_run.get(RecFeatures)
    # the evaluation users' cached lists are the top 10 of the lists the ladder scored
    best = small_run.records["models"].best
    assert np.array_equal(deployed.lists[feats.eval_users], small_run.get(RecModels).recs[best][:, :10])
    assert np.array_equal(deployed.fallback_list, np.argsort(-feats.popularity, kind="stable")[:10])


def test_guardrails_are_measured_on_every_run(small_run):
    from cases.recommendation.design import DESIGN
    from framework.architecture import latency_budget

    serving, testing, ladder = (small_run.records[k] for k in ("deployment", "testing", "models"))
    measured = {**serving.guardrails.values, **testing.guardrails.values}
    assert set(measured) == {g.name for g in DESIGN.metrics.guardrails}
    assert set(serving.guardrails.details) | set(testing.guardrails.details) == set(measured)
    # API p99 = the measured lookup p99 plus the design's estimates of the other hops.
    others = latency_budget(DESIGN.architecture)[1] - DESIGN.architecture.component("rec_cache").latency_ms
    assert measured["api_p99_ms"] == serving.p99_ms + others
    assert measured["already_played_share"] == 0.0
    # Coverage is compared with the personalised rung the deployed model beat, not with popularity.
    from cases.recommendation.step_testing import runner_up

    rival = runner_up(ladder)
    assert rival is not None and rival not in (ladder.best, ladder.baseline, ladder.naive, ladder.oracle)
    coverage = {n: ladder.models[n]["catalog_coverage_at_10"] for n in (ladder.best, rival)}
    assert measured["coverage_vs_runner_up"] == coverage[ladder.best] / coverage[rival]
