"""Wire a case's steps by the types they declare, check the wiring before anything runs, and run them in order."""

from __future__ import annotations

import inspect
import time
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from framework.case import Case, RunContext
from framework.heap import release_freed_memory
from framework.results import (
    DataResult,
    FeaturesResult,
    LadderResult,
    MonitoringResult,
    ServingResult,
    TestingResult,
)
from framework.steptable import EXECUTABLE_KEYS, step

T = TypeVar("T")

# The record every step must produce: what the runner writes into metrics.json and the report.
RECORDS: dict[str, type] = {
    "data": DataResult,
    "features": FeaturesResult,
    "models": LadderResult,
    "testing": TestingResult,
    "deployment": ServingResult,
    "monitoring": MonitoringResult,
}


class WiringError(TypeError):
    """A step's declared inputs or outputs do not fit the steps before it; the message says how to fix."""


@dataclass(frozen=True)
class WiredStep:
    """One step with what it consumes and produces, resolved from its annotations."""

    key: str
    function: Callable[..., Any]
    inputs: dict[str, type]  # parameter name -> type; RunContext for the context
    outputs: tuple[type, ...]


@dataclass
class StepOutputs:
    """What the steps run so far produced: records by step key, every output by type, seconds by step."""

    records: dict[str, Any] = field(default_factory=dict)
    by_type: dict[type, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def get(self, kind: type[T]) -> T:
        """The output of type ``kind`` (a record or a case artifact).

        Raises:
            KeyError: no step run so far produced it.
        """
        if kind not in self.by_type:
            raise KeyError(f"no step run so far produced a {kind.__name__}")
        return typing.cast(T, self.by_type[kind])


def _is_context(tp: Any) -> bool:
    return tp is RunContext or typing.get_origin(tp) is RunContext


def _name(tp: Any) -> str:
    return getattr(tp, "__name__", repr(tp))


def wire(case: Case) -> list[WiredStep]:
    """Resolve every step's inputs and outputs and check that each input is produced by an earlier step.

    Raises:
        WiringError: naming the step, the parameter and what the earlier steps produce.
    """
    functions = case.step_functions()
    produced: dict[type, str] = {}
    wired: list[WiredStep] = []
    for key in EXECUTABLE_KEYS:
        fn = getattr(functions, key)
        where = f"case {case.name!r}, step {key!r} ({getattr(fn, '__qualname__', fn)})"
        try:
            hints = typing.get_type_hints(fn)
        except Exception as exc:  # a NameError in a string annotation: name it rather than crash later
            raise WiringError(f"{where}: cannot resolve its annotations ({exc}); import the types at module level")
        inputs: dict[str, type] = {}
        for name in inspect.signature(fn).parameters:
            tp = hints.get(name)
            if tp is None:
                raise WiringError(f"{where}: parameter {name!r} has no type annotation; annotate what it consumes")
            if _is_context(tp):
                args = typing.get_args(tp)
                if args and isinstance(args[0], type) and not issubclass(case.config_model, args[0]):
                    raise WiringError(
                        f"{where}: {name} is RunContext[{_name(args[0])}] but the case's config is "
                        f"{case.config_model.__name__}"
                    )
                inputs[name] = RunContext
                continue
            if tp not in produced:
                have = ", ".join(f"{_name(t)} ({k})" for t, k in produced.items()) or "nothing"
                raise WiringError(
                    f"{where}: input {name}: {_name(tp)} is not produced by an earlier step; earlier steps "
                    f"produce {have}"
                )
            inputs[name] = tp
        ret = hints.get("return")
        if ret is None:
            raise WiringError(f"{where}: no return annotation; declare the record (and artifacts) it returns")
        outputs = typing.get_args(ret) if typing.get_origin(ret) is tuple else (ret,)
        record = RECORDS[key]
        if sum(isinstance(t, type) and issubclass(t, record) for t in outputs) != 1:
            raise WiringError(f"{where}: must return exactly one {record.__name__}, declares {_name(ret)}")
        for tp in outputs:
            if not isinstance(tp, type):
                raise WiringError(f"{where}: output {tp!r} is not a class; return dataclasses or pydantic models")
            if tp in produced:
                raise WiringError(f"{where}: {_name(tp)} is already produced by step {produced[tp]!r}; rename one")
            produced[tp] = key
        wired.append(WiredStep(key, fn, inputs, outputs))
    return wired


def run_steps(
    case: Case,
    ctx: RunContext[Any],
    *,
    until: int | str = "monitoring",
    on_step: Callable[[int, str], None] | None = None,
) -> StepOutputs:
    """Run the executable steps in order up to and including ``until``.

    The whole wiring is checked first, so a missing input fails before any data is made.

    Args:
        case: the case.
        ctx: the run context handed to every step that asks for it.
        until: the last step to run, by number (4-9) or key.
        on_step: called with (number, title) before each step, for progress display.

    Raises:
        WiringError: the steps do not fit together, or a step returned something other than it declared.
    """
    last = step(until)
    if not last.executable:
        raise ValueError(f"until={until!r}: only steps 4-9 run code")
    out = StepOutputs()
    for wired in wire(case):
        info = step(wired.key)
        if info.number > last.number:
            break
        if on_step is not None:
            on_step(info.number, info.title)
        kwargs = {n: ctx if tp is RunContext else out.by_type[tp] for n, tp in wired.inputs.items()}
        start = time.perf_counter()
        value = wired.function(**kwargs)
        out.timings[wired.key] = round(time.perf_counter() - start, 4)
        release_freed_memory()  # the step's temporaries, out of the process's resident size before the next
        values = value if len(wired.outputs) > 1 else (value,)
        if not isinstance(values, tuple) or len(values) != len(wired.outputs):
            raise WiringError(f"step {wired.key!r} returned {type(value).__name__}, declared {len(wired.outputs)}")
        for tp, v in zip(wired.outputs, values, strict=True):
            if not isinstance(v, tp):
                raise WiringError(f"step {wired.key!r} returned a {type(v).__name__} where it declared {tp.__name__}")
            out.by_type[tp] = v
            if issubclass(tp, RECORDS[wired.key]):
                out.records[wired.key] = v
    return out
