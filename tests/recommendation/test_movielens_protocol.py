"""Ranking metrics against microsoft/recommenders' definitions by hand, and the MovieLens benchmark's protocol."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from cases.recommendation.evaluation import map_all_relevant
from framework import metrics as fm

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks" / "recommendation_movielens.py"

# Three users, k = 10. User 0: relevant {1, 3, 20}, hits at ranks 1 and 3. User 1: twelve relevant songs
# 11..22, hits at ranks 1 and 4. User 2: nothing relevant (left out of every mean, as in recommenders).
RECS = np.array(
    [
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        [11, 30, 31, 12, 32, 33, 34, 35, 36, 37],
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    ]
)
RELEVANT = [{1, 3, 20}, set(range(11, 23)), set()]


def _matrix() -> sparse.csr_matrix:
    rows = [u for u, items in enumerate(RELEVANT) for _ in items]
    cols = [i for items in RELEVANT for i in sorted(items)]
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(3, 40))


def test_precision_recall_ndcg_match_recommenders_by_hand():
    rel = _matrix()
    # precision_at_k: hits / k per user, mean over users with a relevant item
    assert fm.precision_at_k(RECS, rel, 10) == pytest.approx((2 / 10 + 2 / 10) / 2)
    # recall_at_k: hits / all the user's relevant items (not min(k, n))
    assert fm.recall_at_k(RECS, rel, 10) == pytest.approx((2 / 3 + 2 / 12) / 2)
    # ndcg_at_k, binary relevance; ideal DCG puts min(k, n) hits first. recommenders' default discount is the
    # natural log, ours log2: the base cancels in DCG / ideal DCG.
    dcg0, idcg0 = 1 / np.log(2) + 1 / np.log(4), 1 / np.log(2) + 1 / np.log(3) + 1 / np.log(4)
    dcg1, idcg1 = 1 / np.log(2) + 1 / np.log(5), sum(1 / np.log(i + 1) for i in range(1, 11))
    assert fm.ndcg_at_k(RECS, rel, 10) == pytest.approx((dcg0 / idcg0 + dcg1 / idcg1) / 2)


def test_their_map_and_map_at_k_by_hand():
    rel = _matrix()
    # AP numerator: precision at the rank of each hit. User 0: 1/1 + 2/3; user 1: 1/1 + 2/4.
    num0, num1 = 1 + 2 / 3, 1 + 2 / 4
    # ``map`` (the benchmark table's MAP, their map_at_k before v1.2): divided by all relevant items.
    assert map_all_relevant(RECS, rel, 10) == pytest.approx((num0 / 3 + num1 / 12) / 2)
    # today's ``map_at_k`` and this case's map_at_10: divided by min(k, relevant items).
    assert fm.map_at_k(RECS, rel, 10) == pytest.approx((num0 / 3 + num1 / 10) / 2)


def _bench():
    spec = importlib.util.spec_from_file_location("recommendation_movielens", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stratified_split_is_per_user_75_25_and_seeded():
    bench = _bench()
    ratings = pd.DataFrame({"user": np.repeat([0, 1, 2], [4, 8, 10]), "item": np.r_[0:4, 0:8, 0:10]})
    train, test = bench.stratified_split(ratings, 0.75, 42)
    assert train.groupby("user").size().tolist() == [3, 6, 8]  # round(0.75 n) per user
    assert len(pd.concat([train, test]).drop_duplicates()) == len(ratings)
    again, _ = bench.stratified_split(ratings, 0.75, 42)
    assert train.equals(again)


def test_benchmark_runs_on_a_tiny_invented_file(tmp_path):
    rng = np.random.default_rng(0)
    users = np.repeat(np.arange(1, 61), 12)
    items = np.concatenate([rng.choice(20, 12, replace=False) + 1 + 20 * (u % 2) for u in range(60)])
    rows = pd.DataFrame({"u": users, "i": items, "r": 4, "t": 880000000 + np.arange(len(users))})
    path = tmp_path / "u.data"
    rows.to_csv(path, sep="\t", header=False, index=False)
    out = subprocess.run(
        [sys.executable, str(BENCH), str(path)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=True
    ).stdout
    assert "per-user stratified 75/25 split seed 42" in out and "ease: lambda" in out
    assert "BiVAE" in out and "popularity P@10" in out
    missing = subprocess.run([sys.executable, str(BENCH), str(tmp_path / "nope")], capture_output=True, text=True)
    assert missing.returncode == 2 and missing.stderr.startswith("error: ") and "Traceback" not in missing.stderr
