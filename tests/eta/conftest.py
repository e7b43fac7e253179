"""Fixtures of the ETA tests: one small-scale run of all six steps through the framework pipeline, shared."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cases.eta import case
from cases.eta.config import EtaConfig
from framework.case import RunContext
from framework.pipeline import StepOutputs, run_steps


def small_context(
    out_dir: Path, seed: int = 0, data_path: Path | None = None, **overrides: Any
) -> RunContext[EtaConfig]:
    """A run context at the small scale (plus ``overrides``)."""
    config = EtaConfig(**{**EtaConfig.scales["small"], **overrides})
    return RunContext(case="eta", config=config, seed=seed, scale="small", out_dir=out_dir, data_path=data_path)


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunContext[EtaConfig], StepOutputs]:
    """All six steps at the small scale, seed 0 (run once per test session)."""
    ctx = small_context(tmp_path_factory.mktemp("eta_small"))
    return ctx, run_steps(case, ctx)


@pytest.fixture
def make_context(tmp_path: Path):
    """Factory: ``make_context(seed=0, data_path=None, **config_overrides)`` -> small-scale RunContext."""

    def make(seed: int = 0, data_path: Path | None = None, **overrides: Any) -> RunContext[EtaConfig]:
        out = tmp_path / f"run-{seed}-{len(list(tmp_path.iterdir()))}"
        out.mkdir()
        return small_context(out, seed, data_path, **overrides)

    return make
