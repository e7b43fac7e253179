"""Shared fixtures: a tiny toy case that exercises the runner in well under a second."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cases.eta.design import DESIGN
from framework import metrics
from framework.case import Case, CaseConfig, CaseSteps, RunContext
from framework.results import (
    BehaviouralCheck,
    DataResult,
    LadderResult,
    MonitoringResult,
    ServingResult,
    TestingResult,
)


class ToyConfig(CaseConfig):
    """Config of the toy case."""

    rows: int = 200
    fail_at: str = ""


def _data(ctx: RunContext) -> DataResult:
    rng = ctx.rng("toy")
    x = rng.uniform(1, 10, ctx.config.rows)
    df = pd.DataFrame({"t": np.arange(len(x)), "x": x, "y": 2 * x + rng.normal(0, 0.1, len(x))})
    ctx.state["df"] = df
    cut = int(len(df) * 0.8)
    return DataResult(train=df[:cut], test=df[cut:], time_column="t", summary={"rows": len(df)})


def _models(ctx: RunContext) -> LadderResult:
    if ctx.config.fail_at == "models":
        raise RuntimeError("toy failure")
    test = ctx.state["df"].iloc[int(len(ctx.state["df"]) * 0.8) :]
    preds = {"mean": np.full(len(test), test.y.mean()), "linear": 2 * test.x, "oracle": test.y.to_numpy()}
    models = {
        name: {m.name: getattr(metrics, m.function)(test.y, p) for m in DESIGN.metrics.offline}
        for name, p in preds.items()
    }
    return LadderResult(models=models, naive="mean", baseline="mean", best="linear")


def _testing(ctx: RunContext) -> TestingResult:
    return TestingResult(behavioural=[BehaviouralCheck(name="toy", kind="directional", passed=True, detail="ok")])


def _deployment(ctx: RunContext) -> ServingResult:
    return ServingResult(p50_ms=1.0, p99_ms=2.0, sla_ms=200.0, requests=10)


def _monitoring(ctx: RunContext) -> MonitoringResult:
    return MonitoringResult(
        scenario="none",
        feature_drift={"x": {"psi": 0.0, "ks": 0.0}},
        metric="mae",
        metric_before=1.0,
        metric_after=1.0,
        alerts=[],
        thresholds={"psi": 0.2},
    )


@pytest.fixture
def toy_case() -> Case:
    """A case with the ETA design and trivial steps, for fast runner and CLI tests."""
    steps = CaseSteps(
        data=_data,
        features=lambda ctx: {"n_features": 1},
        models=_models,
        testing=_testing,
        deployment=_deployment,
        monitoring=_monitoring,
    )
    return Case(name="eta", design=DESIGN, config_model=ToyConfig, steps=steps)


@pytest.fixture(scope="session", autouse=True)
def _clean_check_sessions():
    """The conformance checks' small runs live in temp folders: delete them when the session ends."""
    yield
    from framework.checks import close_sessions

    close_sessions()
