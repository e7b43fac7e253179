"""The nine design-step specs as pydantic models: a case's design is data, validated on load."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, computed_field, model_validator

from framework.architecture import ArchitectureSpec
from framework.drills import Drill
from framework.notes import StepNotes
from framework.spec import Spec
from framework.timeunits import SECONDS_PER_DAY


class ClarifyingQuestion(Spec):
    """A question to ask the interviewer and the answer this design assumes."""

    question: str
    assumed_answer: str


class Constraints(Spec):
    """The numbers the capacity estimate is computed from.

    Attributes:
        daily_active_users: users who make at least one request per day.
        requests_per_user_per_day: average prediction requests per active user.
        peak_to_average: ratio of the busiest hour's QPS to the day's average.
        latency_sla_ms: end-to-end latency target of one prediction request (p99).
        logged_events_per_day: raw events stored per day (e.g. GPS probes, clicks).
        bytes_per_event: size of one stored event.
        retention_days: how long raw events are kept.
    """

    daily_active_users: int = Field(gt=0)
    requests_per_user_per_day: float = Field(gt=0)
    peak_to_average: float = Field(ge=1)
    latency_sla_ms: float = Field(gt=0)
    logged_events_per_day: float = Field(gt=0)
    bytes_per_event: int = Field(gt=0)
    retention_days: int = Field(gt=0)


class CapacityEstimate(Spec):
    """Back-of-the-envelope numbers derived from :class:`Constraints`."""

    requests_per_day: float
    qps_average: float
    qps_peak: float
    storage_per_day_gb: float
    storage_retained_tb: float


class ProblemSpec(StepNotes):
    """Step 1: what the business wants and what the ML system must do."""

    business_goal: str
    ml_task: str
    inputs: list[str]
    outputs: list[str]
    constraints: Constraints
    clarifying_questions: list[ClarifyingQuestion]
    assumptions: list[str]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def capacity(self) -> CapacityEstimate:
        """QPS and storage computed from the constraints, never typed in by hand."""
        c = self.constraints
        per_day = c.daily_active_users * c.requests_per_user_per_day
        storage_day = c.logged_events_per_day * c.bytes_per_event / 1e9
        return CapacityEstimate(
            requests_per_day=per_day,
            qps_average=per_day / SECONDS_PER_DAY,
            qps_peak=per_day / SECONDS_PER_DAY * c.peak_to_average,
            storage_per_day_gb=storage_day,
            storage_retained_tb=storage_day * c.retention_days / 1e3,
        )


class OfflineMetric(Spec):
    """An offline metric: its implementation is ``framework.metrics.<function>``."""

    name: str
    function: str
    description: str
    higher_is_better: bool
    # How per-unit values add up to the metric: the mean (MAE, NDCG per user) or the sum (expected cost).
    aggregate: Literal["mean", "sum"] = "mean"


class OnlineMetric(Spec):
    """A metric measured on live traffic."""

    name: str
    description: str


class Guardrail(Spec):
    """A limit the system must respect whatever the primary metric says, measured on every run.

    Attributes:
        name: id the case reports the measured value under (e.g. ``false_decline_rate``).
        description: the guardrail as said in an interview.
        limit: the bound, in ``unit``.
        unit: unit of the measured value and the limit (``ms``, ``share``, ``cards/day``...).
        at_most: True when the measured value must not exceed the limit, False when it must not fall below.
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str
    limit: float
    unit: str
    at_most: bool = True


class MetricsSpec(StepNotes):
    """Step 2: how success is measured offline and online."""

    offline: list[OfflineMetric]
    online: list[OnlineMetric]
    guardrails: list[Guardrail]
    primary: str
    # The metric the deployed model is chosen by, when it is not the primary one (fraud: expected cost).
    decision: str | None = None

    @model_validator(mode="after")
    def _primary_is_offline(self) -> MetricsSpec:
        names = [m.name for m in self.offline]
        for role, name in (("primary", self.primary), ("decision", self.decision or self.primary)):
            if name not in names:
                raise ValueError(f"{role} metric {name!r} is not one of the offline metrics {names}")
        return self

    @property
    def decision_metric(self) -> OfflineMetric:
        """The offline metric that decides which model is deployed (the primary one unless named)."""
        return next(m for m in self.offline if m.name == (self.decision or self.primary))

    @property
    def primary_metric(self) -> OfflineMetric:
        """The offline metric every model is ranked by in reports."""
        return next(m for m in self.offline if m.name == self.primary)


class DataSource(Spec):
    """One raw input of the system."""

    name: str
    description: str
    fields: list[str]


class DataSpec(StepNotes):
    """Step 4: where data comes from, how it is cleaned and split."""

    sources: list[DataSource]
    generator: str
    real_data_format: str
    cleaning: list[str]
    split: str


class FeatureDef(Spec):
    """One model input; ``kind`` decides how monitoring compares it (categorical: shares, never KS)."""

    name: str
    description: str
    kind: Literal["numeric", "categorical"] = "numeric"


class FeatureSpec(StepNotes):
    """Step 5: the features and how leakage is prevented."""

    features: list[FeatureDef]
    leakage_guards: list[str]


class ModelDef(Spec):
    """A rung of the model ladder."""

    name: str
    role: Literal["naive", "baseline", "stronger", "oracle"]
    description: str


class ModelSpec(StepNotes):
    """Step 6: the ladder from naive to oracle."""

    ladder: list[ModelDef]

    def names(self, role: str) -> list[str]:
        """The ladder's models with this role, simplest first."""
        return [m.name for m in self.ladder if m.role == role]

    @model_validator(mode="after")
    def _has_every_role(self) -> ModelSpec:
        roles = {m.role for m in self.ladder}
        missing = {"naive", "baseline", "stronger", "oracle"} - roles
        if missing:
            raise ValueError(f"model ladder lacks the role(s) {sorted(missing)}")
        return self


class TestingSpec(StepNotes):
    """Step 7: behavioural tests, slices, and the online test plan."""

    behavioural: list[str]
    slices: list[str]
    online_test: str


class DeploymentSpec(StepNotes):
    """Step 8: how predictions reach users."""

    mode: Literal["online", "batch", "hybrid"]
    description: str
    store: str


class MonitoringSpec(StepNotes):
    """Step 9: what drift is watched and when to alert."""

    drift_scenarios: list[str]
    detectors: list[str]
    psi_alert: float = Field(default=0.2, gt=0)
    ks_alert: float = Field(default=0.1, gt=0, le=1)
    metric_degradation_alert: float = Field(default=0.1, gt=0)


class CaseDesign(Spec):
    """The whole nine-step design of one case, plus its spot-the-flaw drills."""

    name: str
    title: str
    summary: str
    problem: ProblemSpec
    metrics: MetricsSpec
    architecture: ArchitectureSpec
    data: DataSpec
    features: FeatureSpec
    models: ModelSpec
    testing: TestingSpec
    deployment: DeploymentSpec
    monitoring: MonitoringSpec
    drills: list[Drill] = Field(default_factory=list)
