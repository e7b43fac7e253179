"""The Dask engine: same model numbers as pandas for every case, on a LocalCluster and on a separate cluster."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.same_numbers import differences, reference
from framework import engine as engine_module
from framework.engine import Engine, check_engine, open_engine
from framework.errors import BadInput
from framework.registry import case_names, get_case
from framework.runner import run_case

ROOT = Path(__file__).resolve().parents[2]


def _same_models_as_pandas(case_name: str, metrics) -> None:
    # The pandas numbers at small are the recorded ones (tests/test_reference_numbers.py holds them to it).
    recorded = reference(case_name, "small")
    assert differences(metrics.models, recorded["models"]) == []
    assert metrics.best_model == recorded["best_model"]


@pytest.mark.parametrize("case_name", case_names())
def test_dask_on_a_local_cluster_gives_the_pandas_model_numbers(case_name, tmp_path, capsys):
    result = run_case(get_case(case_name), scale="small", out_dir=tmp_path / "out", progress=False, engine="dask")
    assert result.metrics.engine == "dask"
    assert result.metrics.data["engine"]["scheduler"] == "local"
    assert result.metrics.data["engine"]["workers"] >= 1
    written = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert written["engine"] == "dask"
    _same_models_as_pandas(case_name, result.metrics)
    printed = capsys.readouterr().out
    assert "dask: LocalCluster on this machine" in printed and "dashboard http://" in printed
    report = (tmp_path / "out" / "report.md").read_text()
    workers = result.metrics.data["engine"]["workers"]
    assert f"ran on Dask: a LocalCluster on this machine ({workers} worker processes" in report
    rate = result.metrics.throughput["rows_per_s_per_thread"]
    assert f"| measured rows per second per busy thread | {rate:,.0f} |" in report
    assert "engine dask" in report
    # small is one block: one busy thread, and too few rows to extrapolate a cluster from
    assert result.metrics.throughput["busy_threads"] == 1
    assert "not extrapolated" in result.metrics.throughput["extrapolation"]


@pytest.fixture(scope="module")
def separate_cluster(tmp_path_factory):
    """A ``dask scheduler`` and two ``dask worker`` processes on loopback, stopped afterwards."""
    folder = tmp_path_factory.mktemp("cluster")
    address_file = folder / "scheduler.json"
    dask_cli = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    common = {"cwd": ROOT, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    processes = [
        subprocess.Popen(
            [*dask_cli, "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(address_file)],
            **common,
        )
    ]
    try:
        deadline = time.monotonic() + 30
        while not address_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert address_file.exists(), "the dask scheduler did not start within 30 s"
        address = json.loads(address_file.read_text())["address"]
        worker_cli = [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1"]
        for name in ("w1", "w2"):
            worker = [*worker_cli, "--name", name, "--host", "127.0.0.1", "--no-dashboard", "--no-nanny"]
            processes.append(subprocess.Popen([*worker, "--local-directory", str(folder / name)], **common))
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        # Killed, not asked: a worker's graceful close waits for a scheduler that may already be gone.
        for p in reversed(processes):
            p.kill()
            p.wait(timeout=20)


@pytest.mark.parametrize("case_name", case_names())
def test_dask_on_a_separate_scheduler_and_two_workers_gives_the_pandas_model_numbers(
    case_name, separate_cluster, tmp_path, capsys
):
    result = run_case(
        get_case(case_name),
        scale="small",
        out_dir=tmp_path / "out",
        progress=False,
        engine="dask",
        scheduler=separate_cluster,
    )
    assert result.metrics.data["engine"] == {"name": "dask", "scheduler": separate_cluster, "workers": 2, "threads": 2}
    _same_models_as_pandas(case_name, result.metrics)
    assert f"dask: scheduler {separate_cluster}, 2 workers" in capsys.readouterr().out


def test_a_malformed_scheduler_address_is_named_as_one(tmp_path):
    with pytest.raises(BadInput, match=r"^--scheduler 'http://x:1' is not a scheduler address like tcp://"):
        run_case(
            get_case("fraud"),
            scale="small",
            out_dir=tmp_path / "o",
            progress=False,
            engine="dask",
            scheduler="http://x:1",
        )
    assert not (tmp_path / "o").exists()


def test_xl_on_pandas_is_refused_by_rule_in_one_line(tmp_path):
    with pytest.raises(BadInput, match=r"^--scale xl needs about [0-9.]+ GiB in one process on pandas; choose"):
        run_case(get_case("recommendation"), scale="xl", out_dir=tmp_path / "o", progress=False)
    assert not (tmp_path / "o").exists()


def test_an_unreachable_scheduler_is_refused_in_one_line_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(engine_module, "CONNECT_TIMEOUT_S", 1)
    out = tmp_path / "out"
    with pytest.raises(BadInput) as err:
        run_case(
            get_case("fraud"), scale="small", out_dir=out, progress=False, engine="dask", scheduler="tcp://127.0.0.1:9"
        )
    message = str(err.value)
    assert "tcp://127.0.0.1:9" in message and "did not answer within 1 s" in message and "\n" not in message
    assert not out.exists()


@pytest.mark.parametrize(
    ("engine", "scheduler", "expected"),
    [
        ("spark", None, "unknown engine 'spark'; choose one of pandas, dask"),
        (
            "pandas",
            "tcp://10.0.0.5:8786",
            "--scheduler 'tcp://10.0.0.5:8786' attaches to a Dask cluster; add --engine dask",
        ),
        ("dask", "  ", "--scheduler is empty"),
    ],
)
def test_bad_engine_options_are_named(engine, scheduler, expected):
    with pytest.raises(BadInput, match=expected.replace("(", r"\(").replace(")", r"\)")[:40]):
        check_engine(engine, scheduler)


def test_the_cli_refuses_a_scheduler_without_dask_with_exit_2(tmp_path, monkeypatch):
    from tests.fuzz.contract import run_cli

    monkeypatch.chdir(tmp_path)
    outcome = run_cli("fraud", ["run", "--scheduler", "tcp://127.0.0.1:8786", "--out", "o"])
    assert outcome.code == 2
    assert outcome.err.strip().splitlines() == [
        "error: --scheduler 'tcp://127.0.0.1:8786' attaches to a Dask cluster; add --engine dask"
    ]
    assert not (tmp_path / "o").exists()


def _block(index: int) -> pd.DataFrame:
    # Each block's rows depend on its index only, as the cases' generators do.
    return pd.DataFrame({"entity": [index % 3, (index + 1) % 3, index % 3], "value": [index, index * 10, index + 0.5]})


def _running_total(frame: pd.DataFrame) -> pd.DataFrame:
    ordered = frame.sort_values(["entity", "value"], kind="stable")
    return ordered.assign(total=ordered.groupby("entity")["value"].cumsum())


def test_blocks_entity_windows_and_reductions_agree_between_engines(dask_engine):
    blocks = range(7)
    frames = {}
    for engine in (Engine(), dask_engine):
        rows = engine.from_blocks(_block, blocks)
        windows = engine.by_entity(rows, "entity", _running_total)
        sums = engine.collect(rows.groupby("entity")["value"].sum().reset_index(), order=["entity"])
        frames[engine.name] = (engine.collect(windows, order=["entity", "value"]), sums)
    pd.testing.assert_frame_equal(frames["pandas"][0], frames["dask"][0], check_dtype=False)
    pd.testing.assert_frame_equal(frames["pandas"][1], frames["dask"][1], check_dtype=False)
    assert len(frames["dask"][0]) == 21


def test_open_engine_pandas_starts_no_cluster():
    with open_engine("pandas") as engine:
        assert engine.describe() == {"name": "pandas", "scheduler": None, "workers": 1, "threads": 1}
        assert engine.compute(pd.Series([1, 2])).tolist() == [1, 2]


def test_compute_reports_each_finished_partition_for_the_progress_bar(dask_engine):
    seen: list[tuple[int, int]] = []
    dask_engine.on_partition = lambda done, total: seen.append((done, total))
    try:
        rows = dask_engine.compute(dask_engine.from_blocks(_block, range(7)))
    finally:
        dask_engine.on_partition = None
    assert len(rows) == 21
    assert seen == [(k, 7) for k in range(1, 8)]


def _slow_square(x: int) -> int:
    time.sleep(0.05 * (5 - x))  # later tasks finish first: the order of results must not follow completion
    return x * x


def test_gather_each_and_map_return_results_in_task_order_whatever_finishes_first(dask_engine):
    from dask import delayed

    seen: list[tuple[int, int]] = []
    engine = dataclasses.replace(dask_engine, on_partition=lambda done, total: seen.append((done, total)))
    assert engine.gather_each([delayed(_slow_square)(x) for x in range(5)]) == [0, 1, 4, 9, 16]
    assert seen == [(k, 5) for k in range(1, 6)]
    assert engine.map(_slow_square, [(x,) for x in range(5)]) == [0, 1, 4, 9, 16]
    assert Engine().gather_each([delayed(_slow_square)(4)]) == [16]
    assert Engine().map(pow, [(2, 3), (3, 2)]) == [8, 9]


def test_the_new_case_template_draws_the_same_blocks_on_either_engine(dask_engine, tmp_path):
    from framework.case import RunContext
    from framework.templates.newcase.config import NewcaseConfig
    from framework.templates.newcase.steps import data

    config = NewcaseConfig(rows=3_500, block_rows=1_000)
    frames = {}
    for engine in (Engine(), dask_engine):
        ctx = RunContext(case="newcase", config=config, seed=3, scale="small", out_dir=tmp_path, engine=engine)
        record, _ = data(ctx)
        frames[engine.name] = pd.concat([record.train, record.test], ignore_index=True)
        if engine.is_dask:
            assert ctx.notes and ctx.notes[0].startswith("collected 3,500 rows")
    pd.testing.assert_frame_equal(frames["pandas"], frames["dask"])
    assert frames["pandas"]["t"].tolist() == list(range(3_500))
    # four blocks, four streams: no two blocks repeat each other's draws
    assert frames["pandas"]["x"].iloc[:1000].to_numpy().tolist() != frames["pandas"]["x"].iloc[1000:2000].tolist()


def test_on_dask_the_clients_share_is_checked_not_the_whole_runs():
    from framework.case import CaseConfig
    from framework.guards import check_memory

    class _Split(CaseConfig):
        def estimated_peak_bytes(self) -> int:
            return 50 * 2**30  # the whole run in one process

        def estimated_client_bytes(self) -> int:
            return 2 * 2**30  # what stays in the client when the workers hold the rest

    gib = 2**30
    with pytest.raises(BadInput, match=r"^this config needs about 50\.0 GiB.*or run with --engine dask$"):
        check_memory(_Split(), available=16 * gib, fix="or run with --engine dask")
    check_memory(_Split(), available=16 * gib, engine="dask")
    with pytest.raises(BadInput, match=r"^this config on --engine dask \(what the run keeps in memory\) needs"):
        check_memory(_Split(), available=2 * gib, engine="dask")


def test_collected_notes_say_rows_and_memory_on_dask_only(dask_engine, tmp_path):
    from framework.case import CaseConfig, RunContext

    frame = pd.DataFrame({"x": range(1000)})
    quiet = RunContext(case="toy", config=CaseConfig(), seed=0, scale="small", out_dir=tmp_path)
    quiet.collected("training window", frame)
    assert quiet.notes == []  # pandas collects nothing: the rows never left the process
    told = RunContext(case="toy", config=CaseConfig(), seed=0, scale="small", out_dir=tmp_path, engine=dask_engine)
    told.collected("training window", frame, "days 3-9")
    assert told.notes == ["training window collected: 1,000 rows, 0.0 MiB (days 3-9)"]
