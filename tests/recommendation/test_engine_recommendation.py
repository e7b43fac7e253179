"""The recommendation log on Dask: the same blocks, events, counts and cache whatever engine or workers build them."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from cases.recommendation import blocks, case
from cases.recommendation.batchscore import recommend_all, score_chunks
from cases.recommendation.config import RecConfig
from cases.recommendation.generator import make_world, simulate_events
from cases.recommendation.logs import json_lines
from cases.recommendation.models import ItemKNN, SegmentPopularity
from cases.recommendation.step_data import data
from framework import guards
from framework.case import RunContext
from framework.cli import invoke, make_case_app
from framework.config import build_config
from framework.datacache import CACHE_ENV
from framework.engine import Engine

BLOCK_USERS = 150  # the small preset's 500 users in 4 blocks


def _ctx(tmp_path, engine: Engine | None = None, scale: str = "small", **knobs) -> RunContext[RecConfig]:
    config = build_config(RecConfig, "small").model_copy(update={"block_users": BLOCK_USERS, **knobs})
    return RunContext(case=case.name, config=config, seed=0, scale=scale, out_dir=tmp_path, engine=engine or Engine())


def test_small_default_and_large_are_one_block():
    for scale in ("small", "default", "large"):
        assert build_config(RecConfig, scale).blocks() == 1, scale
    assert build_config(RecConfig, "xl").blocks() > 1


def test_a_multi_block_data_step_gives_the_same_windows_and_counts_on_pandas_and_dask(tmp_path, dask_engine):
    pandas_ctx, dask_ctx = _ctx(tmp_path / "p"), _ctx(tmp_path / "d", dask_engine)
    assert pandas_ctx.config.blocks() == 4
    record_p, rec_p = data(pandas_ctx)
    record_d, rec_d = data(dask_ctx)
    pd.testing.assert_frame_equal(rec_p.train, rec_d.train)
    pd.testing.assert_frame_equal(rec_p.test, rec_d.test)
    assert record_p.summary == record_d.summary
    # The popularity reduction over the partitions equals a count over the collected training window.
    clicked = rec_p.train.loc[rec_p.train["clicked"], "item"].to_numpy()
    expected = np.bincount(clicked, minlength=len(rec_p.items))
    assert rec_d.song_clicks is not None and np.array_equal(rec_d.song_clicks, expected)
    assert any("training window collected" in note for note in dask_ctx.notes)


def test_blocks_draw_from_their_own_streams_so_workers_never_change_the_log(tmp_path, dask_engine):
    ctx = _ctx(tmp_path, dask_engine)
    world = make_world(ctx.config, ctx.rng("world"))
    # Several partitions, each cleaned on whichever worker gets it: the rows equal the pandas ones.
    log = blocks.clean_log(ctx, world, "click_log", "logs", "mess", 0, world.window_s)
    assert log.events.npartitions == 4
    events, parts = blocks.compute(ctx, log.events, log.counts)
    alone, counts = blocks.logged_window(_ctx(tmp_path), world, "click_log", "logs", "mess", 0, world.window_s)
    pd.testing.assert_frame_equal(blocks.in_order(ctx, events), alone)
    assert blocks.add_counts(parts) == counts
    # Block 0 is the unblocked stream: a one-block log is the log the unblocked generator drew.
    one = blocks.raw_block(blocks.LogBlock(0, 0, world, ctx.config, 0, "logs", "mess", 0, world.window_s))
    events = simulate_events(world, ctx.config, ctx.rng("logs"))
    lines, flags = json_lines(events, world, ctx.config, ctx.rng("mess"))
    assert one["line"].tolist() == lines.tolist() and np.array_equal(one["flags"].to_numpy(), flags)


def test_the_xl_raw_log_is_cached_and_reused_without_generating_again(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    built: list[int] = []
    original = blocks.raw_block

    def counting(block: blocks.LogBlock) -> pd.DataFrame:
        built.append(block.index)
        return original(block)

    monkeypatch.setattr(blocks, "raw_block", counting)
    ctx = _ctx(tmp_path, scale="xl", n_users=200, impressions_per_user=20.0, block_users=100)
    world = make_world(ctx.config, ctx.rng("world"))
    first, first_counts = blocks.logged_window(ctx, world, "click_log", "logs", "mess", 0, world.window_s)
    assert built == [0, 1] and any("generated and cached" in note for note in ctx.notes)
    again, again_counts = blocks.logged_window(ctx, world, "click_log", "logs", "mess", 0, world.window_s)
    assert built == [0, 1], "the second run generated the log again instead of reading the cache"
    assert any("reusing click_log" in note for note in ctx.notes)
    pd.testing.assert_frame_equal(first, again)
    assert first_counts == again_counts


def test_pandas_refuses_xl_up_front_and_names_the_dask_engine(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(guards, "available_memory_bytes", lambda: 24 * 2**30)  # this 24 GiB machine
    code = invoke(make_case_app(case), ["run", "--quiet", "--scale", "xl", "--out", str(tmp_path / "out")])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 2 and len(err) == 1 and "--engine dask" in err[0], err
    assert not (tmp_path / "out").exists()


def test_the_batch_refresh_scored_per_chunk_on_workers_equals_pandas(dask_engine):
    rng = np.random.default_rng(0)
    history = sparse.random(5000, 60, density=0.05, format="csr", random_state=rng)
    history.data[:] = 1.0
    segment = rng.integers(0, 3, 5000)
    model, fallback = ItemKNN(10).fit(history), SegmentPopularity().fit(history, segment)
    assert len(score_chunks(5000, block_users=100)) == 3  # whole scoring batches of 2,048 users
    on_pandas = recommend_all(Engine(), model, history, 10, fallback, block_users=100)
    on_dask = recommend_all(dask_engine, model, history, 10, fallback, block_users=100)
    assert np.array_equal(on_pandas, on_dask)
