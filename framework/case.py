"""The contract every case fulfils: its design, its config, and one function per lifecycle step."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict

from framework.results import (
    DataResult,
    LadderResult,
    MonitoringResult,
    Plot,
    ServingResult,
    TestingResult,
)
from framework.specs import CaseDesign


class CaseConfig(BaseModel):
    """Base of every case's run configuration.

    Subclasses declare their knobs as fields with the *default* scale's values and
    list per-scale overrides in ``scales``. Unknown keys and non-finite numbers (``inf``,
    ``nan``) are rejected; every size has an upper bound, and the combination of sizes is
    checked against the machine's memory through :meth:`estimated_peak_bytes`.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    scales: ClassVar[dict[str, dict[str, Any]]] = {"small": {}, "default": {}, "large": {}}
    # The knobs that drive memory, named in the error when a run would not fit.
    size_keys: ClassVar[tuple[str, ...]] = ()

    def estimated_peak_bytes(self) -> int:
        """Rough peak memory of a run with this config, so a run that cannot fit is refused up front.

        Cases override this with rows x bytes-per-row measured at their large scale.
        """
        return 0


@dataclass
class RunContext:
    """Everything a step may read, and the place it leaves state for later steps.

    Attributes:
        case: the case's name.
        config: the validated case config.
        seed: the run's seed; every random draw derives from it via :meth:`rng`.
        scale: the scale preset name.
        out_dir: the (temporary) output folder; plots go here.
        data_path: real data to load instead of generating, when given.
        state: scratch space shared between steps (data frames, fitted models...).
        plots: figures registered by steps, in order.
    """

    case: str
    config: CaseConfig
    seed: int
    scale: str
    out_dir: Path
    data_path: Path | None = None
    state: dict[str, Any] = field(default_factory=dict)
    plots: list[Plot] = field(default_factory=list)

    def rng(self, stream: str) -> np.random.Generator:
        """A generator for one named stream, so adding a draw in one place never shifts another.

        Args:
            stream: a stable name such as ``"network"`` or ``"trips"``.
        """
        return np.random.default_rng([self.seed, zlib.crc32(stream.encode())])

    def add_plot(self, step: int, filename: str, caption: str) -> Path:
        """Register a figure and return the absolute path the step should save it to."""
        self.plots.append(Plot(step=step, file=f"plots/{filename}", caption=caption))
        path = self.out_dir / "plots" / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        return path


@dataclass(frozen=True)
class CaseSteps:
    """One function per executable lifecycle step (steps 1-3 come from the design)."""

    data: Callable[[RunContext], DataResult]
    features: Callable[[RunContext], dict[str, Any]]
    models: Callable[[RunContext], LadderResult]
    testing: Callable[[RunContext], TestingResult]
    deployment: Callable[[RunContext], ServingResult]
    monitoring: Callable[[RunContext], MonitoringResult]


@dataclass(frozen=True)
class Case:
    """A registered case study.

    Attributes:
        name: the id used on the command line (``python -m cases.<name>``).
        design: the nine step specs (data only).
        config_model: the pydantic config class with its scale presets.
        steps: the executable steps.
    """

    name: str
    design: CaseDesign
    config_model: type[CaseConfig]
    steps: CaseSteps
