"""Step wiring: inputs matched by type, checked before anything runs, and a run that stops after any step."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest

from framework.case import Case, CaseConfig, RunContext
from framework.pipeline import WiringError, run_steps, wire
from framework.results import DataResult, FeaturesResult, LadderResult


@dataclass(frozen=True)
class Unproduced:
    """A type no step returns."""


def _ctx(case: Case, tmp_path) -> RunContext:
    return RunContext(case=case.name, config=case.config_model(), seed=0, scale="small", out_dir=tmp_path)


def _with(case: Case, **steps) -> Case:
    return dataclasses.replace(case, steps=dataclasses.replace(case.step_functions(), **steps))


def test_the_toy_case_is_wired_by_type(toy_case):
    wired = {w.key: w for w in wire(toy_case)}
    assert [w for w in wired] == ["data", "features", "models", "testing", "deployment", "monitoring"]
    assert wired["models"].inputs["data"].__name__ == "ToyData"
    assert wired["testing"].inputs == {"ladder": LadderResult}
    assert DataResult in wired["data"].outputs


def test_run_stops_after_the_named_step(toy_case, tmp_path):
    outputs = run_steps(toy_case, _ctx(toy_case, tmp_path), until="features")
    assert list(outputs.records) == ["data", "features"]
    assert isinstance(outputs.get(FeaturesResult), FeaturesResult)
    with pytest.raises(KeyError, match="LadderResult"):
        outputs.get(LadderResult)
    assert list(run_steps(toy_case, _ctx(toy_case, tmp_path), until=6).records)[-1] == "models"


def test_a_missing_input_fails_before_any_step_runs(toy_case, tmp_path):
    ran = []

    def data(ctx: RunContext[CaseConfig]) -> DataResult:
        ran.append("data")
        raise AssertionError("must not run")

    def features(missing: Unproduced) -> FeaturesResult:
        return FeaturesResult(summary={})

    broken = _with(toy_case, data=data, features=features)
    with pytest.raises(WiringError, match=r"step 'features'.*missing: Unproduced is not produced by an earlier step"):
        run_steps(broken, _ctx(broken, tmp_path))
    assert ran == []


def test_a_step_must_declare_its_record_and_annotate_its_inputs(toy_case):
    def no_record(ctx: RunContext[CaseConfig]) -> Unproduced:
        return Unproduced()

    def unannotated(ctx) -> FeaturesResult:  # noqa: ANN001 - the point of the test
        return FeaturesResult(summary={})

    with pytest.raises(WiringError, match="must return exactly one FeaturesResult"):
        wire(_with(toy_case, features=no_record))
    with pytest.raises(WiringError, match="parameter 'ctx' has no type annotation"):
        wire(_with(toy_case, features=unannotated))


class OtherConfig(CaseConfig):
    """Not the toy's config."""


def test_a_context_of_another_config_type_is_refused(toy_case):
    def features(ctx: RunContext[OtherConfig]) -> FeaturesResult:
        return FeaturesResult(summary={})

    with pytest.raises(WiringError, match="RunContext\\[OtherConfig\\] but the case's config is ToyConfig"):
        wire(_with(toy_case, features=features))


def test_a_step_returning_other_than_it_declared_is_named(toy_case, tmp_path):
    def features(ctx: RunContext[CaseConfig]) -> FeaturesResult:
        return {"n": 1}  # type: ignore[return-value]

    broken = _with(toy_case, features=features)
    with pytest.raises(WiringError, match="step 'features' returned a dict where it declared FeaturesResult"):
        run_steps(broken, _ctx(broken, tmp_path))


def test_lazy_steps_are_imported_on_first_use(toy_case):
    lazy = dataclasses.replace(toy_case, steps="tests.conftest:TOY_STEPS")
    assert lazy.step_functions() is lazy.step_functions()
    assert [w.key for w in wire(lazy)][-1] == "monitoring"
