"""Ctrl-C, SIGKILL and concurrent runs against a real `python -m cases.<name> run` process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.framework.test_outdir import snapshot

REPO = Path(__file__).resolve().parents[2]
CASE = "recommendation"  # the quickest case at small scale
RUN = [sys.executable, "-m", f"cases.{CASE}", "run", "--scale", "small", "--quiet"]


def start(out: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [*RUN, "--out", str(out), *extra],
        cwd=out.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_staging(parent: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Block until the run has started its steps (its staging folder exists)."""
    deadline = time.monotonic() + timeout
    while not any(parent.glob(".casebook-tmp-*")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "run never started staging"
        time.sleep(0.05)


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".casebook-"))


@pytest.fixture(scope="module")
def previous_run(tmp_path_factory) -> Path:
    """A finished run whose output every test below must leave byte-identical."""
    parent = tmp_path_factory.mktemp("signals")
    out = parent / "out"
    proc = start(out)
    assert proc.wait(timeout=300) == 0, proc.communicate()
    return out


def fresh_copy(previous_run: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    subprocess.run(["cp", "-a", str(previous_run), str(out)], check=True)
    return out


def test_ctrl_c_during_run_exits_130_one_line_previous_output_intact(previous_run, tmp_path):
    out = fresh_copy(previous_run, tmp_path)
    before = snapshot(out)
    proc = start(out, "--seed", "7")
    wait_for_staging(tmp_path, proc)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert [line for line in err.splitlines() if line.strip()] == ["interrupted"], err
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []


# Not earlier than 0.4 s: in the interpreter's own start-up (before any project code runs) a
# SIGINT can land in an importlib callback, where CPython prints "Exception ignored" and drops it.
@pytest.mark.parametrize("delay", [0.4, 0.7, 1.0])
def test_ctrl_c_while_importing_prints_no_traceback(tmp_path, delay):
    proc = start(tmp_path / "out")
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and [line for line in err.splitlines() if line.strip()] == ["interrupted"], err
    assert list(tmp_path.iterdir()) == []


def test_sigkill_at_several_moments_then_next_run_cleans_up(previous_run, tmp_path):
    out = fresh_copy(previous_run, tmp_path)
    before = snapshot(out)
    for delay in (0.0, 1.0, 2.5):
        proc = start(out, "--seed", "3")
        wait_for_staging(tmp_path, proc)
        time.sleep(delay)
        proc.kill()
        proc.wait(timeout=30)
        assert snapshot(out) == before, f"previous output changed by a kill after {delay} s"
    assert leftovers(tmp_path), "SIGKILL leaves its staging folder (nothing can clean up inside the process)"
    proc = start(out, "--seed", "3")
    assert proc.wait(timeout=300) == 0, proc.communicate()
    assert leftovers(tmp_path) == [], "the next run cleans leftovers of killed runs"
    assert snapshot(out) != before


def test_concurrent_runs_into_one_folder_end_with_one_complete_run(tmp_path):
    out = tmp_path / "out"
    first = start(out)
    wait_for_staging(tmp_path, first)
    second = start(out, "--seed", "1")
    _, err = second.communicate(timeout=120)
    assert second.returncode == 2, err
    assert "being written by another run" in err and len(err.strip().splitlines()) == 1, err
    assert first.wait(timeout=300) == 0, first.communicate()
    assert (out / "metrics.json").is_file() and leftovers(tmp_path) == []
