"""Item-CF's block-wise sparse build: the dense formula's neighbours, and no songs x songs matrix in memory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from scipy import sparse

from cases.recommendation.config import peak_bytes
from cases.recommendation.models import ItemKNN

ROOT = Path(__file__).resolve().parents[2]


def dense_reference(clicks: sparse.csr_matrix, neighbours: int) -> np.ndarray:
    """The old build: dense cosine, zero diagonal, top neighbours per row kept."""
    binary = (clicks > 0).astype(float)
    co = (binary.T @ binary).toarray()
    norms = np.sqrt(np.diag(co))
    sim = co / np.maximum(np.outer(norms, norms), 1e-12)
    np.fill_diagonal(sim, 0.0)
    cut = np.argpartition(-sim, neighbours - 1, axis=1)[:, neighbours:]
    np.put_along_axis(sim, cut, 0.0, axis=1)
    return sim


def test_blocks_give_the_dense_neighbours_and_scores():
    rng = np.random.default_rng(0)
    clicks = sparse.csr_matrix((rng.random((300, 120)) < 0.08) * rng.integers(1, 4, (300, 120)), dtype=float)
    expected = dense_reference(clicks, 15)
    for block in (7, 64, 1000):
        model = ItemKNN(15, block_items=block).fit(clicks)
        assert sparse.issparse(model.similarity_) and model.similarity_.getnnz(axis=1).max() <= 15
        assert np.array_equal(model.similarity_.toarray(), expected)
        users = np.arange(50)
        dense_scores = (clicks[:50] > 0).astype(float) @ expected + model.tiebreak_
        assert np.array_equal(model.score(users, clicks[:50]), dense_scores)


def test_a_large_catalogue_never_holds_a_dense_songs_x_songs_matrix():
    """5k songs (scaled down from the benchmark's 20k) in a fresh process: peaks measured, not assumed."""
    out = subprocess.run(
        [sys.executable, "benchmarks/itemcf_memory.py", "--items", "5000", "--users", "8000", "--block", "256"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    figures = {line[:25].strip(): float(line[25:].split()[0]) for line in out.splitlines()[1:-1]}
    dense = figures["one dense songs x songs"]
    assert figures["fit allocations (peak)"] < 0.5 * dense  # a songs x songs float64 matrix never existed
    assert figures["peak RSS after fit"] < 2.0  # GiB
    assert "within 2 GiB peak RSS: yes" in out


def test_peak_estimate_grows_linearly_in_songs_for_item_cf():
    # Above EASE's limit only item-CF's blocks and kept neighbours scale with the catalogue: no n_items^2 term.
    small, big = (peak_bytes(1000, n, 1e5, 16, 200) for n in (20_000, 40_000))
    assert big - small < 1.05 * (small - peak_bytes(1000, 0, 1e5, 16, 200))
