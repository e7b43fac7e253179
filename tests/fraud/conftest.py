"""Shared fixtures of the fraud tests: one small-scale run of every step (seed 0), read by the step tests."""

from __future__ import annotations

import pytest

from cases.fraud import case
from cases.fraud.config import FraudConfig
from framework.case import RunContext
from framework.config import build_config
from framework.pipeline import StepOutputs, run_steps


@pytest.fixture(scope="session")
def small_ctx(tmp_path_factory) -> RunContext[FraudConfig]:
    """The run context of the small-scale run."""
    config = build_config(FraudConfig, "small")
    return RunContext(case="fraud", config=config, seed=0, scale="small", out_dir=tmp_path_factory.mktemp("fraud"))


@pytest.fixture(scope="session")
def small_run(small_ctx) -> StepOutputs:
    """Every step of the small-scale run: records by step key, artifacts by type."""
    return run_steps(case, small_ctx, until="monitoring")
