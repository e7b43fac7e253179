"""Specs reject bad designs; the architecture graph is validated and its latency budget summed."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cases.eta.design import DESIGN, METRICS, MODELS, PROBLEM
from framework.architecture import ArchitectureError, ArchitectureSpec, Component, Flow, latency_budget, validate
from framework.specs import Constraints, MetricsSpec, ModelSpec, ProblemSpec


def test_capacity_is_computed_from_constraints():
    c = Constraints(
        daily_active_users=1_000,
        requests_per_user_per_day=86.4,
        peak_to_average=3,
        latency_sla_ms=100,
        logged_events_per_day=2e6,
        bytes_per_event=500,
        retention_days=10,
    )
    cap = ProblemSpec(**{**PROBLEM.model_dump(exclude={"capacity"}), "constraints": c.model_dump()}).capacity
    # 1,000 users x 86.4 requests / 86,400 s = 1 QPS; x3 at peak; 2e6 x 500 B = 1 GB/day; 10 days = 0.01 TB
    assert cap.qps_average == pytest.approx(1.0)
    assert cap.qps_peak == pytest.approx(3.0)
    assert cap.storage_per_day_gb == pytest.approx(1.0)
    assert cap.storage_retained_tb == pytest.approx(0.01)


def test_specs_forbid_unknown_fields():
    with pytest.raises(ValidationError, match="extra"):
        Constraints(**PROBLEM.constraints.model_dump(), qps=5)


def test_primary_metric_must_be_offline():
    with pytest.raises(ValidationError, match="primary metric 'auc'"):
        MetricsSpec(**{**METRICS.model_dump(), "primary": "auc"})


def test_ladder_needs_every_role():
    ladder = [m for m in MODELS.model_dump()["ladder"] if m["role"] != "oracle"]
    with pytest.raises(ValidationError, match="oracle"):
        ModelSpec(ladder=ladder)


def _spec(components, flows) -> ArchitectureSpec:
    return ArchitectureSpec(components=[Component(**c) for c in components], flows=[Flow(**f) for f in flows])


BASE = [
    {"id": "src", "label": "S", "kind": "source"},
    {"id": "kv", "label": "KV", "kind": "kv_store", "latency_ms": 5},
    {"id": "api", "label": "API", "kind": "service", "latency_ms": 40},
    {"id": "cache", "label": "Cache", "kind": "kv_store", "latency_ms": 1},
    {"id": "app", "label": "App", "kind": "client"},
]
FLOWS = [
    {"source": "src", "target": "kv"},
    {"source": "src", "target": "cache"},
    {"source": "kv", "target": "api", "serving": True},
    {"source": "cache", "target": "api", "serving": True},
    {"source": "api", "target": "app", "serving": True},
]


def test_latency_budget_takes_the_slowest_serving_path():
    path, total = latency_budget(_spec(BASE, FLOWS))
    assert path == ["kv", "api", "app"] and total == 45  # 5 + 40 + 0, not the 1 ms cache branch


@pytest.mark.parametrize(
    ("components", "flows", "message"),
    [
        (BASE, [*FLOWS, {"source": "api", "target": "ghost"}], "unknown component 'ghost'"),
        ([*BASE, {"id": "orphan", "label": "O", "kind": "compute"}], FLOWS, "not reachable.*orphan"),
        (BASE, [{**f, "serving": False} for f in FLOWS], "serving=True"),
        (BASE, [*FLOWS, {"source": "app", "target": "kv", "serving": True}], "cycle"),
        ([c for c in BASE if c["kind"] != "client"], [f for f in FLOWS if f["target"] != "app"], "client"),
        (
            BASE,
            [*(f for f in FLOWS if f["target"] != "app"), {"source": "api", "target": "app"}],
            "does not reach a client",
        ),
    ],
)
def test_validation_names_the_problem(components, flows, message):
    with pytest.raises(ArchitectureError, match=message):
        validate(_spec(components, flows))


def test_duplicate_component_ids_rejected():
    with pytest.raises(ValidationError, match="repeated"):
        _spec([*BASE, BASE[0]], FLOWS)


def test_eta_design_budget_within_sla():
    _, total = latency_budget(DESIGN.architecture)
    assert 0 < total <= DESIGN.problem.constraints.latency_sla_ms
