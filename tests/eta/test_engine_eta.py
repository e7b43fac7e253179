"""ETA on Dask: the same blocks, clean windows, record table and counts whatever the engine; xl guards; the router."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from cases.eta import scale as scale_module
from cases.eta.blocks import probe_blocks
from cases.eta.config import EtaConfig
from cases.eta.data import add_derived, clean_records, generate_probes, inject_invalid, split_by_time
from cases.eta.features import record_table
from cases.eta.network import grid_network
from cases.eta.routing import CityRouter, city_routes, route_latency
from cases.eta.scale import generated_history, record_table_reduced
from cases.eta.traffic import INTERVALS_PER_WEEK, build_traffic, draw_incidents
from cases.eta.trips import walk_routes
from framework.case import RunContext
from framework.cli import invoke, make_case_app
from framework.datacache import CACHE_ENV
from framework.engine import Engine
from framework.seeding import stream_rng


def _world(seed: int = 0):
    """A small network with incidents, its end and cut (two weeks, 80% training)."""
    net = grid_network(4, 5, 0.8, 3, 2, stream_rng(seed, "network"))
    end = 2 * INTERVALS_PER_WEEK
    incidents = draw_incidents(net.n_segments, 0, end, 0.5, stream_rng(seed, "incidents"))
    traffic = build_traffic(net.segments, 0.3, stream_rng(seed, "traffic")).with_incidents(incidents)
    return net, traffic, end, int(0.8 * end)


def _context(tmp_path: Path, engine: Engine, scale: str = "small", **overrides) -> RunContext[EtaConfig]:
    config = EtaConfig(**{**EtaConfig.scales["small"], "weeks": 2, "probe_rate": 0.3, **overrides})
    return RunContext(case="eta", config=config, seed=0, scale=scale, out_dir=tmp_path, engine=engine)


def test_one_block_is_the_unblocked_generator(tmp_path):
    net, traffic, end, cut = _world()
    blocks = probe_blocks(traffic, 0, end, 10_000, 0.3, 0.01)
    history, _ = generated_history(_context(tmp_path, Engine()), net.segments, blocks, cut, True)
    records = generate_probes(traffic, 0, end, 0.3, stream_rng(0, "probes"))
    raw, injected = inject_invalid(records, 0.01, stream_rng(0, "invalid"))
    clean, dropped = clean_records(raw, net.n_segments)
    train, test = split_by_time(add_derived(clean, net.segments), cut)
    pd.testing.assert_frame_equal(history.train, train)
    pd.testing.assert_frame_equal(history.test, test)
    assert history.counts["rows_injected_invalid"] == injected
    assert history.counts["rows_dropped"] == dropped
    assert history.counts["rows_generated"] == len(raw)


def test_several_blocks_give_the_same_rows_on_pandas_and_dask(tmp_path, dask_engine):
    net, traffic, end, cut = _world()
    blocks = probe_blocks(traffic, 0, end, 15, 0.3, 0.01)
    assert len(blocks) == 5  # 62 segments in blocks of 15
    on_pandas, _ = generated_history(_context(tmp_path, Engine()), net.segments, blocks, cut, True)
    on_dask, _ = generated_history(_context(tmp_path, dask_engine), net.segments, blocks, cut, True)
    pd.testing.assert_frame_equal(on_dask.train, on_pandas.train)
    pd.testing.assert_frame_equal(on_dask.test, on_pandas.test)
    assert on_dask.counts == on_pandas.counts
    assert on_dask.train_frame.npartitions == 5
    # The Dask reduction is exact: every key lives in one block, so no float is summed in another order.
    pd.testing.assert_frame_equal(record_table_reduced(dask_engine, on_dask.train_frame), record_table(on_pandas.train))
    # Per segment through Dask's shuffle (another partitioning): the same table to the last few bits.
    per_segment = dask_engine.by_entity(on_dask.train_frame, "segment_id", record_table, npartitions=3)
    shuffled = dask_engine.collect(per_segment, order=["segment_id", "interval_within_week"])
    pd.testing.assert_frame_equal(shuffled, record_table(on_pandas.train), check_exact=False, rtol=1e-12)


def test_the_xl_cache_is_written_once_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    net, traffic, end, cut = _world()
    blocks = probe_blocks(traffic, 0, end, 20, 0.3, 0.01)
    ctx = _context(tmp_path, Engine(), scale="xl")
    first, _ = generated_history(ctx, net.segments, blocks, cut, True)

    def never(block):
        raise AssertionError("the cached blocks were generated again")

    monkeypatch.setattr(scale_module, "build_raw_block", never)
    second, _ = generated_history(ctx, net.segments, blocks, cut, True)
    pd.testing.assert_frame_equal(second.train, first.train)
    assert any("reusing probes" in note for note in ctx.notes)


def test_xl_is_refused_on_pandas_up_front_in_one_line(tmp_path, capsys):
    from cases.eta import case

    code = invoke(make_case_app(case), ["run", "--scale", "xl", "--out", str(tmp_path / "o")], prog_name="test")
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "or run with --engine dask" in err and "\n" not in err
    assert not (tmp_path / "o").exists()
    xl = EtaConfig(**EtaConfig.scales["xl"])
    assert xl.n_segments() >= 50_000
    assert 80e6 < xl.estimated_rows() < 120e6


def test_the_city_router_follows_networkx_and_times_each_segment_when_reached():
    net = grid_network(6, 7, 0.8, 3, 2, stream_rng(0, "network"))
    traffic = build_traffic(net.segments, 1.0, stream_rng(0, "traffic"))
    router = CityRouter(net.graph)
    departure = 17 * 3600.0  # the evening peak: weights differ from free flow
    weighted = router.weights_at(traffic.expected_travel_time_s, int(departure // 120))
    graph = net.graph.copy()
    for _, _, d in graph.edges(data=True):
        d["w"] = traffic.expected_travel_time_s(np.array([d["segment_id"]]), np.array([int(departure // 120)]))[0]
    nodes = nx.dijkstra_path(graph, 0, net.n_nodes - 1, weight="w")
    expected = [graph.edges[u, v]["segment_id"] for u, v in zip(nodes[:-1], nodes[1:], strict=True)]
    path = router.route(weighted, 0, net.n_nodes - 1)
    assert path.tolist() == expected
    eta, n = router.eta(traffic.expected_travel_time_s, 0, net.n_nodes - 1, departure)
    assert n == len(expected)
    assert eta == pytest.approx(walk_routes(path[None, :], np.array([departure]), traffic.expected_travel_time_s)[0])
    stats = route_latency(router, traffic.expected_travel_time_s, np.zeros(3), np.full(3, 41), np.zeros(3), (1, 50))
    assert stats["route_queries"] == 3 and stats["route_p99_ms"] >= stats["route_p50_ms"] > 0


def test_city_routes_are_timed_only_where_the_network_has_such_routes():
    net = grid_network(6, 7, 0.8, 3, 2, stream_rng(0, "network"))
    traffic = build_traffic(net.segments, 1.0, stream_rng(0, "traffic"))
    none = city_routes(net.graph, traffic.expected_travel_time_s, 20, 0.0, 86400.0, np.random.default_rng(0))
    assert set(none) == {"city_routes"} and "--scale xl" in none["city_routes"]
    timed = city_routes(net.graph, traffic.expected_travel_time_s, 20, 0.0, 86400.0, np.random.default_rng(0), (2, 20))
    assert timed["route_queries"] > 0 and 2 <= timed["route_segments_min"] <= timed["route_segments_max"] <= 20
    assert "p99" in timed["city_routes"]


def test_per_origin_routing_finds_the_all_pairs_routes():
    dense = grid_network(6, 7, 0.8, 3, 2, stream_rng(3, "network"))
    sparse = grid_network(6, 7, 0.8, 3, 2, stream_rng(3, "network"), "per_origin")
    assert sparse.next_hop is None and sparse.router is not None
    rng = np.random.default_rng(0)
    o, d = rng.integers(0, 42, 600), rng.integers(0, 42, 600)
    np.testing.assert_array_equal(sparse.reachable(o, d), dense.reachable(o, d))
    np.testing.assert_array_equal(sparse.routes(o, d), dense.routes(o, d))
    # One request's route, as the backend serves it: the batch route on either network.
    batch = dense.routes(o[:50], d[:50])
    for i in range(50):
        want = batch[i][batch[i] >= 0].tolist()
        assert sparse.route(int(o[i]), int(d[i])) == want
        if o[i] != d[i]:
            assert dense.route(int(o[i]), int(d[i])) == want


def test_the_sparse_live_feed_holds_the_dense_running_sums():
    from cases.eta.live import SparseCumulative, _dense_cumulative

    rng = np.random.default_rng(0)
    n_seg, span, n = 40, 300, 5000
    seg, t, values = rng.integers(0, n_seg, n), rng.integers(0, span, n), rng.lognormal(3, 2, n)
    dense = _dense_cumulative(seg * span + t, values, n_seg, span)
    keys, inverse = np.unique(seg * span + t, return_inverse=True)
    sparse = SparseCumulative(keys, inverse, values, span)
    qs, qt = rng.integers(0, n_seg, 4000), rng.integers(0, span + 1, 4000)
    np.testing.assert_array_equal(sparse[qs, qt], dense[qs, qt])  # the same floats, not just close


def test_a_reduced_training_window_gives_the_collected_windows_history(tmp_path, dask_engine):
    from cases.eta.features import HistoryFeatures
    from cases.eta.reduced import pass_b, reduced_layout, run_partitions

    net, traffic, end, cut = _world()
    blocks = probe_blocks(traffic, 0, end, 15, 0.3, 0.01)
    collected, _ = generated_history(_context(tmp_path, Engine()), net.segments, blocks, cut, True)
    layout = reduced_layout(net.segments, 2, 5, 15)
    reduced, _ = generated_history(_context(tmp_path, dask_engine), net.segments, blocks, cut, True, layout)
    pd.testing.assert_frame_equal(reduced.test, collected.test)
    assert reduced.counts == collected.counts and reduced.train.empty
    assert reduced.reduced.rows == len(collected.train)
    want = HistoryFeatures().fit(collected.train, net.segments, 5, table_bucket=15)
    got = HistoryFeatures().fit_sums([p["sums"] for p in reduced.reduced.parts], net.segments, 2, 5, 15)
    assert got.key_w_.shape == (net.n_segments, INTERVALS_PER_WEEK // 15)
    for name in ("key_w_", "key_wr_", "hour_w_", "seg_wr_", "seg_week_wr_", "class_week_wr_", "hour_oof_"):
        np.testing.assert_allclose(getattr(got, name), getattr(want, name), rtol=1e-12)
    table = record_table(collected.train)
    assert reduced.reduced.key_stats() == (len(table), table["car_count"].median(), table["n_records"].median())
    # Pass B: the slowdown rows of every partition and a booster sample of the requested size.
    ratio, free_flow = want.key_table(), net.segments["free_flow_s"].to_numpy()
    parts = reduced.reduced.parts
    args = [
        (reduced.reduced.segments, cut, ratio[p["lo"] : p["hi"]], free_flow[p["lo"] : p["hi"]], (10, 0, 807, p["lo"]))
        + ((0, i, 7), cut - 10)
        for i, p in enumerate(parts)
    ]
    out = run_partitions(dask_engine, reduced.reduced.raw, pass_b, args)
    slowdown = np.concatenate([o["slowdown"] for o in out])
    from cases.eta.congestion import recent_slowdown

    whole = recent_slowdown(collected.train, ratio, free_flow, 10, first=0, n_blocks=807)
    np.testing.assert_allclose(slowdown, whole, rtol=1e-12)
    assert sum(len(o["sample"]) for o in out) == 7 * len(parts)
    tail = pd.concat([o["tail"] for o in out]).sort_values(["interval_index", "segment_id"], ignore_index=True)
    want_tail = collected.train[collected.train["interval_index"] >= cut - 10].reset_index(drop=True)
    pd.testing.assert_frame_equal(tail, want_tail)


def test_bucketed_tables_answer_every_interval_from_its_bucket(tmp_path):
    from cases.eta.features import HistoryFeatures
    from cases.eta.models import HistoricalMeanModel
    from cases.eta.serving import InMemoryStore, SegmentTimeStore

    net, traffic, end, cut = _world()
    history, _ = generated_history(
        _context(tmp_path, Engine()), net.segments, probe_blocks(traffic, 0, end, 99, 0.3, 0.01), cut, True
    )
    model = HistoricalMeanModel().fit(
        history.train, net.segments, HistoryFeatures().fit(history.train, net.segments, 5, table_bucket=15)
    )
    assert model.table_.shape == (net.n_segments, 336)
    seg, interval = np.array([3, 3, 7]), np.array([0, 14, 15 + INTERVALS_PER_WEEK])
    np.testing.assert_array_equal(model.predict_segment_time(seg, interval), model.table_[seg, [0, 0, 1]])
    store = SegmentTimeStore(tmp_path / "kv.sqlite")
    assert store.write(model.table_) == model.table_.size
    assert store.get(7, 29) == InMemoryStore(model.table_).get(7, 29) == model.table_[7, 1]
    store.close()


def test_the_boosters_table_is_the_same_scored_in_chunks_on_the_workers(tmp_path, dask_engine, monkeypatch):
    from cases.eta import models
    from cases.eta.features import HistoryFeatures

    net, traffic, end, cut = _world()
    history, _ = generated_history(
        _context(tmp_path, Engine()), net.segments, probe_blocks(traffic, 0, end, 99, 0.3, 0.01), cut, True
    )
    feats = HistoryFeatures().fit(history.train, net.segments, 5)

    def fitted(engine):
        model = models.GradientBoostingModel(max_iter=15, train_rows=3000)
        return model.fit(history.train, net.segments, feats, stream_rng(0, "gbm_rows"), engine=engine)

    whole = fitted(None)
    tasks = []
    monkeypatch.setattr(models, "_PREDICT_CHUNK_PAIRS", 5 * feats.n_buckets_)  # 5 segments a task
    chunked = fitted(dataclasses.replace(dask_engine, on_partition=lambda done, n: tasks.append(n)))
    assert tasks and tasks[-1] == -(-net.n_segments // 5)  # one task per 5 segments, counted as they finish
    np.testing.assert_array_equal(chunked.table_, whole.table_)
