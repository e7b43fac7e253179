"""Prose of real-data runs is true for that run: split, feedback, cold start, drift, runner-up, A/B sizing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cases.recommendation import case, ease
from cases.recommendation.design import DESIGN
from cases.recommendation.step_testing import edge_reading
from framework.cli import invoke, make_case_app
from framework.prose import context, fill, note_texts
from framework.results import Comparison, LadderResult
from framework.runmetrics import RunMetrics

DATA = Path(__file__).resolve().parents[2] / "data"
STEPS = ("problem", "metrics", "architecture", "data", "features", "models", "testing", "deployment", "monitoring")
SAMPLES = {"plays": "recommendation_plays.tsv", "ml": "recommendation_ratings.csv"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """The CLI run on a file without timestamps (play counts) and one with them (explicit ratings)."""
    out = {}
    for key, name in SAMPLES.items():
        folder = tmp_path_factory.mktemp(key) / "out"
        assert invoke(make_case_app(case), ["run", "--quiet", "--data", str(DATA / name), "--out", str(folder)]) == 0
        out[key] = folder
    return out


def notes_of(folder: Path) -> str:
    """Every note of the nine steps (talking points, trade-offs, follow-ups, rubric) filled from the run."""
    metrics = RunMetrics.model_validate_json((folder / "metrics.json").read_text())
    values = context(metrics, DESIGN)
    return "\n".join(fill(t, values) for step in STEPS for t in note_texts(getattr(DESIGN, step)))


def metrics_of(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "metrics.json").read_text())


def test_random_split_run_never_claims_a_temporal_split(runs):
    text = notes_of(runs["plays"]) + (runs["plays"] / "report.md").read_text()
    assert "per-user random hold-out" in metrics_of(runs["plays"])["data"]["split"]
    for wrong in ("temporal hold-out keeps", "latest ratings are held out instead", "Split by time", "MovieLens has"):
        assert wrong not in text, wrong
    assert "A per-user random hold-out is all a file without timestamps allows" in text
    assert "Every real rating counts" not in text and "weighted by its log play count" in text


def test_temporal_split_run_says_temporal_and_never_random(runs):
    text = notes_of(runs["ml"]) + (runs["ml"] / "report.md").read_text()
    assert "temporal" in metrics_of(runs["ml"])["data"]["split"]
    assert "A per-user temporal hold-out keeps every user evaluable" in text
    assert "a per-user random split has" not in text and "this run's split is random" not in text
    assert "Split by time: the last" not in text  # the synthetic log's global cut


def test_synthetic_notes_state_the_global_time_cut(small_run, small_ctx):
    prose = small_run.records["data"].summary["prose"]
    assert prose["split"].startswith("Split by time") and "temporal hold-out" not in prose["split_tradeoff"]
    assert "real rating" not in prose["feedback_tradeoff"]
    assert f"one plus {small_ctx.config.als_alpha:g} x clicks" in prose["positive"]


@pytest.mark.parametrize(("key", "weight"), [("plays", "1 + log1p(count)"), ("ml", "1.0 (every rating")])
def test_als_confidence_is_the_runs_own(runs, key, weight):
    data = metrics_of(runs[key])["data"]
    assert data["confidence"].startswith(weight)
    alpha = metrics_of(runs[key])["config"]["als_alpha"]
    text = notes_of(runs[key])
    assert f"one plus {alpha:g} x w for the pairs in it, where w is {data['confidence']}" in text
    assert "x clicks for clicked ones" not in text and "ALS turns repeat clicks" not in text


def test_nothing_unmeasured_is_shown_as_measured_on_real_data(runs):
    for folder in runs.values():
        m = metrics_of(folder)
        assert m["monitoring"]["metric_after"] is None and "monitoring.metric_after" in m["nulls"]
        report = (folder / "report.md").read_text()
        assert "n/a after the drift" in report
        assert "from the simulated sessions" not in report and "are assumed, not measured" in report
        assert "default scale" not in notes_of(folder)


def test_cold_start_check_is_marked_not_testable_on_ratings_files(runs):
    for folder in runs.values():
        m = metrics_of(folder)
        check = next(c for c in m["testing"]["behavioural"] if c["name"].startswith("cold-start"))
        assert check["detail"].startswith("not testable: a ratings file has no user segments")
        assert "their segment's top" not in check["detail"]
        assert "cannot be made as specified" in notes_of(folder)


def test_cold_start_check_keeps_its_wording_on_synthetic_data(small_run):
    check = next(c for c in small_run.records["testing"].behavioural if c.name.startswith("cold-start"))
    assert "their segment's top" in check.detail and "not testable" not in check.detail


def _ladder(difference: float, low: float, high: float) -> LadderResult:
    """item_cf deployed; ease the runner-up; the comparison is runner-up minus deployed (as the ladder stores it)."""
    models = {n: {"ndcg_at_10": 0.2} for n in ("random", "popularity", "item_cf", "ease")}
    comparison = Comparison(
        model="ease", versus="item_cf", metric="ndcg_at_10", difference=difference, low=low, high=high, tie=True
    )
    return LadderResult(
        models=models,
        naive="random",
        baseline="popularity",
        best="item_cf",
        oracle=None,
        decision_metric="ndcg_at_10",
        comparisons=[comparison],
    )


def test_a_better_runner_up_is_never_a_negative_edge():
    text = edge_reading(_ladder(0.0031, -0.0092, 0.0146))  # ease scores higher; item_cf kept by the tie rule
    assert "although the runner-up ease scores 0.0031 higher" in text and "contains zero" in text
    assert "edge of -" not in text and "edge of" not in text


def test_a_positive_edge_is_stated_as_one():
    text = edge_reading(_ladder(-0.0069, -0.0109, -0.0031))
    assert "deployed for an NDCG@10 edge of +0.0069 over the runner-up ease" in text
    assert "interval +0.0031 to +0.0109" in text


def test_real_run_edge_wording_follows_the_numbers(runs):
    for folder in runs.values():
        m = metrics_of(folder)
        reach = m["testing"]["slices"]["accuracy vs catalogue reach"]
        text = (folder / "report.md").read_text()
        if reach["deployed minus runner-up"]["ndcg_at_10"] < 0:
            assert "although the runner-up" in text and "NDCG@10 edge of -" not in text
        else:
            assert "deployed for an NDCG@10 edge of +" in text


def _clicks(seed: int = 0) -> Any:
    from scipy import sparse

    rng = np.random.default_rng(seed)
    return sparse.csr_matrix((rng.random((120, 40)) < 0.15).astype(float))


def test_lambda_grid_is_extended_past_an_edge_and_says_so():
    # A validation curve that keeps falling with lambda: the best is always the smallest penalty tried.
    model = ease.EASE(grid=(100.0, 200.0, 400.0), random_state=0)
    scores = ease._past_edges({100.0: 0.3, 200.0: 0.2, 400.0: 0.1}, lambda lam: 1.0 - lam / 1000)
    assert sorted(scores) == [12.5, 25.0, 50.0, 100.0, 200.0, 400.0]  # three halvings, still falling
    model.validation_ndcg_, model.l2_ = dict(sorted(scores.items())), 12.5
    note = model.describe()
    assert "extended down to 12.5" in note and "still the smallest penalty tried" in note
    turned = ease._past_edges({100.0: 0.3, 200.0: 0.2, 400.0: 0.1}, lambda lam: 0.25 if lam == 50.0 else 0.0)
    assert sorted(turned) == [50.0, 100.0, 200.0, 400.0]  # one step down, the curve turned: stop
    model.validation_ndcg_, model.l2_ = dict(sorted(turned.items())), 100.0
    assert "extended down to 50" in model.describe() and "still" not in model.describe()
    upper = ease._past_edges({100.0: 0.1, 200.0: 0.2, 400.0: 0.3}, lambda lam: 0.0)
    assert sorted(upper) == [100.0, 200.0, 400.0, 800.0]
    inside = ease._past_edges({100.0: 0.1, 200.0: 0.3, 400.0: 0.2}, lambda lam: 1.0)
    assert sorted(inside) == [100.0, 200.0, 400.0]  # an interior best needs no extension


def test_fitted_ease_choice_is_never_silently_on_an_edge():
    model = ease.EASE(grid=(100.0, 200.0, 400.0), random_state=0).fit(_clicks())
    tried = sorted(model.validation_ndcg_)
    note = model.describe()
    if model.l2_ in (tried[0], tried[-1]) and len(set(model.validation_ndcg_.values())) > 1:
        assert "still the" in note
    assert model.l2_ in model.validation_ndcg_
