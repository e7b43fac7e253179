"""Model numbers at small scale, seed 0, equal those recorded before the step-contract redesign (commit 182abda).

A change that moves a model number on purpose updates ``benchmarks/reference_models.json``
(``python benchmarks/same_numbers.py`` shows what moved) and says why in its closing note.
"""

from __future__ import annotations

import pytest

from benchmarks.same_numbers import differences, reference
from framework.checks import session_for
from framework.registry import case_names, get_case


@pytest.mark.parametrize("case_name", case_names())
def test_small_run_has_the_recorded_model_numbers(case_name):
    metrics = session_for(get_case(case_name)).run()
    recorded = reference(case_name, "small")
    assert differences(metrics.models, recorded["models"]) == []
    assert metrics.best_model == recorded["best_model"]


def test_differences_names_every_changed_or_missing_metric():
    recorded = {"a": {"x": 1.0, "y": 2.0}, "b": {"x": 3.0}}
    assert differences({"a": {"x": 1.0, "y": 2.5}, "c": {"x": 3.0}}, recorded) == ["a.y", "b.x", "c.x"]
