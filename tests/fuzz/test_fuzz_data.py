"""Generated data files of every --data format, mutated from the shipped samples, keep the contract."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from framework.registry import case_names
from tests.fuzz.contract import assert_contract, run_cli, sandbox, tree
from tests.fuzz.datasets import LAYOUTS, Layout, epoch_seconds

CELL_VALUES = [np.nan, "", "abc", -1, 0, np.inf, -np.inf, 1e300, " 5 ", "1e999", 2**70]
TIME_VARIANTS = ["milliseconds", "year_9999", "year_1000", "overflow", "unparseable", "century_ahead", "unsorted"]
FRAME_MUTATIONS = [
    "none", "drop_column", "rename_column", "extra_column", "duplicate_rows", "set_cells", "timestamps",
    "keep_first", "single_entity", "single_class", "shuffle",
]  # fmt: skip
BYTE_MUTATIONS = ["none", "nul_prefix", "non_utf8", "huge_line", "truncate", "corrupt_middle"]


def mutate_times(frame: pd.DataFrame, column: str, variant: str, rng: np.random.Generator) -> pd.DataFrame:
    seconds = epoch_seconds(frame[column])
    out = frame.copy()
    if variant == "milliseconds":
        out[column] = (seconds * 1000).astype(np.int64)
    elif variant == "year_9999":
        out[column] = "9999-12-31 23:59:59"
    elif variant == "year_1000":
        out[column] = "1000-01-01 00:00:00"
    elif variant == "overflow":
        out[column] = "99999999999999999999999"
    elif variant == "unparseable":
        out[column] = out[column].astype(str)
        out.loc[out.index[rng.integers(len(out))], column] = "yesterday at noon"
    elif variant == "century_ahead":
        out[column] = (seconds + 100 * 365.25 * 86400).astype(np.int64)
    else:
        out = out.iloc[rng.permutation(len(out))]
    return out


def mutate_frame(layout: Layout, frames: dict[str, pd.DataFrame], kind: str, draw) -> dict[str, pd.DataFrame]:
    """Apply one structural or value mutation to one table."""
    table = draw(st.sampled_from(sorted(frames)))
    frame = frames[table].copy()
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    columns = list(frame.columns)
    if kind == "drop_column":
        frame = frame.drop(columns=draw(st.sampled_from(columns)))
    elif kind == "rename_column":
        frame = frame.rename(columns={draw(st.sampled_from(columns)): draw(st.sampled_from(["renamed", "", "Ünï"]))})
    elif kind == "extra_column":
        frame["extra"] = 1
    elif kind == "duplicate_rows":
        frame = pd.concat([frame, frame.sample(frac=0.2, random_state=int(rng.integers(1000)))], ignore_index=True)
    elif kind == "set_cells":
        column = draw(st.sampled_from(columns))
        value = draw(st.sampled_from(CELL_VALUES))
        share = draw(st.sampled_from([1 / max(len(frame), 1), 0.01, 0.5, 1.0]))
        rows = rng.random(len(frame)) < share
        frame[column] = frame[column].astype(object)
        frame.loc[rows, column] = value
    elif kind == "timestamps" and layout.time_columns.get(table) in columns:
        frame = mutate_times(frame, layout.time_columns[table], draw(st.sampled_from(TIME_VARIANTS)), rng)
    elif kind == "keep_first":
        frame = frame.head(draw(st.sampled_from([0, 1, 2, 10, 200])))
    elif kind == "single_entity" and set(layout.id_columns.get(table, ())) & set(columns) and len(frame):
        column = draw(st.sampled_from(sorted(set(layout.id_columns[table]) & set(columns))))
        frame[column] = frame[column].iloc[0]
    elif kind == "single_class" and layout.label and layout.label[0] == table and layout.label[1] in columns:
        frame[layout.label[1]] = draw(st.sampled_from([0, 1]))
    elif kind == "shuffle":
        frame = frame.iloc[rng.permutation(len(frame))]
    return {**frames, table: frame}


def mutate_bytes(path: Path, kind: str) -> None:
    """Damage the written file (or a file of the written folder) at the byte level."""
    target = path if path.is_file() else max(path.iterdir(), key=lambda p: p.stat().st_size)
    data = target.read_bytes()
    if kind == "nul_prefix":
        data = b"\x00" * 16 + data
    elif kind == "non_utf8":
        cut = len(data) // 2
        data = data[:cut] + b"\xff\xfe\xfa" + data[cut:]
    elif kind == "huge_line":
        data = data + b"1," + b"x" * 6_000_000 + b"\n"
    elif kind == "truncate":
        data = data[: len(data) // 2]
    elif kind == "corrupt_middle":
        cut = len(data) // 2
        data = data[:cut] + bytes(range(256)) * 4 + data[cut + 1024 :]
    target.write_bytes(data)


@pytest.mark.parametrize("layout_name", sorted(LAYOUTS))
@given(data=st.data())
def test_generated_data_files_keep_the_contract(layout_name, data):
    case_name = layout_name.split("-")[0]
    layout = LAYOUTS[layout_name]
    fmt = data.draw(st.sampled_from(layout.formats))
    frames = layout.frames()
    for kind in data.draw(st.lists(st.sampled_from(FRAME_MUTATIONS), min_size=1, max_size=2)):
        frames = mutate_frame(layout, frames, kind, data.draw)
    byte_kind = data.draw(st.sampled_from(BYTE_MUTATIONS))
    with sandbox() as root:
        path = layout.write(frames, fmt, root / "data")
        if byte_kind != "none":
            mutate_bytes(path, byte_kind)
        before = tree(root)
        args = ["run", "--quiet", "--data", str(path.relative_to(root)), "--out", "out"]
        outcome = run_cli(case_name, args)
        assert_contract(outcome, root, before, root / "out", [*args, f"mutations={byte_kind}"])


def test_every_case_has_a_fuzzed_layout():
    assert {name.split("-")[0] for name in LAYOUTS} == set(case_names())


def test_truncated_gzip_is_bad_input_not_an_interrupt(tmp_path):
    """Regression: EOFError from a cut .csv.gz used to surface as exit 130 (click reads it as Ctrl-C)."""
    path = tmp_path / "transactions.csv.gz"
    with gzip.open(path, "wt") as fh:
        LAYOUTS["fraud"].frames()["tx"].to_csv(fh, index=False)
    path.write_bytes(path.read_bytes()[:2000])
    with sandbox() as root:
        outcome = run_cli("fraud", ["run", "--quiet", "--data", str(path), "--out", str(root / "out")])
    assert outcome.code == 2 and "Traceback" not in outcome.err, outcome
