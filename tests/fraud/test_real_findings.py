"""Findings of the cold review of the real-data samples, each pinned on a CLI run of a committed sample."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cases.fraud import behaviour, checks
from cases.fraud.ab_honesty import guardrail_bounds
from cases.fraud.config import FraudConfig
from cases.fraud.design import DESIGN
from cases.fraud.models import choose_threshold
from framework.config import build_config

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cases.fraud", "run", *args], capture_output=True, text=True, cwd=REPO, timeout=120
    )


@pytest.fixture(scope="module")
def runs(sample_runs) -> dict[str, tuple[dict, str, str]]:
    """Each real sample run once: name -> (metrics.json, report.md, stderr)."""
    return {name: (metrics, report, stderr) for name, (metrics, report, stderr, _) in sample_runs.items()}


def test_a_constant_scorer_alerts_nothing():
    y = np.array([1, 1, 0, 0])
    # Missed fraud (1,000) costs more than reviewing everything (4): a cost rule alone would alert all.
    assert choose_threshold(y, np.zeros(4), np.array([500.0, 500.0, 1.0, 1.0]), 1.0) == math.inf


@pytest.mark.parametrize("name", ["handbook", "anonymous", "paysim"])
def test_never_fraud_declines_nothing_on_real_data(runs, name):
    metrics, _, _ = runs[name]
    paradox = metrics["testing"]["slices"]["accuracy paradox"]["never_fraud"]
    assert paradox["alerts"] == 0 and paradox["recall"] == 0
    assert metrics["models"]["never_fraud"]["accuracy"] == pytest.approx(
        metrics["data"]["test_accuracy_of_never_fraud"]
    )


def test_the_ab_control_is_what_runs_today(runs):
    for name in ("handbook", "paysim", "anonymous"):
        metrics, report, _ = runs[name]
        ab = metrics["testing"]["ab_test"]
        best = metrics["best_model"]
        if best in ("never_fraud", "amount_rule", metrics["baseline"]):
            assert ab["control"].startswith("amount_rule"), (name, ab["control"])
        if best == "amount_rule":  # keeping the rules engine: nothing to test against itself
            assert ab["treatment"].startswith("none: the deployed model amount_rule is the rules engine")
        assert "against logistic_regression (what runs today)" not in report


def test_ignored_columns_and_small_test_windows_are_warned(runs):
    warnings = runs["paysim"][0]["data"]["warnings"]
    assert any("oldbalanceOrg" in w and "customer_terminal mode uses only its own features" in w for w in warnings)
    hb = runs["handbook"][0]["data"]
    assert hb["test_frauds"] < 30 and "small_sample" in hb
    # The handbook's scenario column is the label in disguise and its time columns repeat the timestamp:
    # rightly ignored, never suggested as features.
    assert "TX_FRAUD_SCENARIO" in hb["ignored_columns"]
    assert not any("TX_FRAUD_SCENARIO" in w or "TX_TIME_SECONDS" in w for w in hb["warnings"])
    assert not any("isFlaggedFraud" in w for w in warnings)
    assert any("only 2 fraud(s)" in w for w in hb["warnings"])
    assert "only 2 fraud(s)" in runs["handbook"][2]


@pytest.mark.parametrize("name", ["handbook", "paysim", "anonymous"])
def test_no_infinite_queue_is_printed(runs, name):
    _, report, _ = runs[name]
    assert " inf " not in report and "roughly inf" not in report


def test_zero_honest_declines_give_no_queue_bound():
    row = {"false_decline_rate": 0.0, "review_queue_cards_per_day": 0.0}
    out = guardrail_bounds(row, 161, 0.001, 20_000)
    assert out["review_queue_upper_95"] is None and "no bound on the queue" in out["guardrail_uncertainty"]
    assert out["guardrails_hold_at_upper_bound"] is False


def test_anonymous_mode_counts_transactions_not_cards(runs):
    metrics, report, _ = runs["anonymous"]
    ab = metrics["testing"]["ab_test"]
    assert "cards_per_arm" not in ab and ab["transactions_per_arm"] > 0 and ab["randomised_by"] == "transaction"
    assert metrics["testing"]["ab_plan"]["unit"] == "transaction"
    assert "| cards per arm |" not in report and "randomised by card" not in report
    for row in metrics["testing"]["slices"]["decision policy"].values():
        assert "review_queue_cards_per_day" not in row
    assert "cards a day to review" not in ab["go_no_go"]
    assert ab["read_out_after_days"] == ab["days_planned"] + 7  # the production label delay, not the scaled gap


def test_split_prose_follows_this_runs_windows(runs):
    metrics, report, _ = runs["anonymous"]
    assert metrics["data"]["train_window_said"] == "9-hour"
    assert "(7 + 7)" not in report and "A 7-day training window" not in report
    assert "9 + 9 hours" in report and "A 9-hour training window" in report


def test_anonymous_prose_names_no_cards_or_simulator_patterns(runs):
    _, report, _ = runs["anonymous"]
    assert "amount step above 220" not in report and "card-average features" not in report
    assert "Fraudsters adapt to the deployed model (measured above)" not in report


def test_behavioural_checks_do_not_pass_vacuously_nor_fail_by_construction(runs):
    metrics, _, _ = runs["handbook"]
    checks_ = {c["name"]: c for c in metrics["testing"]["behavioural"]}
    outliers = checks_["amount outliers are alerted"]
    if outliers["detail"].startswith("0 test rows"):
        assert not outliers["passed"] and "not testable" in outliers["detail"]
    if metrics["best_model"] in ("never_fraud", "amount_rule"):
        assert "recent frauds at the terminal raise the score" not in checks_
        assert "n/a" in metrics["testing"]["ab_test"]["behavioural_checks_not_applicable"]


def test_an_amount_rule_is_not_tested_on_terminal_risk():
    X = pd.DataFrame({"amount": [10.0, 20.0], "terminal_risk_30d": [0.0, 0.0], "terminal_nb_tx_30d": [1.0, 1.0]})
    for w in (1, 7):
        X[f"terminal_risk_{w}d"], X[f"terminal_nb_tx_{w}d"] = 0.0, 1.0
    tx = pd.DataFrame({"transaction_id": [0, 1], "is_fraud": [0, 0]})
    skipped: list[str] = []
    out = behaviour.run_checks(
        lambda frame: frame["amount"].to_numpy(),
        tx,
        X,
        np.array([True, True]),
        15.0,
        lambda frame: X,
        1_000.0,
        np.random.default_rng(0),
        reads=("amount",),
        not_applicable=skipped,
    )
    names = {c.name for c in out}
    assert "recent frauds at the terminal raise the score" not in names and "terminal" in skipped[0]
    assert not next(c for c in out if c.name == "amount outliers are alerted").passed


def test_card_precision_is_not_read_with_fewer_cards_than_k(runs):
    metrics, _, _ = runs["handbook"]
    data = metrics["data"]
    assert data["test_cards_per_day"] < 100 and "investigated_share_of_cards" not in data
    assert "cannot separate models" in data["card_precision_note"]
    assert not any("card_precision" in a["subject"] for a in metrics["monitoring"]["alerts"])


def test_real_monitoring_compares_like_with_like(runs):
    for name in ("handbook", "anonymous"):
        monitoring = runs[name][0]["monitoring"]
        assert "out of sample" in monitoring["before_window"]
        assert "burn_in" in monitoring
    hb = runs["handbook"][0]["monitoring"]
    burning = hb["burn_in"]
    assert "customer_nb_tx_30d" in burning
    assert not any(a["subject"] in burning for a in hb["alerts"] if a["kind"] == "feature" and "_30d" in a["subject"])


def test_a_file_of_exactly_24_clock_hours_is_split():
    cfg = build_config(FraudConfig, "small")
    windows, said = checks.fit_windows(cfg, np.array([0, 86_366]), "day.csv")
    assert said.startswith("scaled") and windows.train_days == 4


def test_a_partly_blank_column_is_warned(tmp_path):
    frame = pd.read_csv(DATA / "fraud_anonymous.csv")
    frame["V1"] = frame["V1"].astype(object)
    frame.loc[frame.index[::50], "V1"] = ""
    path = tmp_path / "blank.csv"
    frame.to_csv(path, index=False)
    proc = cli("--data", str(path), "--out", str(tmp_path / "out"), "--quiet")
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "out" / "metrics.json").read_text())["data"]
    assert any("V1 not a feature" in w and "whole column is dropped" in w for w in data["warnings"])


def test_serving_prose_tells_the_scoring_budget_from_the_sla(runs):
    for name in ("handbook", "anonymous"):
        serving = runs[name][0]["serving"]
        within = serving["p99_ms"] <= serving["scoring_budget_ms"]
        assert serving["scoring_budget_said"].startswith("within" if within else "over")
    assert any("{serving[scoring_budget_said]}" in t for t in DESIGN.deployment.talking_points)
