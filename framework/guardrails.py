"""Guardrails evaluated against this run: each design limit next to the value the run measured, pass or fail."""

from __future__ import annotations

import math
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

from framework.specs import Guardrail


class GuardrailCheck(BaseModel):
    """One guardrail with this run's measured value.

    Attributes:
        name: the guardrail's id.
        description: as said in an interview.
        limit: the bound.
        unit: unit of ``limit`` and ``measured``.
        at_most: the measured value must not exceed the limit (else: must not fall below it).
        measured: what this run measured; None when no step measured it.
        passed: whether the measured value respects the limit; None when not measured.
        detail: how it was measured (scaled to the design's volume, which model...).
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str
    limit: float
    unit: str
    at_most: bool
    measured: float | None
    passed: bool | None
    detail: str = ""


def evaluate_guardrails(
    guardrails: list[Guardrail], measured: Mapping[str, float], details: Mapping[str, str] | None = None
) -> list[GuardrailCheck]:
    """Every design guardrail with the value a step measured for it, in design order."""
    out = []
    for g in guardrails:
        value = measured.get(g.name)
        ok = None
        if value is not None and math.isfinite(value):
            ok = value <= g.limit if g.at_most else value >= g.limit
        out.append(
            GuardrailCheck(
                name=g.name,
                description=g.description,
                limit=g.limit,
                unit=g.unit,
                at_most=g.at_most,
                measured=value,
                passed=ok,
                detail=(details or {}).get(g.name, ""),
            )
        )
    return out
