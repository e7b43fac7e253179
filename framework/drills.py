"""Spot-the-flaw drills: the case's real pipeline with one deliberate mistake switched on through its config."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from framework.spec import Spec

if TYPE_CHECKING:
    from framework.case import Case
    from framework.runmetrics import RunMetrics

Direction = Literal["lower", "higher"]


class Drill(Spec):
    """One deliberate flaw of a case, switched on by config overrides, and the number it distorts.

    Attributes:
        name: the id (``walk --drill NAME``), lower case with hyphens.
        title: what the flaw is, for the list shown before a drill (does not give it away).
        flaw: config key -> value that switches the flaw on (the clean run uses the defaults).
        watch: dotted path of the number the flaw distorts in ``metrics.json``
            (e.g. ``models.gradient_boosting.trip_mae_s``).
        direction: whether the flaw makes that number ``lower`` or ``higher``.
        question: what the candidate is asked when the flawed numbers are on screen.
        reveal: the flaw, why it distorts the number, and how to catch it in review.
    """

    name: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str
    flaw: dict[str, str | int | float | bool]
    watch: str
    direction: Direction
    question: str
    reveal: str

    def overrides(self) -> list[str]:
        """The flaw as ``--set key=value`` strings."""
        return [f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in self.flaw.items()]


def watched(metrics: RunMetrics, path: str) -> float:
    """The number at dotted ``path`` of a run's ``metrics.json``.

    Raises:
        KeyError: a part of the path that is not there (named with what exists at that level).
    """
    node: Any = metrics.model_dump()
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            there = sorted(node)[:12] if isinstance(node, dict) else type(node).__name__
            raise KeyError(f"{path}: no {part!r} (there: {there})")
    if not isinstance(node, int | float) or isinstance(node, bool):
        raise KeyError(f"{path} is a {type(node).__name__}, not a number")
    return float(node)


def moved_as_expected(drill: Drill, flawed: float, clean: float) -> bool:
    """Whether the flaw moved the watched number the way the drill says (strictly)."""
    return flawed < clean if drill.direction == "lower" else flawed > clean


@dataclass(frozen=True)
class DrillOutcome:
    """Both runs of a drill and the watched number in each."""

    drill: Drill
    flawed: RunMetrics
    clean: RunMetrics
    flawed_value: float
    clean_value: float


def find_drill(case: Case, name: str) -> Drill:
    """The case's drill called ``name``.

    Raises:
        BadInput: no such drill (the known names are listed).
    """
    from framework.errors import BadInput
    from framework.guards import quote

    for drill in case.design.drills:
        if drill.name == name:
            return drill
    names = ", ".join(d.name for d in case.design.drills) or "none"
    raise BadInput(f"no drill {quote(name, 40)} in {case.name}; drills: {names} (walk --drill list)")


def run_drill(
    case: Case, drill: Drill, *, scale: str = "small", seed: int = 0, clean: RunMetrics | None = None
) -> DrillOutcome:
    """Run the pipeline with the flaw on and (unless given) off, in a temporary folder.

    Args:
        case: the case.
        drill: one of its drills.
        scale: the scale of both runs.
        seed: the seed of both runs.
        clean: the flaw-free run at the same scale and seed, when the caller has it.
    """
    from framework.runner import run_case

    with tempfile.TemporaryDirectory(prefix="casebook-drill-") as tmp:
        flawed = run_case(
            case, seed=seed, scale=scale, out_dir=Path(tmp) / "flawed", overrides=drill.overrides(), progress=False
        ).metrics
        if clean is None:
            clean = run_case(case, seed=seed, scale=scale, out_dir=Path(tmp) / "clean", progress=False).metrics
    return DrillOutcome(drill, flawed, clean, watched(flawed, drill.watch), watched(clean, drill.watch))
