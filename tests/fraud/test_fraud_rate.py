"""The realistic fraud-rate option (~0.1%): what it does to the data and to every figure that rests on few frauds."""

from __future__ import annotations

import numpy as np
import pytest

from cases.fraud import case, fraud_rate
from cases.fraud.artifacts import FraudData, FraudModels
from cases.fraud.config import FraudConfig
from framework import metrics
from framework.case import RunContext
from framework.config import build_config
from framework.pipeline import run_steps


@pytest.fixture(scope="module")
def realistic_run(tmp_path_factory):
    """The small-scale run with ``--set fraud_rate=0.001``, up to the ladder (seed 0)."""
    config = build_config(FraudConfig, "small", [f"fraud_rate={fraud_rate.REALISTIC_FRAUD_RATE}"])
    ctx = RunContext(case="fraud", config=config, seed=0, scale="small", out_dir=tmp_path_factory.mktemp("rate"))
    return run_steps(case, ctx, until="models")


def _ap_interval_width(y: np.ndarray, s: np.ndarray, draws: int = 200) -> float:
    """Width of the 95% bootstrap interval of average precision, relative to the point estimate."""
    rng = np.random.default_rng(0)
    idx = rng.integers(0, len(y), (draws, len(y)))
    aps = [metrics.average_precision(y[i], s[i]) for i in idx if y[i].any()]  # one per resample, not per row
    low, high = np.percentile(aps, [2.5, 97.5])
    return float((high - low) / metrics.average_precision(y, s))


def test_default_numbers_do_not_use_the_knob():
    for scale in ("small", "default", "large"):
        config = build_config(FraudConfig, scale)
        assert config.fraud_rate is None
        assert config.model_dump(exclude={"fraud_rate"}) == FraudConfig(**FraudConfig.scales[scale]).model_dump(
            exclude={"fraud_rate"}
        )


def test_the_knob_scales_every_scenario_alike():
    base = build_config(FraudConfig, "default").model_dump()
    scaled = build_config(FraudConfig, "default", ["fraud_rate=0.001"]).model_dump()
    before, after = fraud_rate.expected_rate(base), fraud_rate.expected_rate(scaled)
    assert after["total"] == pytest.approx(0.001, rel=1e-3)
    for scenario in ("amount outlier", "compromised terminal", "compromised card"):
        assert after[scenario] / before[scenario] == pytest.approx(0.001 / before["total"], rel=1e-2)
    assert scaled["outlier_amount"] > base["outlier_amount"]


def test_the_expected_rate_matches_the_simulation(small_run, realistic_run):
    for run in (small_run, realistic_run):
        config = run.records["data"].summary  # the whole simulation's rate (tx holds the split's days)
        assert config["fraud_rate"] == pytest.approx(config["expected_fraud_rate"], rel=0.35)
    assert realistic_run.records["data"].summary["fraud_rate"] < 0.002


def test_what_changes_at_a_realistic_fraud_rate(small_run, realistic_run):
    """Fewer test frauds, lower AP and precision at the review budget, wider bootstrap intervals."""
    handbook, realistic = small_run.records["data"].summary, realistic_run.records["data"].summary
    assert realistic["test_frauds"] * 3 < handbook["test_frauds"]
    # The same model class on both: the tree, whatever the ladder deploys.
    m_handbook = small_run.records["models"].models["tree_ensemble"]
    m_realistic = realistic_run.records["models"].models["tree_ensemble"]
    assert m_realistic["average_precision"] < m_handbook["average_precision"]
    assert m_realistic["card_precision_at_100"] < m_handbook["card_precision_at_100"]
    widths = []
    for run in (small_run, realistic_run):
        data, trained = run.get(FraudData), run.get(FraudModels)
        y = data.tx[data.split.test]["is_fraud"].to_numpy()
        widths.append(_ap_interval_width(y, trained.scores["tree_ensemble"]))
    assert widths[1] > widths[0]
