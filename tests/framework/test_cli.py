"""The command line as users call it: exit codes, one-line errors, nothing half-written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--set", "no_such_knob=3"], "no_such_knob"),
        (["--set", "n_trips=-5"], "-5"),
        (["--scale", "gigantic"], "gigantic"),
        (["--data", "does/not/exist.csv"], "does/not/exist.csv"),
        (["--seed", "x"], "'x'"),
        (["--columns", "segment_id=sensor"], "give --data too"),
        (["--columns", "segment_id"], "'segment_id' is not role=column"),
    ],
)
def test_bad_input_exit_2_one_line_nothing_written(tmp_path, args, needle):
    result = cli("cases.eta", "run", "--out", "out", *args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_unreadable_data_file_is_one_line_error(tmp_path):
    bad = tmp_path / "records.csv"
    bad.write_text("this,is\nnot,probe data\n")
    result = cli("cases.eta", "run", "--out", "out", "--data", str(bad), cwd=tmp_path)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "out").exists()


def test_run_small_then_walk_and_spec(tmp_path):
    result = cli("cases.eta", "run", "--scale", "small", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "outputs" / "eta" / "metrics.json").read_text())
    assert metrics["case"] == "eta" and metrics["scale"] == "small"
    walk = cli("cases.eta", "walk", "--no-pause", cwd=tmp_path)
    assert walk.returncode == 0, walk.stderr
    for n in range(1, 10):
        assert f"Step {n}/9" in walk.stdout
    best = metrics["best_model"]
    assert best in walk.stdout
    spec = cli("cases.eta", "spec", cwd=tmp_path)
    assert json.loads(spec.stdout)["name"] == "eta"


def test_walk_rejects_bad_step(tmp_path):
    result = cli("cases.eta", "walk", "--step", "12", "--no-pause", cwd=tmp_path)
    assert result.returncode == 2 and "12" in result.stderr


def test_framework_list_and_diagram_formats(tmp_path):
    listed = cli("framework", "list", cwd=tmp_path)
    assert listed.returncode == 0 and listed.stdout.startswith("eta")
    dot_only = cli("cases.eta", "diagram", "--format", "dot", "--view", "full", "--out", "d", cwd=tmp_path)
    written = sorted(p.name for p in (tmp_path / "d").iterdir())
    assert dot_only.returncode == 0 and written == [".casebook-files.json", "eta.dot"], written
    assert json.loads((tmp_path / "d" / ".casebook-files.json").read_text())["files"] == ["eta.dot"]
    assert (tmp_path / "d" / "eta.dot").read_text() == (REPO / "diagrams" / "eta.dot").read_text()
    both = cli("cases.eta", "diagram", "--format", "dot", "--format", "mermaid", "--out", "d3", cwd=tmp_path)
    written = sorted(p.name for p in (tmp_path / "d3").iterdir() if not p.name.startswith("."))
    assert both.returncode == 0 and written == ["eta-whiteboard.dot", "eta-whiteboard.mmd", "eta.dot", "eta.mmd"]
    for name in written:
        assert (tmp_path / "d3" / name).read_text() == (REPO / "diagrams" / name).read_text(), name
    bad = cli("cases.eta", "diagram", "--format", "gif", "--out", "d2", cwd=tmp_path)
    assert bad.returncode == 2 and "gif" in bad.stderr
    bad_view = cli("cases.eta", "diagram", "--view", "napkin", "--out", "d2", cwd=tmp_path)
    assert bad_view.returncode == 2 and "'napkin'" in bad_view.stderr and "full, whiteboard" in bad_view.stderr
    assert not (tmp_path / "d2").exists()
