"""Serving: the SQLite cache returns the batch lists, falls back for unknown users, and refreshes atomically."""

from __future__ import annotations

import numpy as np

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


def test_case_serving_meets_the_lookup_budget(small_run):
    s = small_run.metrics["serving"]
    assert s["p99_ms"] <= 5.0 and s["within_sla"]
    assert s["lookup_matches_batch"] and s["unknown_user_gets_fallback"]
    assert s["fallback_responses"] > 0 and s["batch_refresh_s"] > 0
    assert (small_run.out_dir / "recommendations.sqlite").is_file()
