"""The walkthrough of every case, driven in a real pseudo-terminal: keys pressed, screen read."""

from __future__ import annotations

import os
import sys
import time

import pexpect
import pyte
import pytest

from framework.checks import REPO_ROOT, session_for
from framework.registry import case_names, get_case


def _run_dir(case_name: str):
    session = session_for(get_case(case_name))
    session.run()
    return session.workdir / "run-a"


class Terminal:
    """The walk in a real pseudo-terminal, its screen kept by a terminal emulator (pyte), as a person sees it."""

    def __init__(self, case_name: str, *args: str, rows: int = 24, cols: int = 80, env: dict | None = None):
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", f"cases.{case_name}", "walk", "--out", str(_run_dir(case_name)), *args],
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "TERM": "xterm-256color", **(env or {})},
            dimensions=(rows, cols),
            timeout=60,
        )
        self.printed = b""

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def _read(self, timeout: float) -> None:
        chunk = self.child.read_nonblocking(65536, timeout=timeout)
        self.printed += chunk
        self.stream.feed(chunk)

    def wait_for(self, needle: str, timeout: float = 30.0) -> str:
        """Read output until ``needle`` is on screen; fail with the screen when it never appears."""
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} never appeared; screen:\n{self.text()}")
            try:
                self._read(0.2)
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                if needle not in self.text():
                    raise AssertionError(f"exited before {needle!r}; screen:\n{self.text()}") from None
        return self.text()

    def press(self, keys: str, then: str) -> str:
        self.child.send(keys)
        return self.wait_for(then)

    def finish(self) -> int:
        """Wait for the walk to exit; its exit status."""
        try:
            while True:
                self._read(10)
        except pexpect.EOF:
            pass
        self.child.close()
        return self.child.exitstatus


@pytest.mark.parametrize("case_name", case_names())
def test_keys_advance_go_back_jump_and_quit_at_80x24(case_name):
    term = Terminal(case_name)
    first = term.wait_for("of 04:00").split("\n")
    assert first[0].startswith("Step 1/9") and "interview" in first[0]  # the status line, top row, one row
    term.press("n", "Step 2/9")
    term.press("b", "Step 1/9 ")
    term.press("6", "Step 6/9")
    term.press("\x1b[C", "Step 7/9")  # right arrow
    term.press("z", "not a key here")  # an unknown key says so
    term.press("9", "Step 9/9")
    term.press("n", "End of the interview")
    term.child.send("q")
    assert term.finish() == 0
    assert b"Time per step" in term.printed


@pytest.mark.parametrize("case_name", case_names())
def test_practice_shows_the_prompt_first_then_the_answer(case_name, tmp_path):
    term = Terminal(case_name, "--practice", env={"CASEBOOK_DATA_DIR": str(tmp_path)})
    term.wait_for("Think first")
    screen = term.wait_for("Clarify the problem")  # the prompt, drawn in the same frame or the next
    assert "Talking points" not in screen
    term.press("a", "Talking points")
    term.child.send("q")
    assert term.finish() == 0


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


@pytest.mark.parametrize("case_name", case_names())
def test_practice_grades_reach_the_progress_file_and_the_history(case_name, tmp_path):
    term = Terminal(case_name, "--practice", env={"CASEBOOK_DATA_DIR": str(tmp_path)})
    term.wait_for("Think first")
    term.press("h", "Hints")
    term.press("a", "Talking points")
    term.child.send("g")
    term.wait_for("/3]")  # the grading sheet: one line per rubric item
    term.child.send("2")
    term.child.send("1")
    term.press("\r", "graded")
    term.child.send("q")
    assert term.finish() == 0
    lines = (tmp_path / "progress.jsonl").read_text().splitlines()
    assert len(lines) == 1 and '"case": "' + case_name + '"' in lines[0]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "CASEBOOK_DATA_DIR": str(tmp_path), "COLUMNS": "120"}
    import subprocess

    shown = subprocess.run(
        [sys.executable, "-m", f"cases.{case_name}", "walk", "--progress"], env=env, capture_output=True, text=True
    )
    assert shown.returncode == 0 and "Weakest steps" in shown.stdout


@pytest.mark.parametrize("case_name", case_names())
def test_interviewer_scoring_sheet_keeps_scores_and_notes(case_name, tmp_path):
    sheet = tmp_path / "sheet.md"
    term = Terminal(case_name, "--interviewer", "--export", str(sheet), rows=40, cols=120)
    term.wait_for("How an interviewer scores this step")
    term.child.send("g")
    term.wait_for("/3]")
    term.child.send("3")
    term.press("\r", "graded")
    term.child.send("e")
    time.sleep(0.3)
    term.child.send("clarified the SLA first")
    time.sleep(0.3)
    term.child.send("\x1b")  # Esc closes the notes
    time.sleep(0.5)
    term.child.send("q")
    assert term.finish() == 0
    text = sheet.read_text()
    assert text.count("## Step ") == 9 and "clarified the SLA first" in text
    assert "| 3 |" in text  # the score given to the first rubric item


@pytest.mark.parametrize("case_name", case_names())
def test_drill_list_names_three_or_more_and_a_drill_reveals_both_numbers(case_name):
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "COLUMNS": "160"}
    base = [sys.executable, "-m", f"cases.{case_name}", "walk", "--drill"]
    listed = subprocess.run([*base, "list"], env=env, capture_output=True, text=True, timeout=60)
    drills = get_case(case_name).design.drills
    assert listed.returncode == 0 and len(drills) >= 3
    assert all(d.name in listed.stdout for d in drills)
    bad = subprocess.run([*base, "no-such-drill"], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and drills[0].name in bad.stderr  # the known names are listed
    if case_name == "recommendation":  # one drill end to end (the conformance check runs every flaw)
        shown = subprocess.run([*base, drills[0].name], env=env, capture_output=True, text=True, timeout=300)
        assert shown.returncode == 0, shown.stderr
        out = shown.stdout
        assert out.index(drills[0].question[:40]) < out.index("Reveal") < out.index("without the flaw")
        assert out.count(drills[0].watch) >= 2


def test_export_in_a_terminal_writes_the_transcript_without_starting_the_interview(tmp_path):
    export = tmp_path / "walk.md"
    term = Terminal("eta", "--export", str(export))
    assert term.finish() == 0
    assert b"wrote" in term.printed and export.read_text().count("## Step ") == 9
