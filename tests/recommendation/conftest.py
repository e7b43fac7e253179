"""Shared fixtures of the recommendation tests: one small-scale run and a small synthetic world."""

from __future__ import annotations

import numpy as np
import pytest

from cases.recommendation import case
from cases.recommendation.config import RecConfig
from cases.recommendation.generator import make_world
from framework.config import build_config


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """The whole case at small scale, run once for every test that only reads its results."""
    from framework.runner import run_case

    return run_case(case, seed=0, scale="small", out_dir=tmp_path_factory.mktemp("rec") / "out", progress=False)


@pytest.fixture(scope="session")
def small_config() -> RecConfig:
    """The small-scale config."""
    return build_config(RecConfig, "small")


@pytest.fixture(scope="session")
def small_world(small_config):
    """A small synthetic world."""
    return make_world(small_config, np.random.default_rng(0))
