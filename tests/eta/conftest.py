"""Fixtures of the ETA tests: one small-scale run of all six steps, shared by the test modules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cases.eta.config import EtaConfig
from cases.eta.steps import STEPS
from framework.case import RunContext

STEP_NAMES = ("data", "features", "models", "testing", "deployment", "monitoring")


def small_context(out_dir: Path, seed: int = 0, data_path: Path | None = None, **overrides: Any) -> RunContext:
    """A run context at the small scale (plus ``overrides``)."""
    config = EtaConfig(**{**EtaConfig.scales["small"], **overrides})
    return RunContext(case="eta", config=config, seed=seed, scale="small", out_dir=out_dir, data_path=data_path)


def run_steps(ctx: RunContext, upto: str = "monitoring") -> dict[str, Any]:
    """Run the steps in order up to and including ``upto``; return their results by name."""
    results = {}
    for name in STEP_NAMES:
        results[name] = getattr(STEPS, name)(ctx)
        if name == upto:
            break
    return results


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunContext, dict[str, Any]]:
    """All six steps at the small scale, seed 0 (run once per test session)."""
    ctx = small_context(tmp_path_factory.mktemp("eta_small"))
    return ctx, run_steps(ctx)


@pytest.fixture
def make_context(tmp_path: Path):
    """Factory: ``make_context(seed=0, data_path=None, **config_overrides)`` -> small-scale RunContext."""

    def make(seed: int = 0, data_path: Path | None = None, **overrides: Any) -> RunContext:
        out = tmp_path / f"run-{seed}-{len(list(tmp_path.iterdir()))}"
        out.mkdir()
        return small_context(out, seed, data_path, **overrides)

    return make


@pytest.fixture
def steps_runner():
    """The :func:`run_steps` helper, as a fixture so test modules need not import conftest."""
    return run_steps
