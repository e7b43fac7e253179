"""The fraud case on Dask: the same blocks, features and split on either engine; xl cached, and refused on pandas."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd

from cases.fraud import case, scale
from cases.fraud.config import FraudConfig
from cases.fraud.simulator import ID_STRIDE
from cases.fraud.step_data import data, features
from framework.case import RunContext
from framework.cli import invoke, make_case_app
from framework.config import build_config
from framework.engine import Engine

# Three blocks of 300 customers: small enough for seconds, several partitions on Dask.
TINY = ["n_customers=900", "n_terminals=1200", "n_days=40", "block_customers=300", "serving_requests=50"]


def _ctx(tmp_path: Path, engine: Engine, scale_name: str = "small", extra: list[str] | None = None) -> RunContext:
    config = build_config(FraudConfig, "small", [*TINY, *(extra or [])])
    return RunContext(case="fraud", config=config, seed=4, scale=scale_name, out_dir=tmp_path, engine=engine)


def test_blocks_are_the_same_rows_on_both_engines(tmp_path, dask_engine):
    on_pandas, _, n_blocks = scale.transactions(_ctx(tmp_path, Engine()))
    lazy, _, _ = scale.transactions(_ctx(tmp_path, dask_engine))
    assert n_blocks == 3 and lazy.npartitions == 3
    meta = on_pandas.iloc[:0]
    pd.testing.assert_frame_equal(scale.collect(dask_engine, lazy, meta), scale.finish(on_pandas, meta))
    block = on_pandas["transaction_id"].to_numpy() // ID_STRIDE
    # Every customer lives in one block: the customer windows need no shuffle.
    assert (on_pandas.groupby("customer_id")["transaction_id"].agg(lambda s: (s // ID_STRIDE).nunique()) == 1).all()
    assert set(np.unique(block)) == {0, 1, 2} and on_pandas["transaction_id"].is_unique


def test_split_and_features_through_the_shuffle_equal_pandas(tmp_path, dask_engine):
    got = {}
    for name, engine in (("pandas", Engine()), ("dask", dask_engine)):
        ctx = _ctx(tmp_path, engine)
        record, fraud = data(ctx)
        got[name] = (record, fraud, features(ctx, fraud)[1].X)
    (rec_p, data_p, X_p), (rec_d, data_d, X_d) = got["pandas"], got["dask"]
    pd.testing.assert_frame_equal(data_p.tx, data_d.tx)
    pd.testing.assert_frame_equal(X_p, X_d)
    pd.testing.assert_frame_equal(data_p.replay, data_d.replay)
    assert np.array_equal(data_p.split.test, data_d.split.test)
    assert rec_p.summary["transactions"] == rec_d.summary["transactions"] == rec_p.summary["batch_rows"]
    assert 850 < rec_p.summary["customers"] <= 900 and rec_p.summary["customer_blocks"] == 3


def test_xl_data_is_cached_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEBOOK_CACHE", str(tmp_path / "cache"))
    calls = []
    real = scale.build_block

    def counting(block):
        calls.append(block.index)
        return real(block)

    monkeypatch.setattr(scale, "build_block", counting)
    ctx = _ctx(tmp_path, Engine(), scale_name="xl")
    first, _, _ = scale.transactions(ctx)
    made = len(calls)
    again, _, _ = scale.transactions(ctx)
    assert made == 3 and len(calls) == made  # the second call read the cache
    assert any("reusing transactions" in note for note in ctx.notes)
    pd.testing.assert_frame_equal(first, again)


def test_pandas_refuses_xl_up_front(tmp_path, capsys):
    code = invoke(make_case_app(case), ["run", "--scale", "xl", "--quiet", "--out", str(tmp_path / "o")])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(lines) == 1 and "--engine dask" in lines[0]
    assert not (tmp_path / "o").exists()


def test_customer_windows_do_not_depend_on_how_blocks_are_partitioned(tmp_path, dask_engine):
    frame, _, n_blocks = scale.transactions(_ctx(tmp_path, dask_engine))
    keep = scale.Keep(ranges=((0, 40),), span=(0, 40))
    apply = functools.partial(scale.customer_part, keep=keep)
    meta = scale.customer_part(frame._meta, keep)
    as_made = scale.per_block(dask_engine, frame, n_blocks, apply, meta)
    # Two partitions for three blocks: the engine regroups whole blocks by shuffling on the block number.
    merged = scale.per_block(dask_engine, frame.repartition(npartitions=2), n_blocks, apply, meta)
    pd.testing.assert_frame_equal(dask_engine.collect(as_made, scale.ORDER), dask_engine.collect(merged, scale.ORDER))
