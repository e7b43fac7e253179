"""ETA config: every scale preset validates and bad knob values are rejected with a one-line error."""

from __future__ import annotations

import pytest

from cases.eta.config import EtaConfig
from framework.config import build_config
from framework.errors import BadInput


@pytest.mark.parametrize("scale", ["small", "default", "large"])
def test_scale_presets_are_valid(scale):
    config = build_config(EtaConfig, scale)
    assert isinstance(config, EtaConfig)
    assert config.train_fraction == 0.8


@pytest.mark.parametrize(
    "override", ["weeks=0", "train_fraction=1.5", "gbm_bucket_intervals=7", "n_trips=-3", "no_such_knob=1"]
)
def test_bad_overrides_raise_bad_input(override):
    with pytest.raises(BadInput):
        build_config(EtaConfig, "small", [override])


def test_overrides_are_parsed_by_field_type():
    config = build_config(EtaConfig, "small", ["gbm_bucket_intervals=10", "drift_slowdown=2.5"])
    assert config.gbm_bucket_intervals == 10 and config.drift_slowdown == 2.5


@pytest.mark.parametrize("override", ["split=shuffled", "live_lead_intervals=-1", "drift_sample_rows=-5"])
def test_drill_switches_are_validated(override):
    with pytest.raises(BadInput):
        build_config(EtaConfig, "small", [override])


def test_drill_switches_default_to_the_design():
    cfg = EtaConfig()
    assert (cfg.split, cfg.live_lead_intervals, cfg.drift_sample_rows) == ("time", 0, 0)
