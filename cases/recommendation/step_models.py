"""Step 6 of the recommendation case: fit the ladder, recommend to every evaluation user, score it at k=10."""

from __future__ import annotations

from scipy import sparse

from cases.recommendation import plots
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
    if data.synthetic:  # real data has no generator truth, and the held-out labels are not a model
        built["oracle"] = (ProbabilityOracle(data.truth().click_probability), None)
    return {m.name: built[m.name] for m in DESIGN.models.ladder if m.name in built}, fallback  # design order


def _fit_clicks(ctx: RunContext[RecConfig], data: RecData, feats: RecFeatures, name: str) -> sparse.csr_matrix:
    """The click matrix a rung is fitted on: the training window (a drill's flaw adds the held-out clicks)."""
    if name != "popularity" or ctx.config.popularity_window == "train":
        return feats.clicks
    n_users, n_items = feats.clicks.shape
    return feats.clicks + click_matrix(data.test, n_users, n_items, binary=False)


def _notes(synthetic: bool) -> dict[str, str]:
    """One line per model; on real data the oracle's says why it is not scored."""
    notes = {m.name: m.description for m in DESIGN.models.ladder}
    if not synthetic:
        for name in DESIGN.models.names("oracle"):
            notes[name] = (
                "not scored: a ratings file has no generator truth, and ranking by its own held-out "
                "labels would be a perfect score, not a model"
            )
    return notes


def models(ctx: RunContext[RecConfig], data: RecData, feats: RecFeatures) -> tuple[LadderResult, RecModels]:
    """Fit the ladder, recommend to every evaluation user, and score it at k=10.

    The decision units are the evaluation users: each candidate's per-user NDCG@10, whose
    mean is its ``ndcg_at_10``, so the framework can bootstrap paired differences.
    """
    users = feats.eval_users
    history, relevant = feats.consumed[users], feats.relevant[users]
    ladder, fallback = _ladder(ctx, data, feats)
    oracles = DESIGN.models.names("oracle")
    results, curves, recs, fitted, units = {}, {}, {}, {}, {}
    for name, (model, fb) in ladder.items():  # five models: the ladder itself
        fitted[name] = model.fit(_fit_clicks(ctx, data, feats, name))
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
    result = build_ladder(
        DESIGN,
        models=results,
        decision_units=units,
        rng=ctx.rng("bootstrap"),
        notes=_notes(data.synthetic),
    )
    return result, RecModels(fitted=fitted, fallback=fallback, recs=recs)
