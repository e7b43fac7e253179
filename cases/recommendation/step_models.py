"""Step 6 of the recommendation case: fit the ladder, recommend to every evaluation user, score it at k=10."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from cases.recommendation import ease, plots
from cases.recommendation.artifacts import RecData, RecFeatures, RecModels
from cases.recommendation.config import RecConfig
from cases.recommendation.design import DESIGN
from cases.recommendation.evaluation import CURVE_K, K, evaluate, pr_curve
from cases.recommendation.models import (
    ImplicitALS,
    ItemKNN,
    PopularityRecommender,
    ProbabilityOracle,
    RandomRecommender,
    Recommender,
    SegmentPopularity,
    recommend,
)
from cases.recommendation.pipeline import click_matrix
from framework import metrics as fm
from framework.case import RunContext
from framework.ladder import build_ladder
from framework.results import LadderResult
from framework.specs import CaseDesign


def _seed(ctx: RunContext[RecConfig], stream: str) -> int:
    """An integer seed for a model, drawn from its own stream."""
    return int(ctx.rng(stream).integers(0, 2**31 - 1))


Rungs = dict[str, tuple[Recommender, SegmentPopularity | None]]


def _ladder(ctx: RunContext[RecConfig], data: RecData, feats: RecFeatures) -> tuple[Rungs, SegmentPopularity]:
    """Every rung of the design's ladder, unfitted, with the cold-start fallback of those that need one."""
    cfg = ctx.config
    fallback = SegmentPopularity().fit(feats.clicks, feats.segment)
    als = ImplicitALS(
        cfg.als_factors, cfg.als_regularization, cfg.als_alpha, cfg.als_iterations, random_state=_seed(ctx, "als")
    )
    built: Rungs = {
        "random": (RandomRecommender(_seed(ctx, "random_model")), None),
        "popularity": (PopularityRecommender(), None),
        "item_cf": (ItemKNN(cfg.knn_neighbours), fallback),
        "als": (als, fallback),
    }
    if ease.skip_reason(feats.clicks.shape[1]) is None:  # songs x songs floats: skipped on a huge catalogue
        built["ease"] = (ease.EASE(random_state=_seed(ctx, "ease")), fallback)
    if data.synthetic:  # real data has no generator truth, and the held-out labels are not a model
        built["oracle"] = (ProbabilityOracle(data.truth().click_probability), None)
    return {m.name: built[m.name] for m in DESIGN.models.ladder if m.name in built}, fallback  # design order


def confidence_matrix(events: pd.DataFrame, n_users: int, n_items: int) -> sparse.csr_matrix | None:
    """The ``confidence`` column of the clicked training events as a user x song matrix, None without one.

    A pair logged more than once keeps its highest confidence (the loader gives one value per pair).
    """
    if "confidence" not in events:
        return None
    clicked = events[events["clicked"]] if "clicked" in events else events
    pairs = clicked.groupby(["user", "item"], sort=False)["confidence"].max().reset_index()
    return sparse.csr_matrix(
        (pairs["confidence"].to_numpy(np.float64), (pairs["user"].to_numpy(), pairs["item"].to_numpy())),
        shape=(n_users, n_items),
    )


def _fit_clicks(ctx: RunContext[RecConfig], data: RecData, feats: RecFeatures, name: str) -> sparse.csr_matrix:
    """The matrix a rung is fitted on: the training window (a drill's flaw adds the held-out clicks).

    ALS reads the events' ``confidence`` column when the loader made one (1 per rating or click,
    ``1 + log1p(count)`` per play count); synthetic events have none and ALS counts clicks.
    """
    n_users, n_items = feats.clicks.shape
    if name == "als":
        conf = confidence_matrix(data.train, n_users, n_items)
        return feats.clicks if conf is None else conf
    if name != "popularity" or ctx.config.popularity_window == "train":
        return feats.clicks
    return feats.clicks + click_matrix(data.test, n_users, n_items, binary=False)


def _notes(synthetic: bool, n_items: int) -> dict[str, str]:
    """One line per model; on real data the oracle's says why it is not scored, EASE's why it was skipped."""
    notes = {m.name: m.description for m in DESIGN.models.ladder}
    skipped = ease.skip_reason(n_items)
    if skipped:
        notes["ease"] = skipped
    if not synthetic:
        for name in DESIGN.models.names("oracle"):
            notes[name] = (
                "not scored: a ratings file has no generator truth, and ranking by its own held-out "
                "labels would be a perfect score, not a model"
            )
    return notes


def _scored_design(ladder: Rungs) -> CaseDesign:
    """The design, without a rung that was skipped (EASE on a catalogue too big for it): its note says why."""
    rungs = [m for m in DESIGN.models.ladder if m.name in ladder or m.role == "oracle"]
    if len(rungs) == len(DESIGN.models.ladder):
        return DESIGN
    return DESIGN.model_copy(update={"models": DESIGN.models.model_copy(update={"ladder": rungs})})


def models(ctx: RunContext[RecConfig], data: RecData, feats: RecFeatures) -> tuple[LadderResult, RecModels]:
    """Fit the ladder, recommend to every evaluation user, and score it at k=10.

    The decision units are the evaluation users: each candidate's per-user NDCG@10, whose
    mean is its ``ndcg_at_10``, so the framework can bootstrap paired differences.
    """
    users = feats.eval_users
    history, relevant = feats.consumed[users], feats.relevant[users]
    ladder, fallback = _ladder(ctx, data, feats)
    oracles = DESIGN.models.names("oracle")
    results, curves, recs, fitted, units, tuned = {}, {}, {}, {}, {}, {}
    for name, (model, fb) in ladder.items():  # six models: the ladder itself
        fitted[name] = model.fit(_fit_clicks(ctx, data, feats, name))
        if isinstance(model, ease.EASE):
            tuned[name] = model.describe()
        recs[name] = recommend(model, users, history, CURVE_K, fallback=fb)
        results[name] = evaluate(recs[name], relevant, feats.popularity)
        curves[name] = pr_curve(recs[name], relevant)
        if name not in oracles:
            units[name] = fm.ndcg_per_user(recs[name], relevant, K)  # every evaluation user has a relevant song
    plots.precision_recall_at_k(
        ctx.add_plot(
            6, "precision_recall_at_k.png", "Precision and recall at k = 1..20 per model on the held-out window."
        ),
        curves,
        oracles,
    )
    notes = _notes(data.synthetic, feats.clicks.shape[1])
    notes.update(tuned)  # EASE's note is how its lambda was chosen (its description is in the design's table)
    result = build_ladder(
        _scored_design(ladder),
        models=results,
        decision_units=units,
        rng=ctx.rng("bootstrap"),
        notes=notes,
    )
    return result, RecModels(fitted=fitted, fallback=fallback, recs=recs)
