"""Ratings files as users have them: the shipped samples run through the CLI; feedback modes; bad files refused."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cases.recommendation import case
from cases.recommendation.feedback_modes import detect
from cases.recommendation.loader import index_ratings, read_ratings_file, split_per_user
from framework.cli import invoke, make_case_app
from framework.errors import BadInput

DATA = Path(__file__).resolve().parents[2] / "data"


def run_cli(args: list[str], capsys) -> tuple[int, list[str], list[str]]:
    """Exit code, stdout lines and non-blank stderr lines of ``python -m cases.recommendation run ...``."""
    code = invoke(make_case_app(case), ["run", *args])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), [line for line in captured.err.splitlines() if line.strip()]


SAMPLES = [
    (
        "recommendation_ratings.csv",
        [],
        {"user": "userId", "item": "movieId", "rating": "rating", "timestamp": "timestamp"},
        [],
        "explicit",
        "temporal",
    ),
    (
        "recommendation_ratings.dat",
        [],
        {"user": "column 1", "item": "column 2", "rating": "column 3", "timestamp": "column 4"},
        [],
        "explicit",
        "temporal",
    ),
    (
        "recommendation_plays.tsv",
        [],
        {"user": "userID", "item": "artistID", "rating": "weight"},
        [],
        "implicit",
        "random",
    ),
    (
        "recommendation_trailing.csv",
        [],
        {"user": "User", "item": "Item", "rating": "Rating", "timestamp": "Time"},
        ["Genre"],
        "explicit",
        "temporal",
    ),
    (
        "recommendation_ratings.dat",
        ["--columns", "user=2,item=1"],  # a headerless file mapped by position
        {"user": "column 2", "item": "column 1", "rating": "column 3", "timestamp": "column 4"},
        [],
        "explicit",
        "temporal",
    ),
]


@pytest.mark.parametrize(("name", "extra", "columns", "ignored", "mode", "split"), SAMPLES)
def test_sample_runs_end_to_end(tmp_path, capsys, name, extra, columns, ignored, mode, split):
    out = tmp_path / "out"
    code, stdout, err = run_cli(["--quiet", "--data", str(DATA / name), "--out", str(out), *extra], capsys)
    assert code == 0, err
    data = json.loads((out / "metrics.json").read_text())["data"]
    assert data["columns"] == columns and data["ignored_columns"] == ignored
    assert data["feedback"] == mode and data["feedback_reason"] and data["confidence"]
    assert split in data["split"]
    assert "oracle" not in json.loads((out / "metrics.json").read_text())["models"]
    shown = ", ".join(f"{role}={column}" for role, column in columns.items())
    assert any(line.startswith(f"columns: {shown}") for line in stdout), stdout
    report = (out / "report.md").read_text()
    assert f"| feedback | {mode} |" in report and "| confidence |" in report and "| split |" in report


def test_samples_are_small():
    for name in ("ratings.csv", "ratings.dat", "plays.tsv", "trailing.csv"):
        assert (DATA / f"recommendation_{name}").stat().st_size < 200_000, name


def test_trailing_commas_are_dropped_and_noted():
    loaded = read_ratings_file(DATA / "recommendation_trailing.csv")
    assert loaded.reading["ignored_columns"] == ["Genre"]
    assert any("trailing" in note for note in loaded.reading["reading_notes"])


def test_gzip_and_parquet_read_like_the_text(tmp_path):
    text = DATA / "recommendation_ratings.csv"
    packed = tmp_path / "ratings.csv.gz"
    packed.write_bytes(gzip.compress(text.read_bytes(), mtime=0))
    frame = pd.read_csv(text)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], unit="s")  # a Parquet datetime column
    frame["tags"] = "x"
    parquet = tmp_path / "ratings.parquet"
    frame.to_parquet(parquet, index=False)
    plain = read_ratings_file(text).ratings
    for path in (packed, parquet):
        loaded = read_ratings_file(path)
        pd.testing.assert_frame_equal(loaded.ratings, plain)
    assert read_ratings_file(parquet).reading["ignored_columns"] == ["tags"]


def test_two_columns_are_binary_clicks_with_a_random_split(tmp_path):
    path = tmp_path / "clicks.csv"
    path.write_text("user,item\n" + "".join(f"u{u},i{(u * 3 + k) % 40}\n" for u in range(50) for k in range(8)))
    loaded = read_ratings_file(path)
    assert not loaded.has_rating and not loaded.has_timestamp
    feedback = detect(None, "auto", path.name)
    assert feedback.mode == "binary" and "no rating column" in feedback.reason
    events, _, _ = index_ratings(loaded.ratings)
    assert (feedback.confidence(events["rating"].to_numpy()) == 1.0).all()
    one = split_per_user(events, np.random.default_rng(1))
    again = split_per_user(events, np.random.default_rng(1))
    other = split_per_user(events, np.random.default_rng(2))
    pd.testing.assert_frame_equal(one[1], again[1])
    assert not one[1].equals(other[1])
    assert (one[1].groupby("user").size() == 2).all()  # 25% of each user's 8


@pytest.mark.parametrize(
    ("ratings", "override", "mode", "reason"),
    [
        ([1, 2, 3, 4, 5], "auto", "explicit", "small scale"),
        ([0.5, 1.5, 4.5, 5.0], "auto", "explicit", "small scale"),
        ([1, 10, 3], "auto", "explicit", "small scale"),
        ([1, 3, 250, 4000], "auto", "implicit", "play counts"),
        ([0.3, 12.7, 55.1], "auto", "explicit", "read as scores"),
        ([-10.0, 3.2, 9.9], "auto", "explicit", "read as scores"),
        ([1, 2, 5], "implicit", "implicit", "--set feedback=implicit"),
        ([1, 2, 5000], "binary", "binary", "--set feedback=binary"),
    ],
)
def test_feedback_mode_detection(ratings, override, mode, reason):
    feedback = detect(np.asarray(ratings, dtype=float), override, "f.csv")
    assert feedback.mode == mode and reason in feedback.reason


def test_implicit_confidence_is_log_scaled():
    feedback = detect(np.array([1.0, 99.0, 5000.0]), "auto", "f.tsv")
    assert np.allclose(feedback.confidence(np.array([0.0, 1.0, 99.0])), 1 + np.log1p([0.0, 1.0, 99.0]))
    assert "log1p" in feedback.formula


@pytest.mark.parametrize(
    ("rating", "override", "needle"),
    [(None, "explicit", "needs a rating column"), (np.array([-1.0, 3.0]), "implicit", "non-negative counts")],
)
def test_impossible_overrides_are_refused(rating, override, needle):
    with pytest.raises(BadInput, match=needle):
        detect(rating, override, "f.csv")


def test_feedback_override_through_the_cli(tmp_path, capsys):
    out = tmp_path / "out"
    args = [
        "--quiet",
        "--data",
        str(DATA / "recommendation_ratings.dat"),
        "--out",
        str(out),
        "--set",
        "feedback=binary",
    ]
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    data = json.loads((out / "metrics.json").read_text())["data"]
    assert data["feedback"] == "binary" and "--set feedback=binary" in data["feedback_reason"]


BAD_CSV = "userId,movieId,rating,timestamp\n1,2,4,978300760\n1,3,4,978300761\n"


@pytest.mark.parametrize(
    ("name", "content", "extra", "needle"),
    [
        (
            "bad_rating.csv",
            BAD_CSV + "2,3,five,978300762\n",
            [],
            "line 4: rating 'five' is not a number (column 'rating')",
        ),
        ("no_user.csv", BAD_CSV + ",3,4,978300762\n", [], "line 4: user is missing or empty (column 'userId')"),
        ("bad_time.dat", "1::2::4::978300760\n1::3::4::97830076000000\n", [], "line 2 (column 4): timestamp"),
        ("header_only.csv", "userId,movieId,rating,timestamp\n", [], "header but no data rows"),
        ("nope.csv", BAD_CSV, ["--columns", "item=nope"], "--columns item='nope'"),
        ("unknown_role.csv", BAD_CSV, ["--columns", "genre=2"], "is not one of user, item, rating, timestamp"),
        ("no_item.tsv", "userID\tweight\n1\t3\n", [], "no item column"),
        ("binary.csv", "user,item\n1,2\n1,3\n", ["--set", "feedback=implicit"], "needs a rating column"),
    ],
)
def test_malformed_files_exit_2_in_one_line_and_write_nothing(tmp_path, capsys, name, content, extra, needle):
    path = tmp_path / name
    path.write_text(content)
    out = tmp_path / "out"
    code, _, err = run_cli(["--quiet", "--data", str(path), "--out", str(out), *extra], capsys)
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith("error: ") and needle in err[0] and (name in err[0] or "--columns" in err[0]), err
    assert not out.exists()


def test_iso_dates_are_read_as_seconds(tmp_path):
    path = tmp_path / "listens.csv"
    path.write_text("user,item,time\n1,a,2009-05-04T23:08:57Z\n1,b,2009-05-05 10:00:00\n2,b,2010-01-01\n")
    loaded = read_ratings_file(path)
    assert loaded.has_timestamp and not loaded.has_rating
    assert sorted(loaded.ratings["timestamp"]) == [1241478537, 1241517600, 1262304000]


@pytest.mark.parametrize(
    ("cell", "needle"),
    [
        ("9999-12-31 23:59:59", "line 3 (column 'time'): timestamp '9999-12-31 23:59:59' is outside 1970-2100"),
        ("1000-01-01", "line 3 (column 'time'): timestamp '1000-01-01' is outside 1970-2100"),
    ],
)
def test_dates_outside_the_window_are_named(tmp_path, cell, needle):
    path = tmp_path / "listens.csv"
    path.write_text(f"user,item,time\n1,a,2009-05-04T23:08:57Z\n1,b,{cell}\n")
    with pytest.raises(BadInput) as info:
        read_ratings_file(path)
    assert needle in str(info.value) and "listens.csv" in str(info.value)


def test_a_single_user_is_refused_not_a_traceback(tmp_path, capsys):
    path = tmp_path / "one_user.csv"  # found by the fuzz test: monitoring had no held-out song with a popularity
    path.write_text("user,item,rating\n" + "".join(f"7,i{k},{1 + k % 5}\n" for k in range(40)))
    code, _, err = run_cli(["--quiet", "--data", str(path), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and len(err) == 1 and "one_user.csv" in err[0] and "rated in training" in err[0], err
    assert not (tmp_path / "out").exists()
