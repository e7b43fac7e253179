"""Shared fixtures: a tiny toy case that exercises the runner in well under a second."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from cases.eta.design import DESIGN as ETA_DESIGN
from framework import metrics
from framework.case import Case, CaseConfig, CaseSteps, RunContext
from framework.ladder import build_ladder
from framework.results import (
    BehaviouralCheck,
    DataResult,
    FeaturesResult,
    LadderResult,
    MonitoringResult,
    ServingResult,
    TestingResult,
)
from framework.steptable import STEP_KEYS

TOY_LADDER = ("free_flow", "historical_mean", "gradient_boosting", "oracle")
# The ETA design with its interview notes left out (they are templates over ETA's own run figures)
# and its ladder cut to the toy's four models, so the toy does not follow ETA's rungs.
_WITHOUT_NOTES = {
    key: getattr(ETA_DESIGN, key).model_copy(
        update={"talking_points": [], "tradeoffs": [], "follow_ups": [], "rubric": []}
    )
    for key in STEP_KEYS
}
DESIGN = ETA_DESIGN.model_copy(
    update=_WITHOUT_NOTES
    | {"drills": []}  # ETA's drills switch ETA's config fields, which the toy does not have
    | {
        "models": _WITHOUT_NOTES["models"].model_copy(
            update={"ladder": [m for m in ETA_DESIGN.models.ladder if m.name in TOY_LADDER]}
        )
    }
)


class ToyConfig(CaseConfig):
    """Config of the toy case."""

    rows: int = 200
    fail_at: str = ""


@dataclass(frozen=True)
class ToyData:
    """The toy case's data artifact: the whole frame and where the test window starts."""

    frame: pd.DataFrame
    cut: int


# What ETA's split sentence quotes (the toy case borrows ETA's design).
TOY_SPLIT = {"train_percent": 80, "test_percent": 20, "test_days": 1.0, "test_window": "Monday 00:00 to Tuesday 00:00"}


def _data(ctx: RunContext[ToyConfig]) -> tuple[DataResult, ToyData]:
    rng = ctx.rng("toy")
    x = rng.uniform(1, 10, ctx.config.rows)
    df = pd.DataFrame({"t": np.arange(len(x)), "x": x, "y": 2 * x + rng.normal(0, 0.1, len(x))})
    cut = int(len(df) * 0.8)
    record = DataResult(
        train=df[:cut], test=df[cut:], synthetic=True, time_column="t", summary={"rows": len(df), **TOY_SPLIT}
    )
    return record, ToyData(df, cut)


def _features(ctx: RunContext[ToyConfig]) -> FeaturesResult:
    return FeaturesResult(summary={"n_features": 1})


def _models(ctx: RunContext[ToyConfig], data: ToyData) -> LadderResult:
    if ctx.config.fail_at == "models":
        raise RuntimeError("toy failure")
    test = data.frame.iloc[data.cut :]
    y = test.y.to_numpy()
    preds = {
        "free_flow": np.full(len(test), test.y.mean()),
        "historical_mean": np.full(len(test), test.y.median()),
        "gradient_boosting": 2 * test.x.to_numpy(),
        "oracle": y,
    }
    models = {
        name: {m.name: getattr(metrics, m.function)(y, p) for m in DESIGN.metrics.offline} for name, p in preds.items()
    }
    units = {name: np.abs(y - p) for name, p in preds.items() if name != "oracle"}
    return build_ladder(DESIGN, models, units, ctx.rng("bootstrap"))


def _testing(ladder: LadderResult) -> TestingResult:
    return TestingResult(behavioural=[BehaviouralCheck(name="toy", kind="directional", passed=True, detail="ok")])


def _deployment(ladder: LadderResult) -> ServingResult:
    return ServingResult(p50_ms=1.0, p99_ms=2.0, sla_ms=200.0, requests=10)


def _monitoring(ladder: LadderResult) -> MonitoringResult:
    return MonitoringResult(
        scenario="none",
        feature_drift={"x": {"psi": 0.0, "ks": 0.0}},
        metric="mae",
        metric_before=1.0,
        metric_after=1.0,
        alerts=[],
        thresholds={"psi": 0.2},
    )


TOY_STEPS = CaseSteps(
    data=_data, features=_features, models=_models, testing=_testing, deployment=_deployment, monitoring=_monitoring
)


@pytest.fixture
def toy_case() -> Case:
    """A case with the ETA design and trivial steps, for fast runner and CLI tests."""
    return Case(name="eta", design=DESIGN, config_model=ToyConfig, steps=TOY_STEPS)


@pytest.fixture(scope="session", autouse=True)
def _clean_check_sessions():
    """The conformance checks' small runs live in temp folders: delete them when the session ends."""
    yield
    from framework.checks import close_sessions

    close_sessions()


@pytest.fixture(scope="session")
def dask_engine():
    """One in-process Dask cluster of two single-threaded workers, shared by every engine test of a worker."""
    from distributed import Client, LocalCluster

    from framework.engine import Engine

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        yield Engine(name="dask", client=client, scheduler="local", workers=2, cores=2)
