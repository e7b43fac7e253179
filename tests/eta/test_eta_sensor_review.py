"""Wave 9 review of the sensor sample run: an honest p10/p90 band, a sane booster, a meetable guardrail, true prose."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cases.eta import case
from cases.eta.calibration import out_of_fold_eta
from cases.eta.data import add_derived, clean_records, split_by_time
from cases.eta.models import HistoricalMeanModel
from cases.eta.network import build_network
from cases.eta.sensors import load_sensor_speeds
from cases.eta.traffic import INTERVALS_PER_DAY
from cases.eta.trips import observed_trips
from framework.cli import invoke, make_case_app

DATA = Path(__file__).resolve().parents[2] / "data"
SENSORS = DATA / "eta_sensors"


@pytest.fixture(scope="module")
def sensor_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    """The sensor sample at the default scale (the review's command): metrics.json and report.md."""
    out = tmp_path_factory.mktemp("eta_sensors") / "o"
    code = invoke(make_case_app(case), ["run", "--quiet", "--data", str(SENSORS), "--out", str(out)])
    assert code == 0
    return json.loads((out / "metrics.json").read_text()), (out / "report.md").read_text()


def test_p10_p90_band_has_width_and_covers_near_nominal(sensor_run):
    slices = sensor_run[0]["testing"]["slices"]
    pooled = slices["eta_p10_p90_coverage"]["all"]
    assert pooled["mean_width_s"] > 1.0
    assert 0.6 <= pooled["coverage"] <= 0.95
    assert pooled["below_p10"] < 0.3 and pooled["above_p90"] < 0.3
    late = slices["late_vs_early_cost"]
    assert late["cost-optimal ETA"]["mae_s"] != late["served ETA"]["mae_s"]
    residual = slices["residual_over_routing_engine"]
    assert residual["residual booster, absolute loss"]["mae_s"] != residual["routing engine ETA"]["mae_s"]


def test_out_of_fold_eta_does_not_echo_the_trip_itself():
    """Four days, one record a key: in sample every ratio is 1 (the review's zero-width band); out of fold not."""
    loaded = load_sensor_speeds(SENSORS, None, "mph", 3, 0.8)
    network = build_network(loaded.segments)
    clean, _ = clean_records(loaded.records, network.n_segments, 5.0)
    train, _ = split_by_time(add_derived(clean, network.segments), 4 * INTERVALS_PER_DAY)
    in_sample = HistoricalMeanModel().fit(train, network.segments)
    trips = observed_trips(network, train, in_sample.predict_segment_time, 300, 3, np.random.default_rng(0))
    paths, departure = trips.paths, trips.table["departure_s"].to_numpy()
    actual = trips.table["duration_s"].to_numpy()
    echo = actual / in_sample.trip_eta(paths, departure)
    assert np.quantile(echo, 0.9) - np.quantile(echo, 0.1) < 1e-9
    oof = actual / out_of_fold_eta(train, network.segments, paths, departure, INTERVALS_PER_DAY, 5)
    assert np.quantile(oof, 0.9) - np.quantile(oof, 0.1) > 0.02


def test_booster_is_not_far_behind_history_on_the_sample(sensor_run):
    metrics = sensor_run[0]
    assert metrics["data"]["history"].startswith("time of week")
    models = metrics["models"]
    assert models["gradient_boosting"]["trip_mae_s"] <= 1.5 * models["historical_mean"]["trip_mae_s"]


def test_free_flow_guardrail_is_met_and_units_are_stated(sensor_run):
    metrics = sensor_run[0]
    guard = {g["name"]: g for g in metrics["guardrails"]}["below_free_flow_share"]
    assert guard["passed"], guard
    conversion = metrics["data"]["conversion"]
    assert "converted to km/h on load" in conversion and "fastest" in conversion


def test_prose_is_true_for_sensor_data(sensor_run):
    report = sensor_run[1]
    for synthetic_only in (
        "small synthetic grid",
        "jams in this generator",
        "and this run has that signal",
        "in the fields above (cases/eta/data.py)",
        "on highway roads, and",
    ):
        assert synthetic_only not in report, synthetic_only
    assert "Sensor speeds:" in report and "the only road class of this data" in report
    assert "Measured, not assumed" in report and "scored out of fold" in report
    features = sensor_run[0]["features"]
    corr = features["neighbour_slowdown_corr"]
    assert ("too weak" in features["neighbour_signal"]) == (abs(corr) < 0.1)


def test_sensor_in_distances_without_speed_column_is_warned(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    shutil.copy(SENSORS / "speeds.csv.gz", folder / "speeds.csv.gz")
    distances = pd.read_csv(SENSORS / "distances.csv")
    first = distances.iloc[0]
    extra = pd.DataFrame(
        [{distances.columns[0]: first.iloc[0], distances.columns[1]: 499999, distances.columns[2]: 1.0}]
    )
    pd.concat([distances, extra]).to_csv(folder / "distances.csv", index=False)
    loaded = load_sensor_speeds(folder, None, "mph", 3, 0.8)
    assert any("1 sensor(s) of distances.csv have no speed column (e.g. 499999)" in w for w in loaded.warnings)
    plain = load_sensor_speeds(SENSORS, None, "mph", 3, 0.8)
    assert not any("no speed column" in w for w in plain.warnings)
