"""Real-data loading: the committed sample loads and runs; bad files give one-line BadInput errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cases.fraud.artifacts import FraudData
from cases.fraud.loader import COLUMNS, load_transactions
from framework.errors import BadInput

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "fraud_sample.csv"
GOOD = "transaction_id,timestamp,customer_id,terminal_id,amount,is_fraud\n"


def write(tmp_path: Path, text: str, name: str = "tx.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_sample_is_small_and_loads():
    assert SAMPLE.stat().st_size < 400_000
    tx = load_transactions(SAMPLE)
    assert len(tx) > 5000 and tx["is_fraud"].sum() > 50
    assert tx["time_s"].is_monotonic_increasing and tx["day"].min() == 0


def test_parquet_round_trip(tmp_path):
    frame = pd.read_csv(SAMPLE).head(500)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    path = tmp_path / "tx.parquet"
    frame.to_parquet(path)
    assert load_transactions(path)["amount"].sum() == pytest.approx(frame["amount"].sum())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "is empty"),
        (GOOD, "no data rows"),
        (
            "transaction_id,timestamp,customer_id,terminal_id,amount\n1,2024-01-01T00:00:00,1,1,5\n",
            "no is_fraud column",
        ),
        (
            GOOD + "1,2024-01-01T00:00:00,1,1,5.0,0\n2,2024-01-01T00:01:00,1,1,12abc,0\n",
            "non-numeric amount '12abc' in row 2 .'tx.csv' line 3, column 'amount'",
        ),
        (GOOD + "1,2024-01-01T00:00:00,1,1,-5,0\n", "negative amount '-5'"),
        (GOOD + "1,2024-01-01T00:00:00,1,1,5,2\n", "is_fraud must be 0 or 1, got '2'"),
        (GOOD + "1,yesterday,1,1,5,0\n", "unparsable timestamp 'yesterday'"),
        (GOOD + "1,2024-01-01T00:00:00,1,1,5,0\n1,2024-01-01T00:00:01,1,1,5,0\n", "duplicate transaction_id '1'"),
        (GOOD + "1,2024-01-01T00:00:00,1,1,5,0\n2,2024-01-01T00:00:00,1,1,5,0,extra\n", "malformed row"),
        (GOOD + "1,2024-01-01T00:00:00,,1,5,0\n", "empty customer_id in row 1 .'tx.csv' line 2"),
    ],
)
def test_bad_files_name_the_problem(tmp_path, text, expected):
    with pytest.raises(BadInput, match=expected.replace("(", r"\(")) as info:
        load_transactions(write(tmp_path, text))
    assert "\n" not in str(info.value)


def test_columns_are_the_documented_format():
    assert COLUMNS == ("transaction_id", "timestamp", "customer_id", "terminal_id", "amount", "is_fraud")


def test_cli_bad_data_exits_2_with_one_line_and_writes_nothing(tmp_path):
    bad = write(tmp_path, GOOD + "1,2024-01-01T00:00:00,1,1,abc,0\n")
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "cases.fraud", "run", "--data", str(bad), "--out", str(out), "--quiet"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "non-numeric amount 'abc'" in proc.stderr
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_real_data_runs_through_every_step(tmp_path):
    from cases.fraud import case
    from framework.runner import run_case

    result = run_case(
        case, data_path=SAMPLE, out_dir=tmp_path / "real", progress=False, overrides=["serving_requests=100"]
    )
    m = result.metrics
    assert m.data_source == "fraud_sample.csv" and m.data["source"] == "real data" and not m.synthetic
    # No generator truth on real data: no oracle, and the data summary says why.
    assert m.oracle is None and "oracle" not in m.models and m.data["oracle"].startswith("none")
    fraud = result.outputs.get(FraudData)
    assert not fraud.synthetic and fraud.compromised_terminals.empty
    assert result.outputs.records["deployment"].extra["max_abs_score_diff_vs_batch"] <= 1e-9
    # Real data cannot be drifted on purpose: monitoring compares the test window with training.
    assert result.outputs.records["monitoring"].scenario.startswith("real data")


def test_split_that_does_not_fit_the_data_is_bad_input(tmp_path):
    from cases.fraud import case
    from framework.runner import run_case

    with pytest.raises(BadInput, match="train_start_day"):
        run_case(case, data_path=SAMPLE, out_dir=tmp_path / "x", progress=False, overrides=["train_start_day=40"])
    assert not (tmp_path / "x").exists()


def test_string_ids_are_kept_distinct(tmp_path):
    text = GOOD + "1,2024-01-01T00:00:00,007,A1,5,0\n2,2024-01-01T00:00:01,7,A1,6,0\n"
    tx = load_transactions(write(tmp_path, text))
    assert tx["customer_id"].nunique() == 2 and tx["terminal_id"].tolist() == ["A1", "A1"]
    assert load_transactions(SAMPLE)["customer_id"].dtype == "int64"
