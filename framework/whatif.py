"""What-if numbers: the design-level figures recomputed from the constraints, instantly, without re-running models."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from framework.errors import BadInput
from framework.guards import quote
from framework.specs import CaseDesign, Constraints

if TYPE_CHECKING:
    from framework.case import Case
    from framework.runmetrics import RunMetrics


@dataclass(frozen=True)
class Figure:
    """One design-level number and how it is computed.

    Attributes:
        group: what it sizes (capacity, cache, A/B test, review queue, latency).
        name: the figure.
        value: its value.
        unit: its unit (``QPS``, ``GB``, ``days``, ...).
        formula: the arithmetic in words, so the number can be checked on a whiteboard.
    """

    group: str
    name: str
    value: float
    unit: str
    formula: str


# A case's own figures: (design with the what-if constraints, last run's metrics or None) -> figures.
CaseFigures = Callable[[CaseDesign, "RunMetrics | None"], list[Figure]]


def with_constraints(design: CaseDesign, overrides: list[str]) -> CaseDesign:
    """A copy of ``design`` whose constraints carry the ``key=value`` overrides.

    Raises:
        BadInput: a malformed pair, an unknown constraint (the known ones listed) or a value it rejects.
    """
    values: dict[str, Any] = design.problem.constraints.model_dump()
    given = set()
    for item in overrides:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise BadInput(f"--set expects key=value, got {quote(item)}")
        if key not in values:
            raise BadInput(f"unknown constraint {quote(key, 40)}; constraints: {', '.join(values)}")
        values[key] = raw.strip()
        given.add(key)
    try:
        constraints = Constraints.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        raise BadInput(f"bad value for {key}: {quote(values.get(key), 40)} ({first['msg']})") from None
    if "daily_active_users" in given and "logged_events_per_day" not in given:
        # Logged events come from users: ten times the users log ten times the events unless told otherwise.
        users = constraints.daily_active_users / design.problem.constraints.daily_active_users
        constraints = constraints.model_copy(
            update={"logged_events_per_day": design.problem.constraints.logged_events_per_day * users}
        )
    problem = design.problem.model_copy(update={"constraints": constraints})
    return design.model_copy(update={"problem": problem})


def common_figures(design: CaseDesign) -> list[Figure]:
    """Capacity and the latency budget along the primary serving path, from the spec alone."""
    from framework.architecture import latency_budget

    c, cap = design.problem.constraints, design.problem.capacity
    path, total = latency_budget(design.architecture)
    return [
        Figure("capacity", "requests per day", cap.requests_per_day, "requests", "daily users x requests per user"),
        Figure("capacity", "average QPS", cap.qps_average, "QPS", "requests per day / 86,400 s"),
        Figure("capacity", "peak QPS", cap.qps_peak, "QPS", "average QPS x peak-to-average"),
        Figure(
            "capacity",
            "storage per day",
            cap.storage_per_day_gb,
            "GB",
            "logged events per day (they scale with daily users unless set) x bytes per event",
        ),
        Figure("capacity", "storage retained", cap.storage_retained_tb, "TB", "storage per day x retention days"),
        Figure("latency", "serving path budget", total, "ms", " + ".join(reversed(path)) + " (request order)"),
        Figure("latency", "SLA headroom", c.latency_sla_ms - total, "ms", "latency SLA - serving path budget"),
    ]


def case_figures(case: Case) -> CaseFigures | None:
    """The case's own what-if figures (``cases/<case>/whatif.py: figures``), when it has them."""
    try:
        module = importlib.import_module(f"cases.{case.name}.whatif")
    except ModuleNotFoundError as exc:
        if exc.name == f"cases.{case.name}.whatif":
            return None
        raise
    found: CaseFigures = module.figures
    return found


def what_if(case: Case, overrides: list[str], metrics: RunMetrics | None = None) -> list[Figure]:
    """Every design-level figure of ``case`` with the constraints changed by ``overrides``.

    Args:
        case: the case.
        overrides: ``constraint=value`` pairs (empty: the design as written).
        metrics: the last run's metrics (rates the case's figures scale), or None.
    """
    design = with_constraints(case.design, overrides)
    own = case_figures(case)
    return common_figures(design) + (own(design, metrics) if own is not None else [])


def figure_rows(before: list[Figure], after: list[Figure]) -> list[list[Any]]:
    """Rows of group, figure, before, after, unit, formula; ``after`` in the same order as ``before``."""
    return [[b.group, b.name, b.value, a.value, b.unit, b.formula] for b, a in zip(before, after, strict=True)]
