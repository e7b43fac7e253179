"""Shared fixtures of the fraud tests: one small-scale run of steps 4-6, reused by later-step tests."""

from __future__ import annotations

import pytest

from cases.fraud import steps
from cases.fraud.config import FraudConfig
from framework.case import RunContext
from framework.config import build_config


@pytest.fixture(scope="session")
def small_ctx(tmp_path_factory) -> RunContext:
    """A RunContext after the data, features and models steps at small scale (seed 0)."""
    config = build_config(FraudConfig, "small")
    ctx = RunContext(case="fraud", config=config, seed=0, scale="small", out_dir=tmp_path_factory.mktemp("fraud"))
    ctx.state["data_result"] = steps.data(ctx)
    steps.features(ctx)
    ctx.state["ladder_result"] = steps.models(ctx)
    return ctx
