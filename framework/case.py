"""The contract every case fulfils: its design, its config, and one function per lifecycle step."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from framework.engine import Engine
from framework.specs import CaseDesign

if TYPE_CHECKING:  # numpy and pandas stay unimported until a step runs (fast --help, spec, diagram)
    import numpy as np

    from framework.results import Plot


class CaseConfig(BaseModel):
    """Base of every case's run configuration.

    Subclasses declare their knobs as fields with the *default* scale's values and
    list per-scale overrides in ``scales``. Unknown keys and non-finite numbers (``inf``,
    ``nan``) are rejected; every size has an upper bound, and the combination of sizes is
    checked against the machine's memory through :meth:`estimated_peak_bytes`.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    scales: ClassVar[dict[str, dict[str, Any]]] = {"small": {}, "default": {}, "large": {}, "xl": {}}
    # The knobs that drive memory, named in the error when a run would not fit.
    size_keys: ClassVar[tuple[str, ...]] = ()

    def estimated_peak_bytes(self) -> int:
        """Rough peak memory of a run with this config, so a run that cannot fit is refused up front.

        Cases override this with rows x bytes-per-row measured at their large scale.
        """
        return 0

    def estimated_client_bytes(self) -> int:
        """Rough peak memory of the run's own process on ``--engine dask``, checked like the pandas estimate.

        On Dask the workers generate, clean and aggregate out of core; what stays in the client
        (collected training windows, in-memory model tables, serving structures) must still fit.
        0 means the case has not estimated it.
        """
        return 0


C = TypeVar("C", bound=CaseConfig)


@dataclass
class RunContext(Generic[C]):
    """What every step may read: the run's identity, its config, its random streams and its figures.

    Steps exchange data only through their typed parameters and return values (see
    :mod:`framework.pipeline`); the context holds nothing a step produces except figures.

    Attributes:
        case: the case's name.
        config: the validated case config; ``RunContext[EtaConfig]`` types ``ctx.config`` as ``EtaConfig``.
        seed: the run's seed; every random draw derives from it via :meth:`rng`.
        scale: the scale preset name.
        out_dir: the (temporary) output folder; plots go here.
        data_path: real data to load instead of generating, when given.
        columns: ``--columns``: role -> column of the data file, passed to :func:`framework.dataload.load_table`.
        engine: where batch work runs (pandas here, or a Dask cluster); see :mod:`framework.engine`.
        plots: figures registered by steps, in order.
        notes: what :meth:`say` told the user, in order (also recorded in ``metrics.json["data"]["engine_notes"]``).
        echo: print what :meth:`say` is told as well as recording it.
        data_from_cache: the generated rows were read from the data cache (set by :mod:`framework.datacache`).
    """

    case: str
    config: C
    seed: int
    scale: str
    out_dir: Path
    data_path: Path | None = None
    columns: dict[str, str] = field(default_factory=dict)
    engine: Engine = field(default_factory=Engine)
    plots: list[Plot] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    echo: bool = False
    data_from_cache: bool = False

    def rng(self, stream: str) -> np.random.Generator:
        """A generator for one named stream, so adding a draw in one place never shifts another.

        Args:
            stream: a stable name such as ``"network"`` or ``"trips"``.
        """
        from framework.seeding import stream_rng

        return stream_rng(self.seed, stream)

    def collected(self, what: str, frame: Any, detail: str = "") -> None:
        """Say what a collect brought into this process on Dask: ``"<what> collected: 3,812,004 rows, 410 MiB"``.

        On pandas nothing is collected (the rows never left this process), so nothing is said.

        Args:
            what: the rows, e.g. ``"training window"``.
            frame: the collected pandas frame.
            detail: what the rows are, when the name alone does not say (appended in parentheses).
        """
        if not self.engine.is_dask:
            return
        mib = frame.memory_usage(index=True, deep=True).sum() / 2**20
        more = f" ({detail})" if detail else ""
        size = f"{mib:,.0f}" if mib >= 10 else f"{mib:.1f}"  # small windows would all read "0 MiB"
        self.say(f"{what} collected: {len(frame):,} rows, {size} MiB{more}")

    def say(self, message: str) -> None:
        """Tell the person running the case something about this run (a cache reused, data collected)."""
        self.notes.append(message)
        if self.echo:
            print(message)

    def add_plot(self, step: int, filename: str, caption: str) -> Path:
        """Register a figure and return the absolute path the step should save it to."""
        from framework.results import Plot

        self.plots.append(Plot(step=step, file=f"plots/{filename}", caption=caption))
        path = self.out_dir / "plots" / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        return path


@dataclass(frozen=True)
class CaseSteps:
    """One function per executable lifecycle step (steps 1-3 come from the design).

    Each function's parameters name what it consumes (``ctx: RunContext[Config]`` and the
    typed outputs of earlier steps) and its return annotation what it produces: the step's
    record (e.g. :class:`~framework.results.DataResult`) alone or in a tuple with the case's
    own artifacts. :mod:`framework.pipeline` wires them by type and checks the wiring first.
    """

    data: Callable[..., Any]
    features: Callable[..., Any]
    models: Callable[..., Any]
    testing: Callable[..., Any]
    deployment: Callable[..., Any]
    monitoring: Callable[..., Any]


_LOADED: dict[str, CaseSteps] = {}


@dataclass(frozen=True)
class Case:
    """A registered case study.

    Attributes:
        name: the id used on the command line (``python -m cases.<name>``).
        design: the nine step specs (data only).
        config_model: the pydantic config class with its scale presets.
        steps: the executable steps, or where to find them as ``"module:ATTRIBUTE"`` so that
            ``--help``, ``spec`` and ``diagram`` never import the numeric stack.
    """

    name: str
    design: CaseDesign
    config_model: type[CaseConfig]
    steps: CaseSteps | str

    def step_functions(self) -> CaseSteps:
        """The executable steps, imported on first use when given as ``"module:ATTRIBUTE"``."""
        if isinstance(self.steps, CaseSteps):
            return self.steps
        if self.steps not in _LOADED:
            module, _, attr = self.steps.partition(":")
            found = getattr(importlib.import_module(module), attr)
            if not isinstance(found, CaseSteps):
                raise TypeError(f"{self.steps} is a {type(found).__name__}, not a CaseSteps")
            _LOADED[self.steps] = found
        return _LOADED[self.steps]
