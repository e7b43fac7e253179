"""Public-dataset layouts: each committed sample runs through the CLI in its mode; malformed variants fail cleanly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cases.fraud import checks, modes
from cases.fraud.config import FraudConfig
from cases.fraud.loader import read_transactions
from cases.fraud.step_data import amount_cuts
from framework.config import build_config
from framework.errors import BadInput

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
HANDBOOK_EXTRAS = ["TX_TIME_SECONDS", "TX_TIME_DAYS", "TX_FRAUD_SCENARIO"]


def cli(*args: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cases.fraud", "run", *args], capture_output=True, text=True, cwd=REPO, timeout=timeout
    )


@pytest.fixture(scope="module")
def runs(sample_runs) -> dict[str, tuple[dict, str, float]]:
    """Every sample run once through the CLI: name -> (metrics.json, report.md, seconds)."""
    return {name: (metrics, report, seconds) for name, (metrics, report, _, seconds) in sample_runs.items()}


def test_samples_are_small_and_invented():
    for name in ("handbook", "anonymous", "paysim", "customer_only"):
        assert (DATA / f"fraud_{name}.csv").stat().st_size < 200_000
    assert (DATA / "README_fraud.md").exists()


def test_handbook_export_runs_as_exported(runs):
    m, _, seconds = runs["handbook"]
    data = m["data"]
    assert data["mode"] == modes.CUSTOMER_TERMINAL
    assert data["columns"]["timestamp"] == "TX_DATETIME" and data["columns"]["is_fraud"] == "TX_FRAUD"
    assert data["ignored_columns"] == HANDBOOK_EXTRAS
    assert data["split_windows"].startswith("the configured windows in days")
    assert "card_precision_at_100" in m["models"][m["best_model"]]
    assert seconds < 120  # about 5 s alone (see data/README_fraud.md); the margin is for a loaded shared machine


def test_anonymous_set_is_tabular_without_card_metrics(runs):
    m, report, _ = runs["anonymous"]
    data = m["data"]
    assert data["mode"] == modes.ANONYMOUS
    assert data["feature_columns"] == [f"V{i}" for i in range(1, 7)]
    assert m["features"]["features"] == "amount, V1, V2, V3, V4, V5, V6"
    assert data["split_windows"].startswith("scaled") and data["test_window_days"].startswith("hours")
    for metrics in m["models"].values():
        assert not [k for k in metrics if k.startswith("card_precision")]
    queue = next(g for g in m["guardrails"] if g["name"] == "review_queue_cards_per_day")
    assert queue["measured"] is None and "no cards" in queue["detail"]
    assert "card_precision_before" not in m["monitoring"]
    assert "card_precision_per_day.png" not in report
    assert "Card precision@100 is absent on this run" in report
    assert not [c for c in m["testing"]["behavioural"] if "terminal" in c["name"]]


def test_customer_only_drops_terminal_features(runs):
    m, report, _ = runs["customer_only"]
    assert m["data"]["mode"] == modes.CUSTOMER_ONLY and m["data"]["ignored_columns"] == ["merchant_category"]
    assert "terminal" not in m["features"]["features"]
    assert "no terminal features" in report
    assert not [c for c in m["testing"]["behavioural"] if "terminal" in c["name"]]


def test_paysim_uses_is_fraud_not_the_flag(runs):
    m, _, _ = runs["paysim"]
    data = m["data"]
    assert data["columns"]["is_fraud"] == "isFraud" and data["columns"]["step_hours"] == "step"
    assert "isFlaggedFraud" in data["ignored_columns"] and "type" in data["ignored_columns"]
    assert "isFlaggedFraud" not in m["features"]["features"]
    truth = pd.read_csv(DATA / "fraud_paysim.csv")
    assert data["frauds"] == int(truth["isFraud"].sum()) != int(truth["isFlaggedFraud"].sum())


def test_real_runs_state_their_amount_thresholds(runs):
    for name in runs:
        assert runs[name][0]["data"]["amount_thresholds"].startswith("from the training window's amounts")


def test_leaky_and_time_columns_are_never_features(tmp_path):
    frame = pd.read_csv(DATA / "fraud_anonymous.csv")
    frame["isFlaggedFraud"] = frame["Class"]
    frame["TX_FRAUD_SCENARIO"] = frame["Class"] * 2
    frame["TX_TIME_DAYS"] = frame["Time"] // 86400
    frame["kind"] = np.where(frame["Class"] == 1, "x", "y")
    path = tmp_path / "leaky.csv"
    frame.to_csv(path, index=False)
    real = read_transactions(path)
    assert real.given == [f"V{i}" for i in range(1, 7)]
    assert set(real.summary["ignored_columns"]) == {"isFlaggedFraud", "TX_FRAUD_SCENARIO", "TX_TIME_DAYS", "kind"}
    X = modes.build(real.tx, 1.0, real.mode, real.given)
    assert list(X.columns) == ["amount", *real.given] and "is_fraud" not in X


def test_short_data_error_names_both_spans():
    cfg = build_config(FraudConfig, "small")
    with pytest.raises(BadInput) as info:
        checks.fit_windows(cfg, np.array([0, 20 * 3600]), "x.csv")
    message = str(info.value)
    assert "'x.csv' spans 20.0 hours (0.83 days)" in message and "at least 24 hours" in message


def test_scaled_windows_keep_the_proportions():
    cfg = build_config(FraudConfig, "small")
    windows, said = checks.fit_windows(cfg, np.array([0, 48 * 3600 - 8]), "x.csv")
    assert (windows.train_days, windows.delay_days, windows.test_days, windows.unit_s) == (9, 9, 9, 3600)
    assert windows.test_end == 48 and windows.shifted(18).train_start >= 0 and said.startswith("scaled")


def test_synthetic_amount_cuts_are_the_simulators():
    cfg = build_config(FraudConfig, "small")
    cuts = amount_cuts(cfg, np.array([1.0, 2.0]), synthetic=True)
    assert cuts["outlier"] == cfg.outlier_amount and cuts["bands"] == (0.0, 50.0, 100.0, 220.0, float("inf"))


def _variant(tmp_path: Path, kind: str) -> tuple[Path, list[str]]:
    frame = pd.read_csv(DATA / "fraud_anonymous.csv")
    extra: list[str] = []
    if kind == "short":
        frame = frame[frame["Time"] < 20 * 3600]
    elif kind == "single_class":
        frame["Class"] = 0
    elif kind == "bad_amount":
        frame["Amount"] = frame["Amount"].astype(object)
        frame.loc[7, "Amount"] = "12,5x"
    elif kind == "unknown_column":
        extra = ["--columns", "is_fraud=nope"]
    path = tmp_path / f"{kind}.csv"
    frame.to_csv(path, index=False)
    return path, extra


@pytest.mark.parametrize(
    ("kind", "needles"),
    [
        ("short", ["spans 20.0 hours", "at least 24 hours"]),
        ("single_class", ["no fraudulent transaction", "both classes"]),
        ("bad_amount", ["non-numeric amount '12,5x' in row 8", "line 9", "column 'Amount'"]),
        ("unknown_column", ["--columns is_fraud='nope'", "no such column", "Time, V1"]),
    ],
)
def test_malformed_variants_fail_with_one_line_and_write_nothing(tmp_path, kind, needles):
    path, extra = _variant(tmp_path, kind)
    out = tmp_path / "out"
    proc = cli("--data", str(path), *extra, "--out", str(out), "--quiet")
    assert proc.returncode == 2, proc.stderr
    line = proc.stderr.strip()
    assert line.startswith("error:") and "\n" not in line and "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in line, line
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_compressed_and_parquet_copies_read_the_same(tmp_path):
    import gzip

    gz = tmp_path / "handbook.csv.gz"
    gz.write_bytes(gzip.compress((DATA / "fraud_handbook.csv").read_bytes()))
    assert read_transactions(gz).tx.equals(read_transactions(DATA / "fraud_handbook.csv").tx)
    pq = tmp_path / "anonymous.parquet"
    pd.read_csv(DATA / "fraud_anonymous.csv").to_parquet(pq)
    real = read_transactions(pq)
    assert real.mode == modes.ANONYMOUS and real.given == [f"V{i}" for i in range(1, 7)]


def test_columns_map_an_unknown_layout(tmp_path):
    frame = pd.read_csv(DATA / "fraud_customer_only.csv")
    frame.columns = ["ref", "posted_at", "account", "amt_eur", "mcc", "chargeback"]
    path = tmp_path / "bank.tsv"
    frame.to_csv(path, index=False, sep="\t")
    mapping = {"timestamp": "posted_at", "amount": "amt_eur", "is_fraud": "chargeback", "transaction_id": "ref"}
    # Without a customer column the file is read as anonymous (and says so); mapping one gives the card mode.
    assert read_transactions(path, columns=mapping).mode == modes.ANONYMOUS
    real = read_transactions(path, columns=mapping | {"customer_id": "account"})
    assert real.mode == modes.CUSTOMER_ONLY and real.summary["columns"]["customer_id"] == "account"
    assert real.summary["ignored_columns"] == ["mcc"] and int(real.tx["is_fraud"].sum()) == frame["chargeback"].sum()
