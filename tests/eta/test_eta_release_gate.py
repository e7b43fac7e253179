"""Release gate, hour-band bias guardrail and reroute sizing of the ETA case's Steps 2 and 7."""

from __future__ import annotations

import numpy as np

from cases.eta.artifacts import EtaData, EtaModels
from cases.eta.evaluation import hour_band_bias
from cases.eta.step_serving import release_gate
from framework import results

BANDS = {
    "00-03": {"gbm": 47.0, "free_flow": 45.0, "n_trips": 42.0},
    "08": {"gbm": 60.0, "free_flow": 190.0, "n_trips": 160.0},
}


def _check(name: str, kind: str, passed: bool) -> results.BehaviouralCheck:
    return results.BehaviouralCheck(name=name, kind=kind, passed=passed, detail=f"{name} detail")


def test_release_gate_passes_clean_runs():
    gate = release_gate([_check("a", "directional", True)], BANDS, "gbm", "free_flow")
    assert "nothing needs a waiver" in gate


def test_release_gate_blocks_a_directional_failure():
    checks = [_check("longer", "directional", False), _check("night", "minimum_functionality", False)]
    gate = release_gate(checks, BANDS, "gbm", "free_flow")
    assert gate.startswith("blocked") and "longer" in gate


def test_release_gate_waives_a_minimum_failure_with_the_losing_band_only():
    gate = release_gate([_check("night", "minimum_functionality", False)], BANDS, "gbm", "free_flow")
    assert gate.startswith("waived: night")
    assert "00-03 h 47.00 s vs free_flow 45.00 s (42 trips)" in gate
    assert "08 h" not in gate


def test_hour_band_bias_guardrail_is_measured_and_signed(small_run):
    _, outputs = small_run
    data, models = outputs.get(EtaData), outputs.get(EtaModels)
    best = outputs.get(results.LadderResult).best
    bias = hour_band_bias(data.trips, models.trip_predictions[best])
    measured = outputs.get(results.TestingResult).guardrails.values["hour_band_max_abs_bias_s"]
    assert measured == max(abs(v) for v in bias.values())
    # An ETA that is too short by a minute on every trip shows up as +60 s of bias in every band.
    shifted = hour_band_bias(data.trips, models.trip_predictions[best] - 60.0)
    assert np.allclose([shifted[k] - bias[k] for k in bias], 60.0)


def test_the_test_is_sized_on_the_larger_of_accuracy_and_reroutes(small_run):
    _, outputs = small_run
    ab = outputs.get(results.TestingResult).ab_test
    assert ab["test_users_per_arm"] == max(ab["users_per_arm"], ab["reroute_users_per_arm"])
    assert ab["reroute_users_per_arm"] > 1
