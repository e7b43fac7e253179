"""Keyboard-driven walkthrough in a terminal: next, back, jump, reveal, quit, with a live step timer."""

from __future__ import annotations

import os
import select
import sys
import termios
import time
import tty
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from framework.walk_steps import WalkStep

KEYS_HELP = "n/Enter/→ next · b/← back · 1-9 jump · a answer · q quit"
NEXT_KEYS = {"n", " ", "\r", "\n", "\x1b[C", "l"}
BACK_KEYS = {"b", "\x1b[D", "h"}


@contextmanager
def cbreak(fd: int) -> Iterator[None]:
    """Read keys one at a time without echo; restore the terminal afterwards."""
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def read_key(fd: int, timeout: float) -> str | None:
    """One key press (arrow keys come as one escape sequence), or None after ``timeout`` seconds."""
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return None
    return os.read(fd, 8).decode(errors="ignore")


def clock(seconds: float) -> str:
    """``mm:ss``."""
    return f"{int(seconds // 60):02d}:{int(seconds % 60):02d}"


class Session:
    """State of one interactive walkthrough: current step, what is revealed, time spent per step."""

    def __init__(self, steps: list[WalkStep], start: int, practice: bool):
        self.steps = steps
        self.index = start
        self.practice = practice
        self.revealed = {i: not practice for i in range(len(steps))}
        self.spent = [0.0] * len(steps)
        self.started = time.monotonic()
        self._entered = self.started

    def _bank(self) -> None:
        now = time.monotonic()
        self.spent[self.index] += now - self._entered
        self._entered = now

    def go(self, index: int) -> None:
        """Move to step ``index`` (clamped), banking the time spent on the current one."""
        self._bank()
        self.index = max(0, min(len(self.steps) - 1, index))

    def step_elapsed(self) -> float:
        """Seconds spent on the current step, this visit included."""
        return self.spent[self.index] + time.monotonic() - self._entered

    def status(self) -> str:
        """The status line: elapsed time against the step's and the interview's budget."""
        step = self.steps[self.index]
        elapsed = self.step_elapsed()
        over = elapsed > step.budget_min * 60
        total = time.monotonic() - self.started
        budget = sum(s.budget_min for s in self.steps)
        flag = " OVER BUDGET" if over else ""
        return (
            f"Step {step.number}/9 {clock(elapsed)} of {step.budget_min:02d}:00{flag} | "
            f"interview {clock(total)} of {budget}:00 | {KEYS_HELP}"
        )

    def handle(self, key: str) -> bool:
        """Apply a key; return False when the walkthrough should end."""
        if key == "q":
            self._bank()
            return False
        if key == "a" or (key in NEXT_KEYS and not self.revealed[self.index]):
            self.revealed[self.index] = True
        elif key in NEXT_KEYS:
            self.go(self.index + 1)
        elif key in BACK_KEYS:
            self.go(self.index - 1)
        elif key.isdigit() and 1 <= int(key) <= len(self.steps):
            self.go(int(key) - 1)
        return True


def _draw(console: Console, session: Session) -> None:
    console.clear()
    step = session.steps[session.index]
    revealed = session.revealed[session.index]
    console.print(Markdown(step.markdown(reveal=revealed)))
    if not revealed:
        console.print(
            "\n[bold yellow]Answer hidden: think it through, then press a (or Enter) to reveal.[/bold yellow]"
        )
    _status(console, session)


def _status(console: Console, session: Session) -> None:
    style = "bold red" if "OVER" in session.status() else "bold cyan"
    console.file.write("\r\x1b[2K")
    console.print(session.status(), style=style, end="", soft_wrap=True, highlight=False, markup=False)
    console.file.flush()


def _summary(console: Console, session: Session) -> None:
    table = Table(title="Time per step")
    for col in ("step", "spent", "budget"):
        table.add_column(col)
    for step, spent in zip(session.steps, session.spent, strict=True):
        table.add_row(f"{step.number}. {step.title}", clock(spent), f"{step.budget_min:02d}:00")
    console.print()
    console.print(table)


def run_interactive(steps: list[WalkStep], *, start: int, practice: bool, console: Console) -> None:
    """Drive the walkthrough from the keyboard until q, redrawing the timer every second."""
    fd = sys.stdin.fileno()
    session = Session(steps, start, practice)
    with cbreak(fd):
        _draw(console, session)
        while True:
            key = read_key(fd, timeout=1.0)
            if key is None:
                _status(console, session)
                continue
            if not session.handle(key):
                break
            _draw(console, session)
    _summary(console, session)
