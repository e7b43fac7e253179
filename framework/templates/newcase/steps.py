"""The case's six executable steps (design steps 4-9), wired by the types they declare."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from framework import metrics
from framework.case import CaseSteps, RunContext
from framework.errors import BadInput
from framework.ladder import build_ladder
from framework.plots import pyplot
from framework.results import DataResult, FeaturesResult, LadderResult

from .artifacts import NewcaseData, NewcaseFeatures, NewcaseModels
from .behaviour import testing
from .config import NewcaseConfig
from .design import DESIGN
from .features import Featurizer
from .generator import make_truth, sample_block
from .models import FITTERS
from .monitoring import monitoring
from .serving import deployment

ORACLE = DESIGN.models.names("oracle")[0]


def data(ctx: RunContext[NewcaseConfig]) -> tuple[DataResult, NewcaseData]:
    """Step 4: generate the rows and split them by time (the latest ``test_fraction`` is held out)."""
    cfg = ctx.config
    if ctx.data_path is not None:  # add a loader here (framework.dataload.load_table with ctx.columns) for real data
        raise BadInput("--data: this case has no real-data loader yet; run it without --data")
    truth = make_truth(ctx.rng("truth"), cfg.n_groups, cfg.noise)
    # Blocks are fixed by block_rows, not by the workers: pandas and any Dask cluster draw the same rows.
    starts = range(0, cfg.rows, cfg.block_rows)
    blocks = [(b, first, min(cfg.rows, first + cfg.block_rows)) for b, first in enumerate(starts)]
    generated = ctx.engine.from_blocks(partial(sample_block, truth, ctx.seed), blocks)
    rows = ctx.engine.collect(generated, order=["t"])  # small enough to train on in memory; say so at scale
    if ctx.engine.is_dask:
        ctx.say(f"collected {len(rows):,} rows ({rows.memory_usage(deep=True).sum() / 2**20:,.0f} MiB) to train on")
    cut = int(len(rows) * (1 - cfg.test_fraction))
    train, test = rows.iloc[:cut], rows.iloc[cut:]
    summary = {"rows": len(rows), "batch_rows": len(rows), "groups": cfg.n_groups, "noise_sd": cfg.noise}
    record = DataResult(train=train, test=test, synthetic=True, time_column="t", summary=summary)
    return record, NewcaseData(train=train, test=test, synthetic=True, truth=truth)


def features(
    ctx: RunContext[NewcaseConfig],
    data: NewcaseData,
) -> tuple[FeaturesResult, NewcaseFeatures]:
    """Step 5: fit the feature pipeline on the training rows only, then transform both splits."""
    featurizer = Featurizer.fit(data.train, ctx.config.n_groups)
    matrices = NewcaseFeatures(featurizer, featurizer.frame(data.train), featurizer.frame(data.test))
    summary = {
        "features": ["x (standardised)", f"group (one-hot, {featurizer.n_groups} columns)"],
        "n_columns": int(matrices.train.shape[1]),
        "x_mean_train": round(featurizer.x_mean, 4),
        "x_std_train": round(featurizer.x_std, 4),
    }
    return FeaturesResult(summary=summary), matrices


def models(
    ctx: RunContext[NewcaseConfig],
    data: NewcaseData,
    features: NewcaseFeatures,
) -> tuple[LadderResult, NewcaseModels]:
    """Step 6: fit every candidate on train, score the ladder on the test window, let the framework pick the best."""
    cfg = ctx.config
    y_train = data.train["y"].to_numpy()
    x_fit, y_fit = features.train, y_train
    if cfg.train_on_test:  # drill flaw: the test rows are in the fit
        x_fit, y_fit = np.vstack([features.train, features.test]), np.concatenate([y_train, data.test["y"]])
    fitted = {name: fit(x_fit, y_fit) for name, fit in FITTERS.items()}
    on_test = {name: model.predict(features.test) for name, model in fitted.items()}
    # Drill flaws score other rows (the training rows) or other labels (the noise-free f); the
    # test-row predictions handed to testing and serving stay the same.
    scored, x_scored = (data.train, features.train) if cfg.score_on_train else (data.test, features.test)
    y_scored = scored["f" if cfg.clean_test_labels else "y"].to_numpy()
    predictions = {name: model.predict(x_scored) for name, model in fitted.items()}
    if data.synthetic:  # the oracle predicts the generator's f: no model can do better on average
        predictions[ORACLE] = scored["f"].to_numpy()
        on_test[ORACLE] = data.test["f"].to_numpy()
    scores = {
        name: {m.name: getattr(metrics, m.function)(y_scored, p) for m in DESIGN.metrics.offline}
        for name, p in predictions.items()
    }
    # The decision metric is MAE: each scored row contributes its absolute error.
    units = {name: np.abs(y_scored - predictions[name]) for name in fitted}
    notes = {m.name: m.description for m in DESIGN.models.ladder if m.name in predictions}
    ladder = build_ladder(DESIGN, scores, units, ctx.rng("bootstrap"), notes=notes)
    _fit_plot(ctx, scored, predictions, ladder.best)
    return ladder, NewcaseModels(fitted=fitted, predictions=on_test)


def _fit_plot(
    ctx: RunContext[NewcaseConfig],
    rows: pd.DataFrame,
    predictions: dict[str, np.ndarray],
    best: str,
) -> None:
    """The scored rows against ``x`` with the deployed model and (on synthetic data) the oracle."""
    plt = pyplot()
    path = ctx.add_plot(6, "fit.png", f"Test rows: target y against x, with the deployed model ({best}).")
    x = rows["x"].to_numpy()
    order = np.argsort(x, kind="stable")
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.scatter(x, rows["y"], s=4, alpha=0.3, color="#7B8894", label="test rows")
    for name in (best, ORACLE):
        if name in predictions:
            ax.plot(x[order], predictions[name][order], ".", markersize=2, label=name)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


STEPS = CaseSteps(
    data=data,
    features=features,
    models=models,
    testing=testing,
    deployment=deployment,
    monitoring=monitoring,
)
