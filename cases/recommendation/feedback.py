"""A short simulated feedback loop: retrain on the model's own logged clicks and watch catalogue coverage."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import sparse

from cases.recommendation import abtest, exploration
from cases.recommendation.generator import World
from cases.recommendation.models import ImplicitALS, top_k

FEEDBACK_SLICE = "feedback loop: retrained on its own clicks, catalogue shown per round"
VARIANTS = ("no exploration", "epsilon slot", "Thompson slot")

ModelFactory = Callable[[], ImplicitALS]


def serve(model: ImplicitALS, window: sparse.csr_matrix, k: int) -> np.ndarray:
    """Top-k per user from the model fitted on ``window``; users without clicks in it get its most clicked songs.

    The users are the rows the model was fitted on, so their fitted factors score directly (no fold-in).
    """
    scores = model.user_factors_ @ model.item_factors_.T
    cold = window.getnnz(axis=1) == 0
    if cold.any():
        scores[cold] = np.asarray(window.sum(axis=0), dtype=np.float64).ravel()
    rows, cols = window.nonzero()
    scores[rows, cols] = -np.inf
    return top_k(scores, k)


def run_loop(
    world: World,
    users: np.ndarray,
    start: sparse.csr_matrix,
    make_model: ModelFactory,
    variant: str,
    rounds: int,
    k: int,
    sessions_per_user: float,
    top_attention: float,
    rng: np.random.Generator,
    first_lists: np.ndarray | None = None,
) -> dict[str, float]:
    """Serve, log clicks, retrain on them only, ``rounds`` times; catalogue shown and CTR of the first and last round.

    Round 1 is the model trained on the logs of today's app (which explores); every later round is trained
    on the clicks the previous round's lists collected, so the model only ever learns about songs it showed.

    Args:
        world: the generator's truth (clicks are drawn from it).
        users: world users in the loop.
        start: ``(len(users), n_items)`` their clicks in today's logs (round 1's training data).
        make_model: a fresh, unfitted model.
        variant: one of ``VARIANTS``.
        rounds: retraining rounds.
        k: list length.
        sessions_per_user: feed views per user per round.
        top_attention: chance the top slot is looked at (position bias).
        rng: random stream (pass the same seed to every variant: common random numbers).
        first_lists: round 1's lists when already served (the same for every variant: fit once).
    """
    n_items = start.shape[1]
    truth = world.click_probability(users)
    attention = abtest.slot_attention(k, top_attention)
    window = sparse.csr_matrix(start)
    shown_clicks, shown_impressions = np.zeros(n_items), np.zeros(n_items)
    coverage, ctr, clicked_songs = [], [], []
    for r in range(rounds):  # a handful of retraining rounds, each fully vectorised
        lists = first_lists if r == 0 and first_lists is not None else serve(make_model().fit(window), window, k)
        seen = window.toarray() > 0
        if variant == "epsilon slot":
            lists = exploration.explore_slot(lists, np.arange(len(users)), sparse.csr_matrix(seen), rng)
        elif variant == "Thompson slot":
            lists = exploration.thompson_slot(lists, np.arange(len(users)), seen, shown_clicks, shown_impressions, rng)
        p = np.where(lists >= 0, np.take_along_axis(truth, np.clip(lists, 0, None), axis=1), 0.0)
        per_slot, impressions = abtest.slot_clicks(p * attention[None, :], sessions_per_user, rng)
        rows = np.repeat(np.arange(len(users)), k)
        songs = lists.ravel()
        valid = songs >= 0
        window = sparse.csr_matrix(
            (per_slot.ravel()[valid], (rows[valid], songs[valid])), shape=(len(users), n_items), dtype=np.float64
        )
        window.eliminate_zeros()
        shown = np.repeat(impressions // np.maximum((lists >= 0).sum(axis=1), 1), k)[valid]
        shown_impressions += np.bincount(songs[valid], weights=shown, minlength=n_items)
        shown_clicks += np.bincount(songs[valid], weights=per_slot.ravel()[valid], minlength=n_items)
        coverage.append(exploration.exposure_coverage(lists, n_items))
        ctr.append(float(per_slot.sum() / max(impressions.sum(), 1)))
        clicked_songs.append(float((np.asarray(window.sum(axis=0)).ravel() > 0).mean()))
    return {
        "rounds": float(rounds),
        "users": float(len(users)),
        "coverage_first_round": coverage[0],
        "coverage_last_round": coverage[-1],
        "coverage_change": coverage[-1] - coverage[0],
        "songs_clicked_first_round": clicked_songs[0],
        "songs_clicked_last_round": clicked_songs[-1],
        "ctr_first_round": ctr[0],
        "ctr_last_round": ctr[-1],
    }


def feedback_table(
    world: World,
    users: np.ndarray,
    start: sparse.csr_matrix,
    make_model: ModelFactory,
    rounds: int,
    k: int,
    sessions_per_user: float,
    top_attention: float,
    seed: int,
) -> dict[str, dict[str, float]]:
    """One row per variant (no exploration, epsilon slot, Thompson slot), all on the same users and seed."""
    first = serve(make_model().fit(start), sparse.csr_matrix(start), k)  # round 1 is the same model for all
    return {
        v: run_loop(
            world,
            users,
            start,
            make_model,
            v,
            rounds,
            k,
            sessions_per_user,
            top_attention,
            np.random.default_rng(seed),
            first_lists=first,
        )
        for v in VARIANTS
    }


def feedback_reading(rows: dict[str, dict[str, float]]) -> str:
    """The loop in one sentence, the direction of every comparison read from the numbers."""
    none, eps, ts = (rows[v] for v in VARIANTS)

    def kept(row: dict[str, float]) -> float:
        return row["coverage_last_round"] / row["coverage_first_round"] if row["coverage_first_round"] > 0 else 0.0

    def versus(row: dict[str, float]) -> str:
        return "more" if kept(row) > kept(none) else "less" if kept(row) < kept(none) else "as much"

    def compare(key: str) -> str:
        better = [name for name, row in (("epsilon", eps), ("Thompson", ts)) if row[key] > none[key]]
        if len(better) == 2:
            return "higher with both exploration slots than without"
        if better:
            return f"higher only with the {better[0]} slot"
        return "higher with neither exploration slot than without"

    return (
        f"over {none['rounds']:.0f} rounds of retraining on its own clicks ({none['users']:,.0f} users), the share "
        f"of the catalogue shown goes from {none['coverage_first_round']:.1%} to {none['coverage_last_round']:.1%} "
        f"without exploration (it keeps {kept(none):.0%} of its first round's reach); with an epsilon slot from "
        f"{eps['coverage_first_round']:.1%} to {eps['coverage_last_round']:.1%} (it keeps {kept(eps):.0%} of it, "
        f"{versus(eps)} than without), with a Thompson slot from {ts['coverage_first_round']:.1%} to "
        f"{ts['coverage_last_round']:.1%} (it keeps {kept(ts):.0%}, {versus(ts)} than without). Songs with any "
        f"click in the last round's log: {none['songs_clicked_last_round']:.1%} without, "
        f"{eps['songs_clicked_last_round']:.1%} epsilon, {ts['songs_clicked_last_round']:.1%} Thompson (clicked "
        f"songs {compare('songs_clicked_last_round')}); last-round CTR {none['ctr_last_round']:.2%}, "
        f"{eps['ctr_last_round']:.2%} and {ts['ctr_last_round']:.2%} (CTR {compare('ctr_last_round')})"
    )
