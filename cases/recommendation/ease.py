"""EASE (Steck 2019): a closed-form item-item model, its L2 penalty tuned on a validation split of training."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import linalg, sparse
from threadpoolctl import threadpool_limits

from cases.recommendation.config import EASE_COPIES, EASE_MAX_ITEMS
from cases.recommendation.models import recommend
from framework import metrics as fm

LAMBDA_GRID = (100.0, 200.0, 400.0, 800.0, 1600.0)
VALIDATION_FRACTION = 0.2  # of each user's training songs, held out to pick lambda
MAX_ITEMS = EASE_MAX_ITEMS  # songs x songs float64 matrices: about 2.2 GiB at its peak at this size
TUNE_K = 10
TUNE_USERS = 1000  # validation users scored per lambda at most (a seeded sample): bounds the tuning time
EDGE_STEPS = 3  # extra penalties tried past an edge of the grid when the best sits on it (same ratio)
ONE_THREAD_ITEMS = 3000  # catalogues up to this size are inverted on one BLAS thread


def memory_bytes(n_items: int) -> int:
    """Peak bytes of the songs x songs matrices of one EASE fit."""
    return EASE_COPIES * 8 * n_items**2


def skip_reason(n_items: int, max_items: int | None = None) -> str | None:
    """Why EASE cannot run on a catalogue this size (above ``max_items``, default :data:`MAX_ITEMS`), or None."""
    limit = MAX_ITEMS if max_items is None else max_items
    if n_items <= limit:
        return None
    return (
        f"skipped: EASE inverts a songs x songs matrix, {n_items:,} songs need about "
        f"{memory_bytes(n_items) / 2**30:.1f} GiB (above the {limit:,}-song limit of this run)"
    )


def _binary(clicks: sparse.spmatrix) -> sparse.csr_matrix:
    out = sparse.csr_matrix(clicks, dtype=np.float64, copy=True)
    out.eliminate_zeros()
    out.data[:] = 1.0
    return out


def ease_weights(binary: sparse.csr_matrix, l2: float) -> np.ndarray:
    """Steck's closed form: ``B = I - P diag(1/diag(P))`` with ``P = (X'X + l2 I)^-1``, zero diagonal.

    Args:
        binary: ``(n_users, n_items)`` binary training matrix X.
        l2: the L2 penalty lambda.

    Returns:
        ``(n_items, n_items)`` item-item weights B (``B[i, j]``: how much song i votes for song j).
    """
    # X'X is symmetric, so its transpose is the same matrix in Fortran order: LAPACK then inverts it in place.
    gram = np.asarray((binary.T @ binary).todense(), dtype=np.float64).T
    gram[np.diag_indices_from(gram)] += l2
    # LAPACK's inverse gains little from threads at a few thousand songs and loses badly when the cores are
    # busy (measured: 0.12 s on one thread against 0.7-1.8 s on two at 1,200 songs), so small ones use one.
    with threadpool_limits(1 if len(gram) <= ONE_THREAD_ITEMS else None, user_api="blas"):
        p = linalg.inv(gram, overwrite_a=True, check_finite=False)  # in place: one songs x songs matrix, not three
    del gram
    p /= -np.diag(p).copy()[None, :]  # B_ij = -P_ij / P_jj off the diagonal
    p[np.diag_indices_from(p)] = 0.0
    return p


def validation_split(
    binary: sparse.csr_matrix, fraction: float, rng: np.random.Generator
) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Hold out a random ``fraction`` of each user's songs (rounded down, so one-song users keep theirs).

    Returns:
        ``(fit, held_out)``, both binary and the shape of ``binary``.
    """
    coo = binary.tocoo()
    order = np.lexsort((rng.random(coo.nnz), coo.row))  # users in order, songs shuffled within each user
    counts = np.bincount(coo.row, minlength=binary.shape[0])
    first = np.repeat(np.cumsum(counts) - counts, counts)  # where each user's block starts in ``order``
    rank = np.empty(coo.nnz, dtype=np.int64)
    rank[order] = np.arange(coo.nnz) - first
    held = rank < np.floor(fraction * counts[coo.row])
    shape = binary.shape

    def part(mask: np.ndarray) -> sparse.csr_matrix:
        return sparse.csr_matrix((coo.data[mask], (coo.row[mask], coo.col[mask])), shape=shape)

    return part(~held), part(held)


class EASE:
    """Embarrassingly Shallow Autoencoder (Steck 2019): score = X B, B from one matrix inverse.

    With ``l2=None`` the penalty is picked from ``grid`` by NDCG@10 on a validation split carved
    from the training clicks only (a random share of each user's songs; at most ``TUNE_USERS`` users
    scored), then B is refitted on all of training with the chosen value.

    Args:
        l2: a fixed L2 penalty, or None to tune it.
        grid: penalties tried when tuning.
        validation_fraction: share of each user's training songs held out for tuning.
        random_state: seed of the validation split.
    """

    def __init__(
        self,
        l2: float | None = None,
        grid: tuple[float, ...] = LAMBDA_GRID,
        validation_fraction: float = VALIDATION_FRACTION,
        random_state: int = 0,
    ):
        self.l2 = l2
        self.grid = grid
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    def fit(self, clicks: sparse.csr_matrix) -> EASE:
        """Tune lambda on a validation split of ``clicks`` when not fixed, then fit B on all of ``clicks``."""
        binary = _binary(clicks)
        self.validation_ndcg_: dict[float, float] = {}
        if self.l2 is None:
            self.validation_ndcg_ = self.tune(binary)
            best = max(self.validation_ndcg_.values())
            self.l2_ = min(lam for lam, v in self.validation_ndcg_.items() if v == best)  # ties: smallest
        else:
            self.l2_ = float(self.l2)
        self.weights_ = ease_weights(binary, self.l2_)
        return self

    def tune(self, binary: sparse.csr_matrix) -> dict[float, float]:
        """Validation NDCG@10 of every penalty of the grid (models fitted on the rest of training)."""
        rng = np.random.default_rng(self.random_state)
        fit, held = validation_split(binary, self.validation_fraction, rng)
        users = np.flatnonzero(held.getnnz(axis=1) > 0)
        if len(users) > TUNE_USERS:
            users = np.sort(rng.choice(users, TUNE_USERS, replace=False))
        if not len(users):  # too few songs per user to hold any out: take the middle of the grid
            return {lam: float(i == len(self.grid) // 2) for i, lam in enumerate(self.grid)}
        history, relevant = fit[users], held[users]

        def ndcg(lam: float) -> float:
            probe = EASE(l2=lam)
            probe.weights_ = ease_weights(fit, lam)
            return float(fm.ndcg_at_k(recommend(probe, users, history, TUNE_K), relevant, TUNE_K))

        out = {lam: ndcg(lam) for lam in self.grid}  # a handful of closed-form fits
        return dict(sorted(_past_edges(out, ndcg).items()))

    def score(self, users: np.ndarray, history: sparse.csr_matrix) -> np.ndarray:
        """``X_u B``: every song's weighted votes from the songs the user clicked."""
        return np.asarray(_binary(history) @ self.weights_)

    def describe(self) -> str:
        """The chosen penalty and the grid it came from, for the model notes."""
        if not self.validation_ndcg_:
            return f"lambda {self.l2_:g} (fixed)"
        grid = ", ".join(f"{lam:g}: {v:.4f}" for lam, v in self.validation_ndcg_.items())
        return (
            f"lambda {self.l2_:g} chosen by NDCG@10 on a validation split of training "
            f"({self.validation_fraction:.0%} of each user's songs; grid {grid}){self.edge_note()}"
        )

    def edge_note(self) -> str:
        """What the grid's edges say about the chosen penalty: extended past one, or still on one."""
        tried = sorted(self.validation_ndcg_)
        base = sorted(self.grid)
        if len(tried) < 2 or len(set(self.validation_ndcg_.values())) == 1:
            return ""
        parts = []
        if tried[0] < base[0]:
            parts.append(f"extended down to {tried[0]:g} because the best of the first grid was its smallest")
        if tried[-1] > base[-1]:
            parts.append(f"extended up to {tried[-1]:g} because the best of the first grid was its largest")
        if self.l2_ == tried[0]:
            parts.append("the choice is still the smallest penalty tried, so a smaller lambda may do better")
        elif self.l2_ == tried[-1]:
            parts.append("the choice is still the largest penalty tried, so a larger lambda may do better")
        return "; " + "; ".join(parts) if parts else ""


def _past_edges(scores: dict[float, float], ndcg: Callable[[float], float]) -> dict[float, float]:
    """``scores`` extended past an edge of the grid while the best sits on it (at most ``EDGE_STEPS`` each way).

    The step is the grid's own ratio at that edge (a doubling grid keeps doubling), so a penalty
    picked on the edge is either confirmed by a turn in the curve or reported as still on it.
    """
    out = dict(scores)
    lams = sorted(out)
    if len(lams) < 2 or len(set(out.values())) == 1:
        return out
    for low in (True, False):
        ratio = lams[0] / lams[1] if low else lams[-1] / lams[-2]
        for _ in range(EDGE_STEPS):
            edge = min(out) if low else max(out)
            best = max(out.values())
            if min(lam for lam, v in out.items() if v == best) != edge:  # the choice (ties: smallest) is inside
                break
            out[edge * ratio] = ndcg(edge * ratio)
    return out
