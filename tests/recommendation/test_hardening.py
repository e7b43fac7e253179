"""Hardening: every config value and every damaged ratings file gives a run or one short BadInput line."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cases.recommendation import case
from cases.recommendation.artifacts import RecData
from cases.recommendation.config import MAX_LOG_LINES, RecConfig
from cases.recommendation.loader import check_memory, check_split, index_ratings, read_ratings, split_per_user
from cases.recommendation.serving import RecommendationCache
from cases.recommendation.step_features import features
from framework.cli import invoke, make_case_app
from framework.config import build_config
from framework.errors import BadInput
from framework.guards import check_memory as check_config_memory

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "recommendation_sample.data"
MAX_MESSAGE = 200


def rows(n_users: int = 30, per_user: int = 6) -> list[list[str]]:
    """A small valid u.data table: every user rates ``per_user`` items."""
    return [[str(u), str(u + i), "3", str(1_700_000_000 + 60 * i)] for u in range(n_users) for i in range(per_user)]


def write_tab(path: Path, table: list[list[str]]) -> Path:
    path.write_text("".join("\t".join(r) + "\n" for r in table))
    return path


def refused(path: Path, needle: str) -> str:
    """Assert ``read_ratings(path)`` raises one short line naming the file and ``needle``; return it."""
    with pytest.raises(BadInput) as info:
        read_ratings(path)
    message = str(info.value)
    assert needle in message and path.name in message, message
    assert "\n" not in message and len(message) <= MAX_MESSAGE, message
    return message


# --------------------------------------------------------------------------- config bounds


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("serving_requests", "1e12"),
        ("serving_requests", str(10**12)),
        ("impressions_per_user", "1e12"),
        ("knn_neighbours", str(10**12)),
        ("ab_sessions_per_user", "1e12"),
        ("ab_sessions_per_user", "1e-9"),
        ("test_fraction", "1e-09"),
        ("test_fraction", "0.95"),
        ("n_items", "50000"),
        ("n_artists", "9" * 300),
        ("als_iterations", "1000"),
        ("als_regularization", "0"),
        ("als_alpha", "1e12"),
        ("taste_concentration", "1e12"),
        ("taste_concentration", "1e-9"),
        ("new_user_fraction", "0.999"),
        ("als_factors", "256"),
    ],
)
def test_out_of_range_values_name_the_key(key, value):
    with pytest.raises(BadInput) as info:
        build_config(RecConfig, "small", [f"{key}={value}"])
    message = str(info.value)
    assert key in message and len(message) <= MAX_MESSAGE, message


def test_too_many_log_lines_names_the_size_keys():
    with pytest.raises(BadInput, match="n_users or impressions_per_user") as info:
        build_config(RecConfig, "small", ["n_users=100000", "impressions_per_user=1000"])
    assert f"{MAX_LOG_LINES:,}" in str(info.value)


def test_a_block_too_big_for_one_worker_names_block_users():
    with pytest.raises(BadInput, match="lower block_users"):
        build_config(RecConfig, "xl", ["block_users=50000"])


def test_too_few_held_out_impressions_names_the_keys():
    with pytest.raises(BadInput, match="raise impressions_per_user, n_users or test_fraction"):
        build_config(RecConfig, "small", ["n_users=50", "impressions_per_user=2", "test_fraction=0.05"])


def test_slow_als_names_its_keys():
    with pytest.raises(BadInput, match="lower als_iterations or als_factors"):
        build_config(RecConfig, "large", ["als_iterations=50"])


@pytest.mark.parametrize("scale", ["small", "default", "large"])
def test_presets_stay_valid_and_their_estimate_is_calibrated(scale):
    config = build_config(RecConfig, scale)
    measured_mib = {"small": 280, "default": 650, "large": 1470}[scale]  # peak RSS of `run --scale ...`
    assert measured_mib <= config.estimated_peak_bytes() / 2**20 <= 2 * measured_mib


def test_memory_guard_names_the_size_keys():
    config = build_config(RecConfig, "large")
    with pytest.raises(BadInput, match="n_users=10000, impressions_per_user=150.0, n_items=3000"):
        check_config_memory(config, available=2**30)


def test_estimate_grows_with_every_size_key():
    base = build_config(RecConfig, "small")
    for key, value in (("n_users", 5000), ("impressions_per_user", 500), ("n_items", 5000), ("als_factors", 128)):
        bigger = base.model_copy(update={key: value})
        assert bigger.estimated_peak_bytes() > base.estimated_peak_bytes(), key


# --------------------------------------------------------------------------- loader


@pytest.mark.parametrize(
    ("cell", "column", "needle"),
    [
        ("five", 2, "rating 'five' is not a number"),
        ("", 2, "rating is missing"),
        ("inf", 2, "not a plausible score"),
        ("-inf", 2, "not a plausible score"),
        ("1e300", 2, "not a plausible score"),
        ("9" * 300, 2, "characters)"),
        ("", 0, "user is missing"),
        ("   ", 1, "item is missing"),
        ("x" * 5000, 1, "5,000 characters long"),
        ("yesterday", 3, "timestamp 'yesterday' is not Unix seconds or an ISO 8601 date"),
        ("1709510455000", 3, "looks like milliseconds"),
        ("5000000000", 3, "after 2100"),
        ("99999999999999999999", 3, "outside 1970-2100"),
        ("inf", 3, "outside 1970-2100"),
        ("-5", 3, "outside 1970-2100"),
    ],
)
def test_bad_cell_names_the_line_and_field(tmp_path, cell, column, needle):
    table = rows()
    table[4][column] = cell
    message = refused(write_tab(tmp_path / "ratings.data", table), needle)
    assert "line 5" in message


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"1\t2\t3\n" * 5, "at least 2 distinct items"),  # no timestamp column: read, one item
        (b"1\t2\t3\t4\tx\n" * 5, "at least 2 distinct items"),  # an extra column is ignored
        (b"1\t2\t3\t4\n1\t2\t3\t4\t5\n", "cannot tell the separator"),
        (b"user,item,rating,timestamp\n1,2,3,4\n", "at least 2 distinct items"),
        (b"x" * 5_000_000, "cannot tell the separator"),
        (b"user_id\titem_id\trating\ttimestamp\n1\t2\t3\t4\n", "at least 2 distinct items"),
        (b"user_id,item_id,rating,timestamp\n", "header but no data rows"),
        (b"\n\n  \n", "is empty"),
        (b"\x00\x00" + b"1\t2\t3\t4\n", "NUL"),
        (b"1\t2\t3\t4\n" * 20_000 + b"1\t2\x00\t3\t4\n", "line 20,001 contains a NUL byte"),
        (b"1\t2\t3\t4\n" * 20_000 + b"caf\xe9\t2\t3\t4\n", "line 20,001 is not UTF-8"),
        (gzip.compress(b"1\t2\t3\t100\n" * 100, mtime=0), "at least 2 distinct items"),  # gzip is read
        (gzip.compress(b"1\t2\t3\t100\n" * 100, mtime=0)[:30], "truncated or damaged gzip"),
        (b"1\t1\t3\t100\n2\t1\t4\t101\n", "at least 2 distinct items"),
        (b"1\t1\t-3\t100\n2\t2\t0\t101\n", "every rating is zero or negative"),
    ],
)
def test_malformed_files_are_one_line_bad_input(tmp_path, content, needle):
    path = tmp_path / "ratings.data"
    path.write_bytes(content)
    refused(path, needle)


def test_huge_header_is_cut_short_in_the_message(tmp_path):
    path = tmp_path / "ratings.data"
    path.write_bytes(b"user_id," + b"y" * 5_000_000 + b"\n1,2\n")
    with pytest.raises(BadInput) as info:
        read_ratings(path)
    message = str(info.value)  # the framework loader's wording: the alias list makes it longer than 200
    assert "no item column" in message and path.name in message and "\n" not in message and len(message) < 400


def test_folder_is_refused(tmp_path):
    folder = tmp_path / "ratings.data"
    folder.mkdir()
    refused(folder, "is a folder")


def test_long_path_keeps_the_file_name(tmp_path):
    folder = tmp_path / ("d" * 150)
    folder.mkdir()
    path = folder / "ratings.data"
    path.write_bytes(b"")
    assert refused(path, "is empty").startswith("...")


def test_usable_oddities_load_with_warnings(tmp_path):
    table = rows()
    table[0][2] = "-1"
    table += [[table[1][0], table[1][1], "5", "1700009999"]]  # a repeated (user, item) pair, rated later
    table += [["__global__", "7", "3", "1700000000"]]
    path = write_tab(tmp_path / "odd.data.gz", table)  # plain text named .gz is read as text
    ratings, warnings = read_ratings(path)
    assert len(ratings) == len(table) - 1
    assert ratings.loc[(ratings.user_id == table[1][0]) & (ratings.item_id == table[1][1]), "rating"].item() == 5
    assert any("repeated" in w for w in warnings) and any("zero or negative" in w for w in warnings)


def test_blank_lines_bom_and_na_like_ids_load(tmp_path):
    path = tmp_path / "ratings.csv"
    body = "".join(",".join(r) + "\n" for r in rows())
    path.write_text("\ufeffuser_id,item_id,rating,timestamp\n" + body + "NA,null,4,1700000000\n")
    ratings, _ = read_ratings(path)
    assert len(ratings) == len(rows()) + 1 and "NA" in set(ratings.user_id)


def test_no_held_out_split_is_bad_input(tmp_path):
    path = write_tab(tmp_path / "single.data", rows(per_user=1))
    events, _, _ = index_ratings(read_ratings(path)[0])
    train, test = split_per_user(events, np.random.default_rng(0))
    with pytest.raises(BadInput, match="single.data.*nothing can be held out"):
        check_split(train, test, path)


def test_memory_guard_for_real_data(tmp_path):
    with pytest.raises(BadInput, match="ratings.data.*items.*memory"):
        check_memory(tmp_path / "ratings.data", 10**7, 10**6, 10**6, 16)


def test_no_evaluable_user_is_bad_input():
    pairs = pd.DataFrame({"user": [0, 1], "item": [0, 1], "clicked": True, "rating": 3.0})
    pairs["timestamp"] = np.array([0, 1], dtype="datetime64[s]")
    data = RecData(
        synthetic=False,
        world=None,
        users=pd.DataFrame({"user_id": ["a", "b"]}),
        items=pd.DataFrame({"song_id": ["x", "y"]}),
        train=pairs,
        test=pairs,  # every held-out rating repeats a training one
        n_genres=0,
    )
    with pytest.raises(BadInput, match="no user clicked a song in the held-out window.*more ratings per user"):
        features(data)


def test_real_data_has_no_generator_truth():
    empty = pd.DataFrame()
    data = RecData(synthetic=False, world=None, users=empty, items=empty, train=empty, test=empty, n_genres=0)
    with pytest.raises(ValueError, match="branch on RecData.synthetic"):
        data.truth()


def test_reserved_looking_user_id_does_not_collide_with_the_fallback(tmp_path):
    cache = RecommendationCache(tmp_path / "c.sqlite")
    cache.refresh(["__global__", "u1"], ["s1,s2", "s3"], "s9")
    assert cache.lookup("__global__") == (["s1", "s2"], False)
    assert cache.lookup("nobody") == (["s9"], True)
    cache.close()


# --------------------------------------------------------------------------- the command line


def run_cli(args: list[str], capsys) -> tuple[int, list[str]]:
    code = invoke(make_case_app(case), ["run", "--quiet", *args])
    return code, [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def test_cli_refuses_an_unsplittable_file_in_one_line(tmp_path, capsys):
    path = write_tab(tmp_path / "one_each.data", rows(per_user=1))
    code, err = run_cli(["--data", str(path), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and len(err) == 1 and "one_each.data" in err[0], err
    assert not (tmp_path / "out").exists()


def test_cli_runs_an_odd_file_and_prints_its_warnings(tmp_path, capsys):
    table = [line.split("\t") for line in SAMPLE.read_text().splitlines()[:3000]]
    table[0][2] = "0"
    table.append(list(table[1]))
    path = write_tab(tmp_path / "odd.data", table)
    code, err = run_cli(["--data", str(path), "--out", str(tmp_path / "out")], capsys)
    assert code == 0, err
    assert (tmp_path / "out" / "metrics.json").is_file()
    assert err and all(line.startswith("warning: ") for line in err), err
