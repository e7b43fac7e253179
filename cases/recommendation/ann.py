"""An IVF approximate nearest-neighbour index over ALS item factors, measured against exact top-N retrieval."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse

ANN_SLICE = "ANN retrieval: IVF index over ALS item factors vs exact top-N"


@dataclass(frozen=True)
class IVFIndex:
    """Inverted-file index: a k-means coarse quantiser and, per cell, the songs assigned to it.

    Attributes:
        centroids: ``(n_cells, f)`` cell centres.
        cells: ``(n_cells, max_cell)`` song ids of each cell, -1 padded.
        vectors: ``(n_items, f)`` the indexed item factors.
    """

    centroids: np.ndarray
    cells: np.ndarray
    vectors: np.ndarray

    @classmethod
    def build(cls, vectors: np.ndarray, n_cells: int, seed: int) -> IVFIndex:
        """Cluster the item vectors into ``n_cells`` cells (k-means) and list each cell's songs."""
        n_cells = max(1, min(n_cells, len(vectors)))
        centroids, label = kmeans(vectors, n_cells, np.random.default_rng(seed))
        order = np.argsort(label, kind="stable")
        sizes = np.bincount(label, minlength=n_cells)
        starts = np.r_[0, np.cumsum(sizes)[:-1]]
        slot = np.arange(len(label)) - np.repeat(starts, sizes)  # position of each song inside its cell
        cells = np.full((n_cells, max(int(sizes.max()), 1)), -1, dtype=np.int64)
        cells[label[order], slot] = order
        return cls(centroids=centroids, cells=cells, vectors=vectors)

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return len(self.centroids)

    def search(self, queries: np.ndarray, exclude: np.ndarray, n: int, nprobe: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``n`` songs by dot product among the songs of the ``nprobe`` best-matching cells of each query.

        Cells are ranked by the dot product of the query with their centre (maximum inner product,
        as retrieval scores songs); only their songs are scored.

        Args:
            queries: ``(n_queries, f)`` user factors.
            exclude: ``(n_queries, n_items)`` bool, songs never to return (the user's history).
            n: results per query.
            nprobe: cells probed per query.

        Returns:
            ``(n_queries, n)`` song ids (-1 where the probed cells hold fewer than ``n`` songs) and the
            number of songs scored per query.
        """
        nprobe = min(nprobe, self.n_cells)
        cell_scores = queries @ self.centroids.T
        probed = np.argpartition(-cell_scores, nprobe - 1, axis=1)[:, :nprobe]
        cand = self.cells[probed].reshape(len(queries), -1)  # (queries, nprobe * max_cell), -1 padded
        valid = cand >= 0
        safe = np.where(valid, cand, 0)
        scores = np.einsum("qf,qcf->qc", queries, self.vectors[safe])
        usable = valid & ~np.take_along_axis(exclude, safe, axis=1)
        scores[~usable] = -np.inf
        keep = min(n, cand.shape[1])
        top = np.argpartition(-scores, keep - 1, axis=1)[:, :keep]
        found = np.take_along_axis(cand, top, axis=1)
        found[~np.take_along_axis(usable, top, axis=1)] = -1
        if keep < n:
            found = np.hstack([found, np.full((len(found), n - keep), -1)])
        return found, valid.sum(axis=1)


def kmeans(x: np.ndarray, k: int, rng: np.random.Generator, iterations: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """Lloyd's k-means, vectorised: ``k`` distinct rows as the start, then assign / re-centre.

    Plain numpy rather than scikit-learn's KMeans: importing and fitting that costs about a second per
    run here (thread-pool start-up on a 1,200 x 16 matrix), this a few milliseconds, the same algorithm.

    Returns:
        The ``(k, f)`` centres and each row's cell.
    """
    centres = x[rng.choice(len(x), k, replace=False)].copy()
    sq = (x**2).sum(axis=1)
    label = np.zeros(len(x), dtype=np.int64)
    for _ in range(iterations):  # a fixed, small number of sweeps over the whole matrix (not a loop over rows)
        # einsum, not a BLAS call: a small product that BLAS thread start-up would dominate
        cross = np.einsum("if,kf->ik", x, centres)
        label = np.argmin(sq[:, None] - 2 * cross + (centres**2).sum(axis=1)[None, :], axis=1)
        counts = np.bincount(label, minlength=k)
        sums = sparse.csr_matrix((np.ones(len(x)), (label, np.arange(len(x)))), shape=(k, len(x))) @ x
        filled = counts > 0  # an empty cell keeps its centre
        centres[filled] = sums[filled] / counts[filled, None]
    return centres, label


def exact_top(queries: np.ndarray, vectors: np.ndarray, exclude: np.ndarray, n: int) -> np.ndarray:
    """Exact top-``n`` songs by dot product, history excluded (the reference the index is measured against)."""
    scores = queries @ vectors.T
    scores[exclude] = -np.inf
    return np.argpartition(-scores, n - 1, axis=1)[:, :n]


def overlap(found: np.ndarray, reference: np.ndarray, truth: sparse.csr_matrix | None = None) -> np.ndarray:
    """Per query, the share of ``reference`` (or of ``truth``'s songs) that ``found`` holds (-1 padding ignored)."""
    n_items = int(max(found.max(initial=0), reference.max(initial=0))) + 1
    if truth is not None:
        n_items = max(n_items, truth.shape[1])
    member = np.zeros((len(found), n_items + 1), dtype=bool)
    np.put_along_axis(member, np.where(found >= 0, found, n_items), True, axis=1)
    member = member[:, :n_items]
    if truth is None:
        return np.take_along_axis(member, reference, axis=1).mean(axis=1)
    n_rel = truth.getnnz(axis=1)
    hit = np.asarray(truth.multiply(member).sum(axis=1)).ravel()
    return np.where(n_rel > 0, hit / np.maximum(n_rel, 1), np.nan)


def probe_label(i: int, n: int) -> str:
    """Row name of the ``i``-th of ``n`` nprobe values (ascending): the ends are named so notes can quote them."""
    return "narrowest probe" if i == 0 else "widest probe" if i == n - 1 else f"probe {i + 1}"


def ann_table(
    queries: np.ndarray,
    vectors: np.ndarray,
    exclude: np.ndarray,
    relevant: sparse.csr_matrix,
    n: int,
    n_cells: int,
    nprobes: tuple[int, ...],
    seed: int,
) -> dict[str, dict[str, float]]:
    """Recall@N of IVF retrieval against exact top-N, candidates scored and query time, per nprobe.

    Args:
        queries: ``(n_queries, f)`` folded-in user factors (users with history).
        vectors: ``(n_items, f)`` ALS item factors.
        exclude: ``(n_queries, n_items)`` bool, each user's history.
        relevant: ``(n_queries, n_items)`` held-out clicks.
        n: pool size N.
        n_cells: k-means cells of the index.
        nprobes: cells probed per query, one row each (values above the number of cells are dropped).
        seed: k-means seed.

    Returns:
        ``{"exact", "narrowest probe", "probe 2", ..., "widest probe": {...}}``: nprobe, cells,
        candidates scored per query and their share of the catalogue, recall@N against exact top-N,
        recall of held-out clicks, query time per user (ms).
    """
    start = time.perf_counter()
    index = IVFIndex.build(vectors, n_cells, seed)
    build_s = time.perf_counter() - start
    n_items = len(vectors)
    start = time.perf_counter()
    exact = exact_top(queries, vectors, exclude, n)
    exact_ms = 1000 * (time.perf_counter() - start) / max(len(queries), 1)
    table = {
        "exact": {
            "nprobe": float(index.n_cells),
            "cells": float(index.n_cells),
            "N": float(n),
            "users": float(len(queries)),
            "candidates_scored_per_query": float(n_items),
            "share_of_catalogue_scored": 1.0,
            "recall_at_n_vs_exact": 1.0,
            "recall_of_held_out_clicks": float(np.nanmean(overlap(exact, exact, relevant))),
            "query_ms_per_user": exact_ms,
            "index_build_s": 0.0,
        }
    }
    probes = sorted({p for p in nprobes if p < index.n_cells})
    if len(probes) < 2:  # a catalogue too small for the asked nprobes: one cell and half of them
        probes = sorted({1, max(1, index.n_cells // 2)})
    for i, nprobe in enumerate(probes):
        start = time.perf_counter()
        found, scored = index.search(queries, exclude, n, nprobe)
        ms = 1000 * (time.perf_counter() - start) / max(len(queries), 1)
        table[probe_label(i, len(probes))] = {
            "nprobe": float(nprobe),
            "cells": float(index.n_cells),
            "N": float(n),
            "users": float(len(queries)),
            "candidates_scored_per_query": float(scored.mean()),
            "share_of_catalogue_scored": float(scored.mean() / n_items),
            "recall_at_n_vs_exact": float(overlap(found, exact).mean()),
            "recall_of_held_out_clicks": float(np.nanmean(overlap(found, exact, relevant))),
            "query_ms_per_user": ms,
            "index_build_s": build_s,
        }
    return table
