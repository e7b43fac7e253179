"""``metrics.json`` as one pydantic model (``RunMetrics``): its JSON Schema, and the reader every consumer uses."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_FILE = "metrics.schema.json"
# A metric this run could not compute (one class in a slice, an empty window) is null; ``nulls`` says why.
Number = float | None


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    """A section with fixed fields plus the case's own figures (kept, typed as JSON values)."""

    model_config = ConfigDict(extra="allow")


class Interval(_Doc):
    """A paired bootstrap comparison on the decision metric: ``model`` minus ``versus``, 95% interval."""

    model: str
    versus: str
    metric: str
    difference: Number
    low: Number
    high: Number
    tie: bool


class Serving(_Open):
    """Step 8: measured latency of the serving path against the SLA."""

    p50_ms: float
    p99_ms: float
    sla_ms: float
    requests: int
    within_sla: bool


class AlertRecord(_Doc):
    """One monitoring alert (see :class:`framework.drift.Alert`), with its message as shown."""

    kind: str
    subject: str
    statistic: str
    value: float
    threshold: float
    detail: str
    message: str


class Monitoring(_Open):
    """Step 9: the drift scenario, what was detected, and the thresholds that decided."""

    scenario: str
    alerts: list[AlertRecord]
    feature_drift: dict[str, dict[str, Number]]
    metric: str
    metric_before: Number
    metric_after: Number
    thresholds: dict[str, float]


class BehaviouralRecord(_Doc):
    """One behavioural test of the deployed model."""

    name: str
    kind: str
    passed: bool
    detail: str


class Testing(_Doc):
    """Step 7: behavioural tests, slices and the online-test plan."""

    behavioural_passed: int
    behavioural_total: int
    behavioural: list[BehaviouralRecord]
    slices: dict[str, dict[str, dict[str, Number]]]
    ab_test: dict[str, Any]
    ab_plan: dict[str, Any] | None = None


class PlotRecord(_Doc):
    """A figure in the output folder."""

    step: int
    file: str
    caption: str


class Architecture(_Doc):
    """Step 3: the serving path through the architecture graph and its summed latency."""

    serving_path: list[str]
    latency_budget_ms: float


class GuardrailRecord(_Doc):
    """A design guardrail with this run's measured value and verdict (see :mod:`framework.guardrails`)."""

    name: str
    description: str
    limit: float
    unit: str
    at_most: bool
    measured: Number
    passed: bool | None
    detail: str


class RunMetrics(_Doc):
    """The whole ``metrics.json`` of one run; the report, CLI, walkthrough and checks read this model.

    Attributes:
        models: model -> offline metric -> value; a naive model, the baseline, the deployed
            model and, on synthetic data, the oracle.
        intervals: every candidate compared with the deployed model on the decision metric.
        climb: each rung compared with the rung below it on the decision metric.
        spread: candidate -> 95% bootstrap interval ``[low, high]`` of its own decision metric.
        nulls: dotted path -> why that value is null.
    """

    case: str
    seed: int
    scale: str
    engine: str = "pandas"
    data_source: str
    synthetic: bool
    primary_metric: str
    higher_is_better: bool
    decision_metric: str
    decision_higher_is_better: bool
    naive: str
    baseline: str
    best_model: str
    oracle: str | None
    roles: dict[str, str] = Field(default_factory=dict)
    models: dict[str, dict[str, Number]]
    intervals: list[Interval]
    climb: list[Interval] = Field(default_factory=list)
    spread: dict[str, list[float]] = Field(default_factory=dict)
    model_notes: dict[str, str]
    timings_s: dict[str, float]
    guardrails: list[GuardrailRecord]
    serving: Serving
    monitoring: Monitoring
    testing: Testing
    features: dict[str, Any]
    plots: list[PlotRecord]
    capacity: dict[str, float]
    architecture: Architecture
    data: dict[str, Any]
    throughput: dict[str, Any] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)
    nulls: dict[str, str] = Field(default_factory=dict)

    def failed_guardrails(self) -> list[str]:
        """Names of the guardrails this run measured and failed (the deployed model is not shippable as run)."""
        return [g.name for g in self.guardrails if g.passed is False]

    def metric(self, model: str, name: str | None = None) -> Number:
        """One model's value of ``name`` (the primary metric by default)."""
        return self.models[model][name or self.primary_metric]


def _json_safe(value: Any, path: str, nulls: dict[str, str]) -> Any:
    """``value`` with every NaN or infinity replaced by None, recording why under its dotted path."""
    if isinstance(value, dict):
        return {k: _json_safe(v, f"{path}.{k}" if path else str(k), nulls) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v, f"{path}[{i}]", nulls) for i, v in enumerate(value)]
    if isinstance(value, float) and not math.isfinite(value):
        nulls[path] = f"not computable on this run ({value}): e.g. a single class or an empty slice"
        return None
    return value


def build_document(raw: dict[str, Any]) -> tuple[RunMetrics, str]:
    """The validated document with non-finite numbers as null (reasons under ``nulls``), and its JSON text.

    ``metrics.json`` never holds NaN or infinity: strict JSON parsers reject them.
    """
    nulls: dict[str, str] = {}
    safe = _json_safe(raw, "", nulls)
    safe["nulls"] = nulls
    doc = RunMetrics.model_validate(safe)
    return doc, json.dumps(doc.model_dump(mode="json"), indent=2, allow_nan=False) + "\n"


def schema_text() -> str:
    """The JSON Schema of ``metrics.json``, generated from :class:`RunMetrics`."""
    return json.dumps(RunMetrics.model_json_schema(), indent=2) + "\n"


def read_metrics(path: Path) -> RunMetrics:
    """Parse and validate a ``metrics.json``.

    Raises:
        pydantic.ValidationError: the file does not follow the schema.
    """
    return RunMetrics.model_validate_json(path.read_text())
