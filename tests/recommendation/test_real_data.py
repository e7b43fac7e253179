"""--data: the committed sample and a CSV run end to end; bad files give one-line BadInput and write nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from cases.recommendation import case
from framework.cli import invoke, make_case_app
from framework.errors import BadInput
from framework.runner import run_case

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "recommendation_sample.data"


def test_sample_file_runs_the_ladder(tmp_path):
    run = run_case(case, out_dir=tmp_path / "out", data_path=SAMPLE, progress=False)
    m = run.metrics
    assert m["data_source"] == SAMPLE.name and m["data"]["split"].startswith("per-user")
    ndcg = {k: v["ndcg_at_10"] for k, v in m["models"].items()}
    assert ndcg["oracle"] == pytest.approx(1.0)
    assert ndcg["item_cf"] > ndcg["popularity"] and ndcg["als"] > ndcg["popularity"]
    assert "not available on real data" in m["testing"]["ab_test"]["status"]
    assert "not available on real data" in m["monitoring"]["scenario"]
    assert m["monitoring"]["alerts"] == []  # a random split has no drift
    assert all(c["passed"] for c in m["testing"]["behavioural"])


def test_sample_is_reproducible_from_the_generator():
    from cases.recommendation.sample import sample_text

    assert SAMPLE.read_text() == sample_text()


def test_csv_with_header(tmp_path):
    rows = ["user_id,item_id,rating,timestamp"] + [
        f"{u},{i},{1 + (u + i) % 5},{100 + u * 10 + i}" for u in range(12) for i in range(u % 4, u % 4 + 6)
    ]
    path = tmp_path / "ratings.csv"
    path.write_text("\n".join(rows) + "\n")
    m = run_case(case, out_dir=tmp_path / "out", data_path=path, progress=False).metrics
    assert m["data"]["ratings"] == len(rows) - 1 and "oracle" in m["models"]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        (b"1\t2\t3\n", "4 tab-separated columns"),
        (b"1\t2\t3\t4\n1\t2\t3\t4\t5\n", "malformed"),
        (b"1\t2\tfive\t4\n", "line 1: rating 'five' is not a number"),
        (b"user,item,rating,ts\n1,2,3,4\n", "wrong header"),
        (b"user_id,item_id,rating,timestamp\n", "no rows"),
        (b"\xff\xfe\x00binary", "NUL bytes"),
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
