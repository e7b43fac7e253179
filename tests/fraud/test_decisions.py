"""Calibration after undersampling, amount-aware three-action decisions and selective labels."""

from __future__ import annotations

import numpy as np
import pytest

from cases.fraud import calibration, decisions
from cases.fraud.artifacts import FraudData, FraudModels
from cases.fraud.selective_labels import selective_labels
from framework import metrics


def test_prior_correction_undoes_negative_undersampling():
    # A model trained on a share beta of the negatives learns odds / beta; the correction returns p.
    p = np.array([0.0, 1e-4, 0.01, 0.3, 0.9, 1.0])
    for beta in (0.05, 0.2, 0.7):
        learned = (p / beta) / (p / beta + 1 - p)
        assert np.allclose(calibration.prior_correction(learned, beta), p)
    assert np.array_equal(calibration.prior_correction(p, 1.0), p)


def test_isotonic_fit_is_monotone_and_calibrated_in_sample():
    rng = np.random.default_rng(0)
    s = rng.random(5000)
    y = (rng.random(5000) < s**3).astype(int)  # true probability s**3, far from the raw score
    cal = calibration.fit_isotonic(s, y)
    grid = np.linspace(-0.5, 1.5, 101)
    assert np.all(np.diff(cal(grid)) >= 0) and cal(grid).min() >= 0 and cal(grid).max() <= 1
    assert calibration.brier(y, cal(s)) < calibration.brier(y, s)
    table = calibration.reliability(y, s)
    assert sum(r["rows"] for r in table.values()) == len(y) and set(table) <= set(calibration.bin_labels())


def test_undersampled_tree_overstates_fraud_and_corrections_fix_it(small_run):
    cal = small_run.records["testing"].slices["calibration"]
    raw, corrected, iso = (cal[f"tree_ensemble {m}"] for m in ("raw", "prior-corrected", "isotonic"))
    assert raw["mean_predicted"] > 1.5 * raw["fraud_rate"]  # trained on a fifth of the legit rows
    assert corrected["beta"] == pytest.approx(0.2)
    assert abs(corrected["mean_predicted"] - corrected["fraud_rate"]) < raw["mean_predicted"] - raw["fraud_rate"]
    assert corrected["brier"] < raw["brier"] and iso["brier"] < raw["brier"]
    assert corrected["calibration_error"] < raw["calibration_error"]


@pytest.mark.parametrize("step_up_cost, passes", [(1.0, 0.1), (0.2, 0.5), (4.0, 0.9), (6.0, 0.1), (1.0, 1.0)])
def test_bands_agree_with_the_cheapest_expected_action(step_up_cost, passes):
    costs = decisions.ActionCosts(decline_cost=5.0, step_up_cost=step_up_cost, step_up_pass=passes)
    approve_below, decline_above = costs.bands()
    x = np.linspace(0.01, 200, 4001)  # p x amount with amount 1
    actions = decisions.three_actions(x, np.ones_like(x), costs)
    assert np.all(actions[x < approve_below - 1e-9] == decisions.APPROVE)
    assert np.all(actions[x > decline_above + 1e-9] == decisions.DECLINE)
    middle = (x > approve_below + 1e-9) & (x < decline_above - 1e-9)
    assert np.all(actions[middle] == decisions.STEP_UP)
    if approve_below == decline_above:  # step-up never pays
        assert not (actions == decisions.STEP_UP).any()


def test_realised_cost_of_a_threshold_is_the_ladder_cost():
    rng = np.random.default_rng(1)
    y = (rng.random(2000) < 0.05).astype(int)
    scores, amounts = rng.random(2000), rng.gamma(2, 40, 2000)
    costs = decisions.ActionCosts(5.0, 1.0, 0.1)
    actions = decisions.threshold_actions(scores, 0.8)
    realised = costs.realised(actions, y, amounts).sum()
    assert realised == pytest.approx(metrics.expected_cost(y, scores, 0.8, amounts, 5.0))


def test_capped_threshold_respects_the_rate():
    rng = np.random.default_rng(2)
    legit = rng.random(10_000)
    for rate in (0.0, 0.001, 0.05, 1.0):
        t = decisions.capped_threshold(legit, rate)
        assert (legit >= t).mean() <= rate
    assert (legit >= decisions.capped_threshold(legit, 0.001)).sum() == 10  # as many as the cap allows


def test_three_actions_cut_false_declines_and_keep_the_deployed_cost(small_run):
    table = small_run.records["testing"].slices["decision policy"]
    best = small_run.records["models"]
    deployed = table["deployed threshold"]
    assert deployed["expected_cost"] == pytest.approx(best.models[best.best]["expected_cost"])
    measured = small_run.records["testing"].guardrails.values
    assert deployed["false_decline_rate"] == pytest.approx(measured["false_decline_rate"])
    assert deployed["review_queue_cards_per_day"] == pytest.approx(measured["review_queue_cards_per_day"])
    three = table["approve, step-up or decline"]
    # Step-up replaces most declines: fewer legitimate customers declined, the frauds still challenged.
    assert three["false_decline_rate"] < deployed["false_decline_rate"]
    assert three["declines"] < deployed["declines"] and three["step_ups"] > 0
    assert three["frauds_challenged"] >= 0.9 * deployed["frauds_challenged"]
    assert deployed["saving_vs_deployed"] == deployed["saving_low"] == deployed["saving_high"] == 0
    for row in table.values():
        assert row["saving_vs_deployed"] == pytest.approx(deployed["expected_cost"] - row["expected_cost"])
        assert row["saving_low"] <= row["saving_vs_deployed"] <= row["saving_high"]
    capped = table["threshold capped at the false-decline limit"]
    assert capped["declines"] <= deployed["declines"] and capped["legit_step_up_rate"] == 0


def test_selective_labels_bias_and_holdout():
    rng = np.random.default_rng(3)
    n = 20_000
    y = (rng.random(n) < 0.02).astype(int)
    champion = np.where(y == 1, rng.random(n) < 0.7, rng.random(n) < 0.01)
    challenger = np.where(y == 1, rng.random(n) < 0.6, rng.random(n) < 0.01)
    table = selective_labels(y, champion, challenger, {"small": 0.05, "all": 1.0}, 400, np.random.default_rng(4))
    truth = table["all labels"]
    assert truth["fraud_rate"] == pytest.approx(y.mean())
    # Declined frauds never charge back: the naive table undercounts fraud and sees no caught fraud.
    assert table["no chargeback = legit"]["fraud_rate"] < 0.5 * truth["fraud_rate"]
    assert table["no chargeback = legit"]["champion_precision"] == 0
    assert table["approved only"]["labelled_alerts"] == 0
    # Approving every alert is the truth; a small holdout is unbiased on average for the fraud rate.
    for stat in ("mean", "low", "high"):
        for key in ("fraud_rate", "champion_precision", "challenger_recall"):
            assert table[f"all, {stat}"][key] == pytest.approx(truth[key])
    assert table["small, mean"]["fraud_rate"] == pytest.approx(truth["fraud_rate"], rel=0.02)
    assert table["small, low"]["fraud_rate"] <= truth["fraud_rate"] <= table["small, high"]["fraud_rate"]


def test_selective_labels_on_the_run_and_holdout_costs(small_run, small_ctx):
    slices = small_run.records["testing"].slices
    table, holdout = slices["selective labels"], slices["random-approve holdout"]
    data = small_run.get(FraudData)
    y = data.tx["is_fraud"].to_numpy()[data.split.test]
    assert table["all labels"]["fraud_rate"] == pytest.approx(y.mean())
    assert table["no chargeback = legit"]["fraud_rate"] < table["all labels"]["fraud_rate"]
    assert table["approved only"]["challenger_recall"] < table["all labels"]["challenger_recall"]
    assert holdout["configured holdout"]["share"] == small_ctx.config.holdout_share
    ratio = holdout["larger holdout"]["share"] / holdout["configured holdout"]["share"]
    for key in ("labelled_per_day_at_design_volume", "fraud_let_through_on_test_window"):
        assert holdout["larger holdout"][key] == pytest.approx(ratio * holdout["configured holdout"][key])


def test_holdout_labels_scale_with_the_production_review_queue(small_run):
    from cases.fraud import capacity

    data, trained = small_run.get(FraudData), small_run.get(FraudModels)
    best = small_run.records["models"].best
    queue = capacity.review_queue(data.tx[data.split.test], trained.alerted(best)).at_design
    holdout = small_run.records["testing"].slices["random-approve holdout"]["configured holdout"]
    assert holdout["labelled_per_day_at_design_volume"] == pytest.approx(queue * holdout["share"])
