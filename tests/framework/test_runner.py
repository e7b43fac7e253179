"""Runner: outputs written atomically, metrics.json in the design's schema, failures leave nothing behind."""

from __future__ import annotations

import json

import pytest

from framework.errors import BadInput
from framework.runmetrics import SCHEMA_FILE, RunMetrics
from framework.runner import run_case


def test_run_writes_every_output(toy_case, tmp_path):
    out = tmp_path / "toy"
    result = run_case(toy_case, out_dir=out, progress=False)
    for name in (
        "metrics.json",
        "report.md",
        "report.html",
        "design.json",
        "architecture.svg",
        "architecture.png",
        "architecture.dot",
    ):
        assert (out / name).stat().st_size > 0, name
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics == result.metrics.model_dump(mode="json")
    assert RunMetrics.model_validate(metrics) == result.metrics
    assert json.loads((out / SCHEMA_FILE).read_text()) == RunMetrics.model_json_schema()
    # The toy's linear model is exact up to noise, so it beats both constant predictors beyond doubt.
    assert metrics["best_model"] == "gradient_boosting" and metrics["primary_metric"] == "trip_mae_s"
    assert [c["versus"] for c in metrics["intervals"]] == ["gradient_boosting", "gradient_boosting"]
    assert all(not c["tie"] and c["low"] > 0 for c in metrics["intervals"])
    assert set(metrics["timings_s"]) >= {"problem", "architecture", "data", "models", "monitoring", "total"}
    assert metrics["serving"]["within_sla"] is True
    assert [p.name for p in tmp_path.iterdir()] == ["toy"], "no staging folder may remain"


def test_report_reads_as_nine_steps_with_numbers(toy_case, tmp_path):
    result = run_case(toy_case, out_dir=tmp_path / "toy", progress=False)
    report = (tmp_path / "toy" / "report.md").read_text()
    headings = [line for line in report.splitlines() if line.startswith("## ")]
    assert [h.split(".")[0] for h in headings[:9]] == [f"## {n}" for n in range(1, 10)]
    best = result.metrics.metric("gradient_boosting")
    assert best is not None
    assert f"{best:.4g}" in report
    html = (tmp_path / "toy" / "report.html").read_text()
    assert "<svg" in html and "/tmp" not in html.split("<svg", 1)[0]


def test_failed_step_leaves_previous_output_untouched(toy_case, tmp_path):
    out = tmp_path / "toy"
    run_case(toy_case, out_dir=out, progress=False)
    before = (out / "metrics.json").read_text()
    with pytest.raises(RuntimeError, match="toy failure"):
        run_case(toy_case, out_dir=out, overrides=["fail_at=models"], progress=False)
    assert (out / "metrics.json").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["toy"]


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"scale": "huge"}, "'huge'"),
        ({"overrides": ["nope=1"]}, "'nope'"),
        ({"overrides": ["rows=abc"]}, "'abc'"),
        ({"seed": -1}, "-1"),
        ({"data_path": "missing.csv"}, "missing.csv"),
    ],
)
def test_bad_input_raises_and_writes_nothing(toy_case, tmp_path, kwargs, needle):
    if "data_path" in kwargs:
        kwargs["data_path"] = tmp_path / kwargs["data_path"]
    with pytest.raises(BadInput, match=needle):
        run_case(toy_case, out_dir=tmp_path / "toy", progress=False, **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_same_seed_same_numbers_other_seed_differs(toy_case, tmp_path):
    a = run_case(toy_case, seed=3, out_dir=tmp_path / "a", progress=False).metrics
    b = run_case(toy_case, seed=3, out_dir=tmp_path / "b", progress=False).metrics
    c = run_case(toy_case, seed=4, out_dir=tmp_path / "c", progress=False).metrics
    assert a.models == b.models and a.intervals == b.intervals and a.models != c.models


def test_report_lists_each_steps_follow_ups_and_the_walk_shows_them_once(toy_case, tmp_path):
    import dataclasses

    from framework.notes import FollowUp
    from framework.walk_steps import build_walk

    models = toy_case.design.models.model_copy(
        update={"follow_ups": [FollowUp(question="Why {best_model}?", answer="It wins on {decision_metric}.")]}
    )
    case = dataclasses.replace(toy_case, design=toy_case.design.model_copy(update={"models": models}))
    result = run_case(case, out_dir=tmp_path / "toy", progress=False)
    report = (tmp_path / "toy" / "report.md").read_text()
    assert f"**Follow-up: Why {result.metrics.best_model}?** It wins on trip_mae_s." in report
    step6 = build_walk(case, result.metrics)[5].markdown()
    assert step6.count(f"Why {result.metrics.best_model}?") == 1
