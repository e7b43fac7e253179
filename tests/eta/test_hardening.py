"""ETA hardening of the config: bounds on every knob, window lengths and the memory estimate.

Every bad input must end as one short ``BadInput`` line naming the key; the loader's and the
run-time guards' hardening is in ``test_hardening_data.py``.
"""

from __future__ import annotations

import pytest

from cases.eta.config import EtaConfig
from cases.eta.guards import check_synthetic_windows
from framework.config import build_config
from framework.errors import BadInput
from framework.guards import check_memory

MAX_LINE = 200

# ----------------------------------------------------------------------------- config bounds


def refused(scale: str, *overrides: str) -> str:
    """The one-line message of a refused config."""
    with pytest.raises(BadInput) as info:
        build_config(EtaConfig, scale, list(overrides))
    message = str(info.value)
    assert "\n" not in message and len(message) <= MAX_LINE, message
    return message


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("gbm_max_iter=1000000000000", "gbm_max_iter"),
        ("n_trips=1000000000000", "n_trips"),
        ("gbm_train_rows=1000000000000", "gbm_train_rows"),
        ("serving_queries=1000000000000", "serving_queries"),
        ("gbm_max_leaf_nodes=1000000000000", "gbm_max_leaf_nodes"),
        ("min_route_segments=1000000000000", "min_route_segments"),
        ("highway_every=1000000000000", "highway_every"),
        ("probe_rate=1e12", "probe_rate"),
        ("probe_rate=1e-09", "probe_rate"),
        ("block_km=1e300", "block_km"),
        ("block_km=1e-9", "block_km"),
        ("incident_rate_per_segment_week=1e300", "incident_rate_per_segment_week"),
        ("drift_evening_peak=1e300", "drift_evening_peak"),
        ("drift_slowdown=1e300", "drift_slowdown"),
        ("weeks=1", "weeks"),
        ("weeks=abc", "weeks"),
        ("train_fraction=", "train_fraction"),
        ("grid_rows=1e400", "grid_rows"),
    ],
)
def test_out_of_range_values_name_the_key(override, key):
    assert key in refused("small", override)


@pytest.mark.parametrize(
    ("weeks", "train_fraction", "needle"),
    [(3, 1e-09, "at least 8"), (2, 0.5, "at least 8"), (2, 0.95, "to test on"), (52, 0.999, "to test on")],
)
def test_windows_too_short_name_train_fraction_and_weeks(weeks, train_fraction, needle):
    config = build_config(EtaConfig, "small", [f"weeks={weeks}", f"train_fraction={train_fraction}"])
    with pytest.raises(BadInput) as info:
        check_synthetic_windows(config.weeks, config.train_fraction)
    message = str(info.value)
    assert "train_fraction" in message and "weeks" in message and needle in message
    assert len(message) <= MAX_LINE


def test_presets_have_long_enough_windows():
    for scale in ("small", "default", "large"):
        config = build_config(EtaConfig, scale)
        check_synthetic_windows(config.weeks, config.train_fraction)


@pytest.mark.parametrize("scale", ["small", "default", "large"])
def test_presets_stay_valid_and_their_estimate_is_calibrated(scale):
    measured_kib = {"small": 337_240, "default": 603_108, "large": 1_869_128}[scale]  # /usr/bin/time -f %M
    estimate = build_config(EtaConfig, scale).estimated_peak_bytes()
    assert estimate == pytest.approx(measured_kib * 1024, rel=0.15)


def test_expected_rows_match_the_generator():
    # Rows the small preset generated (seed 0), invalid rows included.
    assert build_config(EtaConfig, "small").estimated_rows() == pytest.approx(348_399, rel=0.05)


def test_estimate_grows_with_every_size_key():
    # The estimate is the largest of three phases: every size key drives one of them.
    bases = [
        build_config(EtaConfig, "small"),
        build_config(EtaConfig, "small", ["grid_rows=40", "grid_cols=40", "probe_rate=0.01"]),
        build_config(EtaConfig, "small", ["gbm_train_rows=1000000"]),  # the booster's phase is the peak
    ]
    for key in EtaConfig.size_keys:
        growth = [
            b.model_copy(update={key: getattr(b, key) * 2}).estimated_peak_bytes() - b.estimated_peak_bytes()
            for b in bases
        ]
        assert min(growth) >= 0 and max(growth) > 0, key
    small = bases[0]
    assert small.model_copy(update={"gbm_bucket_intervals": 1}).estimated_peak_bytes() > small.estimated_peak_bytes()


def test_memory_guard_names_the_size_keys():
    config = build_config(EtaConfig, "small", ["grid_rows=40", "grid_cols=40", "weeks=52", "probe_rate=100"])
    assert config.estimated_peak_bytes() > 100 * 2**30
    with pytest.raises(BadInput) as info:
        check_memory(config, available=8 * 2**30)
    assert "grid_rows" in str(info.value) and "probe_rate" in str(info.value)
