"""Typed results that each lifecycle step of a case hands back to the runner."""

from __future__ import annotations

from typing import Any

import pandas as pd  # noqa: TC002 (pydantic resolves the DataFrame fields at class creation)
from pydantic import BaseModel, ConfigDict, Field

from framework.drift import Alert


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


class DataResult(_Result):
    """Step 4: the cleaned data, split into train and test.

    Attributes:
        train: training rows (after cleaning).
        test: held-out rows, later in time than ``train`` when ``time_column`` is set.
        time_column: column ordering the split; the conformance check asserts
            ``train[time_column].max() < test[time_column].min()``.
        id_column: column identifying a row; no id may appear in both splits.
        synthetic: True when the rows come from the case's generator (which also knows the
            truth an oracle needs), False for ``--data``: the one place later steps ask.
        summary: plain numbers for ``metrics.json["data"]`` (row counts, rows dropped...).
    """

    train: pd.DataFrame
    test: pd.DataFrame
    synthetic: bool
    time_column: str | None = None
    id_column: str | None = None
    summary: dict[str, Any] = Field(default_factory=dict)


class FeaturesResult(_Result):
    """Step 5: what the feature pipeline built, as plain numbers and names for the report."""

    summary: dict[str, Any]


class Comparison(_Result):
    """A paired bootstrap comparison of two models on the decision metric (same test units, resampled together).

    Attributes:
        model: the model compared.
        versus: the model it is compared with (the deployed one).
        metric: the decision metric.
        difference: ``metric(model) - metric(versus)`` on the whole test set.
        low: lower end of the 95% percentile interval of the difference.
        high: upper end.
        tie: the interval contains 0: the data cannot tell the two apart.
    """

    model: str
    versus: str
    metric: str
    difference: float
    low: float
    high: float
    tie: bool


class LadderResult(_Result):
    """Step 6: every model of the ladder with every offline metric on the held-out split.

    Built by :func:`framework.ladder.build_ladder`, never by hand: the roles come from the
    design and the deployed model from the decision metric with its bootstrap intervals.

    Attributes:
        models: model name -> metric name -> value, in the design's ladder order.
        naive: the naive model to beat (the last rung with role ``naive``).
        baseline: the seed's baseline model.
        best: the deployed model: the simplest one the data cannot tell from the top model
            on the decision metric.
        oracle: the oracle's name, or None when the run has no generator truth.
        decision_metric: the metric the deployed model is chosen by.
        comparisons: every other candidate compared with ``best``.
        climb: each rung compared with the rung below it: does every step up the ladder earn its place?
        spread: candidate -> ``[low, high]``, the 95% bootstrap interval of its own decision metric
            (the same resamples as the comparisons).
        notes: one line per model explaining what it is.
    """

    models: dict[str, dict[str, float]]
    naive: str
    baseline: str
    best: str
    oracle: str | None
    decision_metric: str
    comparisons: list[Comparison]
    climb: list[Comparison] = Field(default_factory=list)
    spread: dict[str, list[float]] = Field(default_factory=dict)
    notes: dict[str, str] = Field(default_factory=dict)


class BehaviouralCheck(_Result):
    """One behavioural test of a trained model (Ribeiro et al., CheckList)."""

    name: str
    kind: str  # "invariance" | "directional" | "minimum_functionality"
    passed: bool
    detail: str


class Measured(_Result):
    """Guardrail values a step measured: guardrail name -> value in the guardrail's unit, and how."""

    values: dict[str, float] = Field(default_factory=dict)
    details: dict[str, str] = Field(default_factory=dict)


class AbPlan(_Result):
    """The online test as a statistician would sign it: sized from a chosen effect, run for whole weeks.

    Attributes:
        metric: the online metric the test decides on.
        control: what runs in production today.
        treatment: the deployed candidate.
        unit: the randomisation unit (user, card...); everything of one unit stays in one arm.
        minimum_detectable_effect: the smallest effect worth detecting, chosen before the test
            (never the lift observed offline).
        relative: the effect is relative to the control's level (else absolute, in the metric's unit).
        alpha: two-sided significance level.
        power: probability of detecting the effect when it is real.
        design_effect: variance inflation because measured units repeat within a randomised unit.
        per_arm: randomised units per arm, design effect included.
        days: days of traffic to reach ``per_arm``, rounded up to whole weeks (at least one).
        simulated_per_arm: units per arm of the simulated test, when the generator allows one.
        test_per_arm: units per arm the test enrols when a guardrail metric needs more than ``per_arm``
            (the primary metric's size); ``days`` is then counted for this size.
        test_size_set_by: what needs ``test_per_arm``, e.g. "the reroute-rate guardrail".
    """

    metric: str
    control: str
    treatment: str
    unit: str
    minimum_detectable_effect: float
    relative: bool
    alpha: float
    power: float
    design_effect: float = 1.0
    per_arm: int
    days: float
    simulated_per_arm: int | None = None
    test_per_arm: int | None = None
    test_size_set_by: str = ""


class TestingResult(_Result):
    """Step 7: behavioural checks, slice metrics, the online-test plan and the guardrails it measured."""

    behavioural: list[BehaviouralCheck]
    slices: dict[str, dict[str, dict[str, float]]] = Field(default_factory=dict)
    ab_test: dict[str, Any] = Field(default_factory=dict)
    ab_plan: AbPlan | None = None
    guardrails: Measured = Field(default_factory=Measured)


class ServingResult(_Result):
    """Step 8: the measured serving path."""

    p50_ms: float
    p99_ms: float
    sla_ms: float
    requests: int
    # Case figures; ``extra["report_lines"]`` (sentences) are shown in the report's step 8 under the latencies.
    extra: dict[str, Any] = Field(default_factory=dict)
    guardrails: Measured = Field(default_factory=Measured)


class MonitoringResult(_Result):
    """Step 9: drift injected through the generator and what detection saw."""

    scenario: str
    feature_drift: dict[str, dict[str, float]]  # feature -> {"psi", "ks"[, "ks_pvalue"]} or {"psi", "chi2_pvalue"}
    metric: str  # the model metric watched, e.g. "segment_mae_s"
    metric_before: float
    metric_after: float
    alerts: list[Alert]
    thresholds: dict[str, float]
    extra: dict[str, Any] = Field(default_factory=dict)
    guardrails: Measured = Field(default_factory=Measured)


class Plot(_Result):
    """A figure written by a step into the output folder."""

    step: int
    file: str
    caption: str
