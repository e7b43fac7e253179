"""Shared fixtures of the fraud tests: one small-scale run of every step (seed 0), read by the step tests."""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path

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


def _run_samples(root: Path) -> dict[str, tuple[dict, str, str, float]]:
    """Run every committed real-data sample through the CLI (in this process) into ``root``."""
    from tests.fuzz.contract import run_cli

    repo = Path(__file__).resolve().parents[2]
    out = {}
    for name in ("handbook", "anonymous", "paysim", "customer_only"):
        start = time.perf_counter()
        done = run_cli("fraud", ["run", "--data", str(repo / "data" / f"fraud_{name}.csv"), "--out", str(root / name)])
        seconds = time.perf_counter() - start
        assert done.code == 0, done.err
        assert "columns: " in done.out
        metrics = json.loads((root / name / "metrics.json").read_text())
        out[name] = (metrics, (root / name / "report.md").read_text(), done.err, seconds)
    return out


@pytest.fixture(scope="session")
def sample_runs(tmp_path_factory) -> dict[str, tuple[dict, str, str, float]]:
    """Every committed real-data sample run once through the CLI: name -> (metrics.json, report.md, stderr, seconds).

    Shared by the layout and findings tests. Under xdist the first worker to ask runs them
    while holding a lock in the run's shared temp folder, and the others read its results
    (pytest-xdist's recipe for once-per-session fixtures), so the four runs happen once.
    """
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run_id is None:
        return _run_samples(tmp_path_factory.mktemp("fraud-samples"))
    shared = tmp_path_factory.getbasetemp().parent / f"fraud-samples-{run_id}"
    shared.mkdir(exist_ok=True)
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / "runs.json"
        if not done.exists():
            runs = _run_samples(shared)
            done.write_text(json.dumps({k: list(v) for k, v in runs.items()}))
        return {k: tuple(v) for k, v in json.loads(done.read_text()).items()}
