"""Peak memory of item-based CF on a large synthetic catalogue: the block-wise sparse build against the dense one.

Usage: ``python benchmarks/itemcf_memory.py [--items 20000] [--users 60000] [--clicks 60] [--neighbours 200]
[--block 1024]``

Builds a seeded click matrix (Zipf-popular songs, ``--clicks`` distinct songs per user), fits
``ItemKNN`` and prints the peak resident memory of the process (``ru_maxrss``) before and after
the fit, the peak of the fit's own allocations (``tracemalloc``, which numpy and scipy report to),
the stored neighbour table, and the old dense build's bytes from its formula (four songs x songs
float64 matrices: co-occurrence, similarity, the argpartition indices and a temporary; measured at
9.7 GB on 17.6k songs before this change, too big to run here). Run it as its own process: the
RSS figures are the whole interpreter's.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cases.recommendation.config import peak_bytes  # noqa: E402
from cases.recommendation.models import ItemKNN  # noqa: E402

OLD_DENSE_COPIES = 4  # the dense build's songs x songs float64 matrices alive at once
GIB = 2**30


def clicks(n_users: int, n_items: int, per_user: int, seed: int = 0) -> sparse.csr_matrix:
    """A seeded binary user x song matrix: ``per_user`` songs per user drawn with Zipf-like popularity."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, n_items + 1) ** 0.8
    items = rng.choice(n_items, size=(n_users, per_user), p=weights / weights.sum())
    rows = np.repeat(np.arange(n_users), per_user)
    m = sparse.csr_matrix((np.ones(rows.size), (rows, items.ravel())), shape=(n_users, n_items))
    m.data[:] = 1.0  # a song drawn twice for a user is one click
    return m


def rss_bytes() -> int:
    """Peak resident set size of this process so far (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(n_items: int, n_users: int, per_user: int, neighbours: int, block: int) -> dict[str, float]:
    """Fit item-CF once and return its memory figures in bytes (and the fit's seconds)."""
    matrix = clicks(n_users, n_items, per_user)
    before = rss_bytes()
    tracemalloc.start()
    start = time.perf_counter()
    model = ItemKNN(neighbours, block_items=block).fit(matrix)
    seconds = time.perf_counter() - start
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    sim = model.similarity_
    return {
        "rss_before": before,
        "rss_after": rss_bytes(),
        "fit_peak_traced": traced,
        "table": sim.data.nbytes + sim.indices.nbytes + sim.indptr.nbytes,
        "old_dense_formula": OLD_DENSE_COPIES * 8 * n_items**2,
        "one_dense_matrix": 8 * n_items**2,
        "estimate_whole_run": peak_bytes(n_users, n_items, float(matrix.nnz), 16, neighbours),
        "clicks": matrix.nnz,
        "seconds": seconds,
    }


def main(argv: list[str] | None = None) -> int:
    """Print the memory figures of one item-CF build."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=60_000)
    parser.add_argument("--clicks", type=int, default=60, help="distinct songs drawn per user")
    parser.add_argument("--neighbours", type=int, default=200)
    parser.add_argument("--block", type=int, default=1024, help="songs whose similarity rows are computed at once")
    args = parser.parse_args(argv)
    r = measure(args.items, args.users, args.clicks, args.neighbours, args.block)
    print(
        f"item-CF on {args.items:,} songs x {args.users:,} users ({r['clicks']:,} clicks), "
        f"{args.neighbours} neighbours, blocks of {args.block} songs: fit {r['seconds']:.1f} s"
    )
    print(f"peak RSS before fit      {r['rss_before'] / GIB:8.3f} GiB")
    print(f"peak RSS after fit       {r['rss_after'] / GIB:8.3f} GiB")
    print(f"fit allocations (peak)   {r['fit_peak_traced'] / GIB:8.3f} GiB   (tracemalloc)")
    print(f"kept neighbour table     {r['table'] / GIB:8.3f} GiB")
    print(f"one dense songs x songs  {r['one_dense_matrix'] / GIB:8.3f} GiB   (never allocated now)")
    print(f"old dense build, formula {r['old_dense_formula'] / GIB:8.3f} GiB   ({OLD_DENSE_COPIES} such matrices)")
    print(f"config.peak_bytes (run)  {r['estimate_whole_run'] / GIB:8.3f} GiB   (whole-run estimate, EASE skipped)")
    print(f"within 2 GiB peak RSS: {'yes' if r['rss_after'] <= 2 * GIB else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
