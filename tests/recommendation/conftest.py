"""Shared fixtures of the recommendation tests: one small-scale run of the steps and a small synthetic world."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from cases.recommendation import case
from cases.recommendation.config import RecConfig
from cases.recommendation.generator import World, make_world
from framework.case import RunContext
from framework.config import build_config
from framework.pipeline import StepOutputs, run_steps


def step_context(out_dir: Path, scale: str = "small", data_path: Path | None = None) -> RunContext[RecConfig]:
    """A run context for the case at ``scale`` with seed 0 (what ``run --scale small`` builds)."""
    config = build_config(RecConfig, scale)
    return RunContext(case=case.name, config=config, seed=0, scale=scale, out_dir=out_dir, data_path=data_path)


@pytest.fixture(scope="session")
def make_context() -> Callable[..., RunContext[RecConfig]]:
    """``step_context`` for tests that run the steps on their own data or scale."""
    return step_context


@pytest.fixture(scope="session")
def small_ctx(tmp_path_factory) -> RunContext[RecConfig]:
    """The context of the shared small run (its out_dir holds the run's cache and plots)."""
    return step_context(tmp_path_factory.mktemp("rec"))


@pytest.fixture(scope="session")
def small_run(small_ctx) -> StepOutputs:
    """Steps 4-9 at small scale, run once for every test that only reads their outputs."""
    return run_steps(case, small_ctx)


@pytest.fixture(scope="session")
def small_config() -> RecConfig:
    """The small-scale config."""
    return build_config(RecConfig, "small")


@pytest.fixture(scope="session")
def small_world(small_config) -> World:
    """A small synthetic world."""
    return make_world(small_config, np.random.default_rng(0))
