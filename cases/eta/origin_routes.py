"""Free-flow routes without the dense tables: one compiled Dijkstra per distinct origin, in chunks of origins."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

# Origins per Dijkstra call: bounds the (origins x nodes) distance and predecessor arrays (~40 MB at 25,600 nodes).
ORIGIN_CHUNK = 256


class OriginRouter:
    """Shortest free-flow routes from a sparse graph: memory per segment, not per node pair.

    The dense next-hop table is nodes x nodes (5 GB of int64 at 25,600 nodes, and 25,600 networkx
    Dijkstra runs to fill it); this router runs scipy's compiled Dijkstra from the queried origins only.

    Attributes:
        n_nodes: intersections.
        graph: free-flow seconds as a CSR matrix (row: from node, column: to node).
    """

    def __init__(self, segments: pd.DataFrame, n_nodes: int) -> None:
        src = segments["from_node"].to_numpy(np.int64)
        dst = segments["to_node"].to_numpy(np.int64)
        self.n_nodes = n_nodes
        self.graph = csr_matrix((segments["free_flow_s"].to_numpy(np.float64), (src, dst)), shape=(n_nodes, n_nodes))
        keys = src * n_nodes + dst
        order = np.argsort(keys)
        self._keys, self._segments = keys[order], segments["segment_id"].to_numpy(np.int64)[order]
        # Two-way streets make reachability symmetric: then it is "same strong component", no search needed.
        reverse = np.sort(dst * n_nodes + src)
        self._symmetric = bool(np.array_equal(reverse, self._keys))
        self._component = connected_components(self.graph, directed=True, connection="strong")[1]

    def reachable(self, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
        """True where a route exists from origin to a different destination."""
        o = np.asarray(origins, dtype=np.int64)
        d = np.asarray(destinations, dtype=np.int64)
        if self._symmetric:
            return (o != d) & (self._component[o] == self._component[d])
        return (o != d) & (self.routes(o, d) >= 0).any(axis=1)

    def routes(self, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
        """``(n, L)`` segment ids of each pair's free-flow shortest route, right-padded with -1."""
        o = np.asarray(origins, dtype=np.int64)
        d = np.asarray(destinations, dtype=np.int64)
        unique, inverse = np.unique(o, return_inverse=True)
        backward: list[np.ndarray] = []
        owner: list[np.ndarray] = []
        for lo in range(0, unique.size, ORIGIN_CHUNK):  # chunks of origins, not rows: bounded memory
            chunk = unique[lo : lo + ORIGIN_CHUNK]
            _, pred = dijkstra(self.graph, directed=True, indices=chunk, return_predecessors=True)
            rows = np.flatnonzero((inverse >= lo) & (inverse < lo + chunk.size))
            backward.append(self._walk_back(pred, inverse[rows] - lo, d[rows], o[rows]))
            owner.append(rows)
        width = max((b.shape[1] for b in backward), default=0)
        back = np.full((len(o), width), -1, dtype=np.int64)
        for rows, b in zip(owner, backward, strict=True):
            back[rows, : b.shape[1]] = b
        return _reverse_rows(back)

    def _walk_back(self, pred: np.ndarray, row: np.ndarray, dest: np.ndarray, origin: np.ndarray) -> np.ndarray:
        """Segments from each destination back to its origin (last segment first), one hop per step for all."""
        cur = dest.copy()
        steps: list[np.ndarray] = []
        while True:  # one iteration per hop of the longest route, all routes at once
            prev = pred[row, cur]
            active = (cur != origin) & (prev >= 0)
            if not active.any():
                break
            seg = np.full(len(cur), -1, dtype=np.int64)
            seg[active] = self._segments[np.searchsorted(self._keys, prev[active] * self.n_nodes + cur[active])]
            steps.append(seg)
            cur = np.where(active, prev, cur)
        return np.column_stack(steps) if steps else np.empty((len(cur), 0), dtype=np.int64)


def _reverse_rows(back: np.ndarray) -> np.ndarray:
    """Reverse the valid (non -1) prefix of every row: last-segment-first becomes first-segment-first."""
    length = (back >= 0).sum(axis=1)
    pos = length[:, None] - 1 - np.arange(back.shape[1])[None, :]
    out = np.take_along_axis(back, np.maximum(pos, 0), axis=1)
    return np.where(pos >= 0, out, -1)
