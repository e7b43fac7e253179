"""A case's check session (its cached small runs and data) and the failure every conformance check raises."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from framework.case import Case, RunContext
from framework.config import build_config
from framework.results import DataResult
from framework.runmetrics import RunMetrics


class CheckFailed(AssertionError):
    """A conformance check failed; the message names the case and the fix."""


@dataclass
class CheckSession:
    """Caches the expensive work (small-scale runs, generated data) shared by checks of one case."""

    case: Case
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="casebook-check-")))
    _runs: dict[str, RunMetrics] = field(default_factory=dict)
    _data: dict[int, DataResult] = field(default_factory=dict)

    def run(self, tag: str = "a", seed: int = 0) -> RunMetrics:
        """Run the case at small scale once per tag and return its metrics.json."""
        if tag not in self._runs:
            from framework.runner import run_case

            out = self.workdir / f"run-{tag}"
            self._runs[tag] = run_case(self.case, seed=seed, scale="small", out_dir=out, progress=False).metrics
        return self._runs[tag]

    def close(self) -> None:
        """Delete the session's work folder (runs and generated data)."""
        shutil.rmtree(self.workdir, ignore_errors=True)
        self._runs.clear()
        self._data.clear()

    def data(self, seed: int, *, cached: bool = True) -> DataResult:
        """The data step's result at small scale for ``seed`` (made afresh when ``cached`` is False)."""
        if seed in self._data and cached:
            return self._data[seed]
        from framework.pipeline import run_steps

        config = build_config(self.case.config_model, "small")
        ctx: RunContext[Any] = RunContext(
            case=self.case.name, config=config, seed=seed, scale="small", out_dir=self.workdir
        )
        result: DataResult = run_steps(self.case, ctx, until="data").records["data"]
        self._data.setdefault(seed, result)
        return result


def fail(case: Case, problem: str, fix: str) -> CheckFailed:
    """The failure of a check: what is wrong with the case, then how to fix it."""
    return CheckFailed(f"[{case.name}] {problem}. How to fix: {fix}")
