"""The IVF approximate nearest-neighbour index over ALS item factors, measured against exact top-N."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from cases.recommendation.ann import ANN_SLICE, IVFIndex, ann_table, exact_top, kmeans, overlap
from cases.recommendation.config import RecConfig


def _clustered(seed: int = 0, n: int = 600, f: int = 8) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, (12, f))
    return centres[rng.integers(0, 12, n)] + rng.normal(0, 0.5, (n, f))


def test_kmeans_assigns_every_row_to_its_nearest_centre():
    x = _clustered()
    centres, label = kmeans(x, 12, np.random.default_rng(1))
    nearest = np.argmin(((x[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
    assert (label == nearest).mean() > 0.99  # converged Lloyd: assignments and centres agree


def test_probing_every_cell_is_exact_and_history_is_never_returned():
    x = _clustered()
    queries = np.random.default_rng(2).normal(0, 1, (40, 8))
    exclude = np.zeros((40, len(x)), dtype=bool)
    exclude[:, :50] = True  # songs 0-49 are every user's history
    index = IVFIndex.build(x, 16, seed=3)
    found, scored = index.search(queries, exclude, 20, nprobe=16)
    exact = exact_top(queries, x, exclude, 20)
    assert (scored == len(x)).all()
    assert overlap(found, exact).mean() == 1.0
    assert not (found[found >= 0] < 50).any()


def test_recall_and_cost_grow_with_nprobe():
    x = _clustered()
    queries = np.random.default_rng(4).normal(0, 1, (100, 8))
    exclude = np.zeros((100, len(x)), dtype=bool)
    relevant = sparse.random(100, len(x), density=0.02, random_state=5, format="csr")
    table = ann_table(queries, x, exclude, relevant, 30, 16, (1, 2, 4, 8), seed=6)
    rows = [table[k] for k in ("narrowest probe", "probe 2", "probe 3", "widest probe")]
    recall = [r["recall_at_n_vs_exact"] for r in rows]
    cost = [r["candidates_scored_per_query"] for r in rows]
    assert recall == sorted(recall) and recall[0] < recall[-1] <= 1.0
    assert cost == sorted(cost) and cost[-1] < len(x)  # the widest probe still scores less than the catalogue
    assert table["exact"]["recall_at_n_vs_exact"] == 1.0


def test_nprobes_must_be_ascending_and_below_the_cells():
    with pytest.raises(ValueError, match="ann_nprobes"):
        RecConfig(ann_nprobes=(8,))
    with pytest.raises(ValueError, match="ann_nprobes"):
        RecConfig(ann_cells=8, ann_nprobes=(1, 8))


def test_ann_measured_on_the_run(small_run):
    table = small_run.records["testing"].slices[ANN_SLICE]
    narrow, wide, exact = table["narrowest probe"], table["widest probe"], table["exact"]
    assert (
        narrow["candidates_scored_per_query"]
        < wide["candidates_scored_per_query"]
        < exact["candidates_scored_per_query"]
    )
    assert 0 < narrow["recall_at_n_vs_exact"] < wide["recall_at_n_vs_exact"] <= 1
    assert wide["share_of_catalogue_scored"] < 1
