"""Issue 10's conformance checks pass on a sound run and fail, saying how to fix, on a deliberately broken copy."""

from __future__ import annotations

import dataclasses

import pytest

from framework import checks
from framework.checks import CheckFailed, CheckSession
from framework.runmetrics import RunMetrics
from framework.runner import run_case
from framework.specs import FeatureDef
from framework.templates.newcase.design import DESIGN as TEMPLATE_DESIGN


@pytest.fixture
def toy_run(toy_case, tmp_path) -> RunMetrics:
    return run_case(toy_case, out_dir=tmp_path / "toy", progress=False).metrics


def _session(case, metrics: RunMetrics) -> CheckSession:
    session = CheckSession(case)
    session._runs["a"] = metrics  # the check reads this run instead of making one
    return session


def _models(metrics: RunMetrics, model: str, value: float) -> RunMetrics:
    models = {k: dict(v) for k, v in metrics.models.items()}
    models[model][metrics.primary_metric] = value
    return metrics.model_copy(update={"models": models})


def test_oracle_bound_holds_on_the_toy_and_fails_when_a_model_beats_the_oracle(toy_case, toy_run):
    checks.check_oracle_is_a_bound(_session(toy_case, toy_run))
    model = toy_run.metric("gradient_boosting")
    assert model is not None
    broken = _models(toy_run, "oracle", model + 1.0)  # the model's MAE now lower than the oracle's
    with pytest.raises(CheckFailed, match="better than the oracle's.*conditional median"):
        checks.check_oracle_is_a_bound(_session(toy_case, broken))


def test_deployed_model_must_be_best_or_tied(toy_case, toy_run):
    checks.check_deployed_is_best_or_tied(_session(toy_case, toy_run))
    better = toy_run.intervals[0].model_copy(update={"difference": -5.0, "low": -6.0, "high": -4.0, "tie": False})
    broken = toy_run.model_copy(update={"intervals": [better, *toy_run.intervals[1:]]})
    with pytest.raises(CheckFailed, match="better than the deployed .* beyond its interval"):
        checks.check_deployed_is_best_or_tied(_session(toy_case, broken))
    tied = better.model_copy(update={"low": -6.0, "high": 1.0, "tie": True})
    checks.check_deployed_is_best_or_tied(_session(toy_case, toy_run.model_copy(update={"intervals": [tied]})))


def test_every_guardrail_must_be_measured(toy_case, toy_run):
    assert toy_run.guardrails and all(g.measured is None for g in toy_run.guardrails)  # the toy measures none
    with pytest.raises(CheckFailed, match="not measured on this run"):
        checks.check_guardrails_evaluated(_session(toy_case, toy_run))
    measured = [g.model_copy(update={"measured": 1.0, "passed": False}) for g in toy_run.guardrails]
    checks.check_guardrails_evaluated(_session(toy_case, toy_run.model_copy(update={"guardrails": measured})))


def test_guardrail_verdict_follows_the_limit_and_direction(toy_run):
    from framework.guardrails import evaluate_guardrails
    from framework.specs import Guardrail

    specs = [
        Guardrail(name="p99_ms", description="p99", limit=200, unit="ms"),
        Guardrail(name="availability", description="answered", limit=0.9999, unit="share", at_most=False),
    ]
    ok = evaluate_guardrails(specs, {"p99_ms": 150.0, "availability": 1.0})
    bad = evaluate_guardrails(specs, {"p99_ms": 250.0, "availability": 0.99})
    assert [g.passed for g in ok] == [True, True] and [g.passed for g in bad] == [False, False]
    assert [g.passed for g in evaluate_guardrails(specs, {})] == [None, None]


def _with_plan(metrics: RunMetrics, **plan) -> RunMetrics:
    sound = {"per_arm": 1000, "days": 7.0, "simulated_per_arm": None}
    testing = metrics.testing.model_copy(update={"ab_plan": {**sound, **plan}})
    return metrics.model_copy(update={"testing": testing})


def test_ab_plan_runs_whole_weeks_and_simulates_the_sized_sample(toy_case, toy_run):
    checks.check_ab_plan_is_sound(_session(toy_case, _with_plan(toy_run)))
    checks.check_ab_plan_is_sound(_session(toy_case, _with_plan(toy_run, simulated_per_arm=1000)))
    with pytest.raises(CheckFailed, match="returns no ab_plan"):
        checks.check_ab_plan_is_sound(_session(toy_case, toy_run))
    with pytest.raises(CheckFailed, match="at least one full weekly cycle"):
        checks.check_ab_plan_is_sound(_session(toy_case, _with_plan(toy_run, days=3.0)))
    with pytest.raises(CheckFailed, match="simulation uses 999 units per arm but the plan sizes 1000"):
        checks.check_ab_plan_is_sound(_session(toy_case, _with_plan(toy_run, simulated_per_arm=999)))


def _with_point(case, point: str):
    spec = case.design.models.model_copy(update={"talking_points": [point]})
    return dataclasses.replace(case, design=case.design.model_copy(update={"models": spec}))


def test_notes_must_name_their_numbers_as_fields(toy_case, toy_run):
    sound = _with_point(toy_case, "Deployed {best_model}: trip MAE {best[trip_mae_s]:.1f} s, p99 a name not a figure.")
    checks.check_notes_are_templates(_session(sound, toy_run))
    literal = _with_point(toy_case, "The tree wins (0.70 vs 0.65) on a 7-day window.")
    with pytest.raises(CheckFailed, match=r"writes the number\(s\) \['0.70', '0.65', '7'\]"):
        checks.check_notes_are_templates(_session(literal, toy_run))
    unknown = _with_point(toy_case, "Deployed: {best[no_such_metric]}.")
    with pytest.raises(CheckFailed, match="no_such_metric"):
        checks.check_notes_are_templates(_session(unknown, toy_run))


def test_the_template_case_notes_are_templates():
    from framework.prose import literal_numbers, note_texts
    from framework.steptable import STEP_KEYS

    assert [t for k in STEP_KEYS for t in note_texts(getattr(TEMPLATE_DESIGN, k)) if literal_numbers(t)] == []


def test_categorical_inputs_are_never_compared_by_ks(toy_case, toy_run):
    features = toy_case.design.features.model_copy(
        update={"features": [FeatureDef(name="x", description="a category code", kind="categorical")]}
    )
    categorical = dataclasses.replace(toy_case, design=toy_case.design.model_copy(update={"features": features}))
    with pytest.raises(CheckFailed, match="categorical column 'x' is monitored with KS"):
        checks.check_categorical_drift_without_ks(_session(categorical, toy_run))
    shares = toy_run.monitoring.model_copy(update={"feature_drift": {"x": {"psi": 0.01, "chi2_pvalue": 0.5}}})
    checks.check_categorical_drift_without_ks(_session(categorical, toy_run.model_copy(update={"monitoring": shares})))
    checks.check_categorical_drift_without_ks(_session(toy_case, toy_run))  # numeric x may use KS


def test_a_value_this_run_could_not_compute_reads_n_a_in_prose():
    from framework.prose import fill

    values = {"slice": {"n": 0, "mae": None}}
    assert fill("{slice[n]:.0f} trips, MAE {slice[mae]:.1f} s", values) == "0 trips, MAE n/a s"


def test_within_sla_never_stands_next_to_a_failing_latency_guardrail():
    from framework.checks import session_for
    from framework.registry import get_case
    from framework.report import build_sections
    from framework.runmetrics import GuardrailRecord

    case = get_case("eta")
    metrics = session_for(case).run()
    failing = GuardrailRecord(
        name="scoring_p99",
        description="the scorer's own share",
        limit=10.0,
        unit="ms",
        at_most=True,
        measured=40.5,
        passed=False,
        detail="measured",
    )
    broken = metrics.model_copy(update={"guardrails": [*metrics.guardrails, failing]})
    deployment = next(s for s in build_sections(case, broken) if s.anchor == "step-8")
    text = " ".join(b for b in deployment.blocks if isinstance(b, str))
    assert "The scoring p99 guardrail fails, though: 40.5 ms against its 10 ms limit" in text
    clean = next(s for s in build_sections(case, metrics) if s.anchor == "step-8")
    assert "fails, though" not in " ".join(b for b in clean.blocks if isinstance(b, str))
