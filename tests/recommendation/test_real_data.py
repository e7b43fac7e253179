"""--data: the committed sample and a CSV run end to end; bad files give one-line BadInput and write nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cases.recommendation import case
from cases.recommendation.artifacts import RecData
from framework.cli import invoke, make_case_app
from framework.errors import BadInput
from framework.pipeline import run_steps
from framework.runner import run_case

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "recommendation_sample.data"


def test_sample_file_runs_the_ladder(tmp_path, make_context):
    out = run_steps(case, make_context(tmp_path, data_path=SAMPLE))
    record, data = out.records["data"], out.get(RecData)
    assert not record.synthetic and not data.synthetic and data.world is None and data.n_genres == 0
    assert record.summary["source"] == SAMPLE.name and record.summary["split"].startswith("per-user")
    ladder = out.records["models"]
    ndcg = {k: v["ndcg_at_10"] for k, v in ladder.models.items()}
    assert "oracle" not in ndcg and ladder.oracle is None  # no generator truth: no oracle
    assert ladder.notes["oracle"].startswith("not scored")
    assert ndcg["item_cf"] > ndcg["popularity"] and ndcg["als"] > ndcg["popularity"]
    assert ladder.best in ("item_cf", "als")
    testing, monitoring = out.records["testing"], out.records["monitoring"]
    assert "not available on real data" in testing.ab_test["status"]
    plan = testing.ab_plan
    assert plan.control.startswith("popularity") and plan.simulated_per_arm is None
    assert plan.per_arm == testing.ab_test["per_arm_users"] > 0 and plan.days >= 7
    assert "not available on real data" in monitoring.scenario
    assert monitoring.alerts == []  # a random split has no drift
    assert monitoring.extra["new_song_fallback"].startswith("not measured on real data")
    retrieval = testing.slices["retrieval stage: ALS top-N candidates"]
    assert "full catalogue" not in retrieval and {"pool 1", "pool 2"} <= set(retrieval)  # no oracle row
    assert monitoring.metric_before == ndcg[ladder.best]
    assert np.isnan(monitoring.metric_after)  # no drift injected: no "after" number shown as if measured
    assert all(c.passed for c in testing.behavioural)
    # no genres in a ratings file: the one-item probe replaces the one-genre one
    assert "one-item user gets that item's neighbours" in {c.name for c in testing.behavioural}


def test_sample_is_reproducible_from_the_generator():
    from cases.recommendation.sample import sample_text

    assert SAMPLE.read_text() == sample_text()


def test_csv_with_header(tmp_path, make_context):
    rows = ["user_id,item_id,rating,timestamp"] + [
        f"{u},{i},{1 + (u + i) % 5},{100 + u * 10 + i}" for u in range(12) for i in range(u % 4, u % 4 + 6)
    ]
    path = tmp_path / "ratings.csv"
    path.write_text("\n".join(rows) + "\n")
    out = run_steps(case, make_context(tmp_path, data_path=path), until="models")
    assert out.records["data"].summary["ratings"] == len(rows) - 1
    assert "oracle" not in out.records["models"].models


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        (b"1\t2\t3\n", "at least 2 distinct items"),
        (b"1\t2\t3\t4\n1\t2\t3\t4\t5\n", "cannot tell the separator"),
        (b"1\t2\tfive\t4\n", "line 1: rating 'five' is not a number"),
        (b"user,item,rating,ts\nx,2,3,4\n", "at least 2 distinct items"),
        (b"user_id,item_id,rating,timestamp\n", "no data rows"),
        (b"\xff\xfe\x00binary", "NUL byte"),
        (b"\xff\xfebinary", "not UTF-8 text"),
    ],
)
def test_bad_files_raise_bad_input_and_write_nothing(tmp_path, content, needle):
    path = tmp_path / "bad.data"
    path.write_bytes(content)
    out = tmp_path / "out"
    with pytest.raises(BadInput, match=needle) as info:
        run_case(case, out_dir=out, data_path=path, progress=False)
    assert "bad.data" in str(info.value) and "\n" not in str(info.value)
    assert not out.exists()


def test_cli_exit_code_2_one_line(tmp_path, capsys):
    path = tmp_path / "empty.data"
    path.write_text("")
    code = invoke(make_case_app(case), ["run", "--data", str(path), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "empty.data" in err[0]
    assert not (tmp_path / "out").exists()
