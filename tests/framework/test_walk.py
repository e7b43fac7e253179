"""The walkthrough of every case, driven in a real pseudo-terminal: keys pressed, screen read."""

from __future__ import annotations

import os
import sys

import pexpect
import pytest

from framework.checks import REPO_ROOT, session_for
from framework.registry import case_names, get_case


def _run_dir(case_name: str):
    session = session_for(get_case(case_name))
    session.run()
    return session.workdir / "run-a"


def _spawn(case_name: str, *args: str) -> pexpect.spawn:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "TERM": "xterm-256color", "COLUMNS": "160", "LINES": "50"}
    return pexpect.spawn(
        sys.executable,
        ["-m", f"cases.{case_name}", "walk", "--out", str(_run_dir(case_name)), *args],
        env=env,
        dimensions=(50, 160),
        encoding="utf-8",
        timeout=60,
    )


@pytest.mark.parametrize("case_name", case_names())
def test_keys_advance_go_back_jump_and_quit(case_name):
    child = _spawn(case_name)
    child.expect("Step 1/9")
    child.expect("of 06:00")  # the live timer against the step's budget
    child.send("n")
    child.expect("Step 2/9")
    child.send("b")
    child.expect("Step 1/9")
    child.send("6")
    child.expect("Step 6/9")
    child.expect("oracle")  # the model-ladder table of this run
    child.send("\x1b[C")  # right arrow
    child.expect("Step 7/9")
    child.send("q")
    child.expect("Time per step")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


@pytest.mark.parametrize("case_name", case_names())
def test_practice_hides_answer_until_key(case_name):
    child = _spawn(case_name, "--practice")
    child.expect("Prompt")
    child.expect("Answer hidden")
    assert "Design and numbers from this run" not in child.before
    child.send("a")
    child.expect("Design and numbers from this run")
    child.send("n")
    child.expect("Step 2/9")
    child.expect("Answer hidden")
    child.send("q")
    child.expect(pexpect.EOF)


@pytest.mark.parametrize("case_name", case_names())
def test_no_pause_prints_every_step_and_export_writes_transcript(case_name, tmp_path):
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    base = [sys.executable, "-m", f"cases.{case_name}", "walk", "--out", str(_run_dir(case_name))]
    printed = subprocess.run([*base, "--no-pause"], env=env, capture_output=True, text=True, timeout=120)
    assert printed.returncode == 0, printed.stderr
    for n in range(1, 10):
        assert f"Step {n}/9" in printed.stdout
    assert "\u2026" not in printed.stdout, "a piped transcript is never cut at the terminal width"
    metrics = session_for(get_case(case_name)).run()
    for name in [*metrics.models, *next(iter(metrics.models.values()))]:
        assert name in printed.stdout, name
    one = subprocess.run([*base, "--step", "3"], env=env, capture_output=True, text=True, timeout=120)
    assert "Step 3/9" in one.stdout and "Step 4/9" not in one.stdout
    export = tmp_path / "walk.md"
    subprocess.run([*base, "--export", str(export)], env=env, check=True, capture_output=True, timeout=120)
    text = export.read_text()
    assert text.count("## Step ") == 9
    best = session_for(get_case(case_name)).run().best_model
    assert best in text and "Likely follow-up questions" in text


def test_walk_without_a_run_says_which_command_makes_one_and_runs_nothing(tmp_path):
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    out = tmp_path / "fresh"
    result = subprocess.run(
        [sys.executable, "-m", "cases.eta", "walk", "--no-pause", "--step", "6", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert "no metrics.json" in result.stderr and "python -m cases.eta run" in result.stderr
    assert not out.exists()
