"""Config presets and validation of the fraud case."""

from __future__ import annotations

import pytest

from cases.fraud.config import FraudConfig
from framework.config import build_config
from framework.errors import BadInput


def test_large_is_the_standard_simulator_setting():
    c = build_config(FraudConfig, "large")
    assert (c.n_customers, c.n_terminals, c.radius, c.n_days) == (5000, 10000, 5.0, 183)
    assert (c.compromised_terminals_per_day, c.compromised_cards_per_day) == (2.0, 3.0)
    assert (c.train_days, c.delay_days, c.test_days) == (7, 7, 7)


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ("train_start_day=3", "train_start_day"),
        ("n_days=20", "n_days"),
        ("tree_model=xgb", "tree_model"),
        ("max_fpr=2", "max_fpr"),
    ],
)
def test_bad_values_are_named(override, named):
    with pytest.raises(BadInput, match=f"bad value for {named}"):
        build_config(FraudConfig, "small", [override])


def test_auto_split_puts_the_test_window_at_the_end():
    c = build_config(FraudConfig, "default")
    assert c.resolved_train_start(80) == 80 - 21
    assert build_config(FraudConfig, "default", ["train_start_day=30"]).resolved_train_start(80) == 30


@pytest.mark.parametrize(
    "override, named",
    [
        ("terminal_risk_delay_days=-1", "terminal_risk_delay_days"),
        ("threshold_window=train", "threshold_window"),
        ("split_mode=shuffled", "split_mode"),
    ],
)
def test_drill_switches_reject_bad_values(override, named):
    with pytest.raises(BadInput, match=named):
        build_config(FraudConfig, "small", [override])


def test_drill_switches_default_to_the_clean_pipeline():
    cfg = build_config(FraudConfig, "default")
    assert (cfg.terminal_risk_delay_days, cfg.threshold_window, cfg.split_mode) == (None, "validation", "time")
