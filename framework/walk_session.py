"""State of one interactive interview: where we are, what is revealed, time per step, grades and notes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from framework.steptable import INTERVIEW_MIN, OPENING_MIN, QUESTIONS_MIN
from framework.walk_steps import WalkStep

Mode = Literal["read", "practice", "interviewer"]
MODES: tuple[Mode, ...] = ("read", "practice", "interviewer")
MAX_GRADE = 3


def clock(seconds: float) -> str:
    """``mm:ss`` (minutes keep counting past 59)."""
    return f"{int(seconds // 60):02d}:{int(seconds % 60):02d}"


@dataclass
class StepState:
    """What has happened at one step.

    Attributes:
        hints: hints shown so far (practice).
        answer: whether the reference answer is shown (always in read and interviewer mode).
        grades: rubric item index -> 0-3.
        notes: the interviewer's notes.
        spent_s: seconds spent on the step over every visit.
    """

    hints: int = 0
    answer: bool = False
    grades: dict[int, int] = field(default_factory=dict)
    notes: str = ""
    spent_s: float = 0.0


class WalkSession:
    """One interview walk: navigation, the timers, staged reveals, grades and notes; no drawing.

    Args:
        steps: the nine steps with this run's numbers.
        mode: ``read`` (everything shown), ``practice`` (prompt, then hints, then answer, then a
            self-grade) or ``interviewer`` (answer, rubric by level and a notes field).
        order: step indexes in the order they are offered (practice puts the weakest first).
        clock_fn: the time source; tests pass a fake one.
    """

    def __init__(
        self,
        steps: list[WalkStep],
        mode: Mode = "read",
        order: list[int] | None = None,
        clock_fn: Callable[[], float] = time.monotonic,
    ):
        self.steps = steps
        self.mode = mode
        self.order = order if order is not None else list(range(len(steps)))
        self.position = 0
        self.finished = False
        self.state = [StepState(answer=mode != "practice") for _ in steps]
        self._clock = clock_fn
        self.started = clock_fn()
        self._entered = self.started

    @property
    def index(self) -> int:
        """Index of the current step in ``steps``."""
        return self.order[self.position]

    @property
    def step(self) -> WalkStep:
        """The current step."""
        return self.steps[self.index]

    @property
    def current(self) -> StepState:
        """What has happened at the current step."""
        return self.state[self.index]

    def _bank(self) -> None:
        now = self._clock()
        if not self.finished:
            self.current.spent_s += now - self._entered
        self._entered = now

    def go_to_number(self, number: int) -> bool:
        """Jump to step ``number`` (1-9); False when there is no such step."""
        matches = [p for p, i in enumerate(self.order) if self.steps[i].number == number]
        if not matches:
            return False
        self._bank()
        self.finished = False
        self.position = matches[0]
        return True

    def next(self) -> None:
        """The next step; past the last one the interview is finished (the end screen)."""
        self._bank()
        if self.position + 1 < len(self.order):
            self.position += 1
        else:
            self.finished = True

    def back(self) -> None:
        """The previous step (from the end screen: the last step)."""
        self._bank()
        if self.finished:
            self.finished = False
        else:
            self.position = max(0, self.position - 1)

    def stop(self) -> None:
        """Bank the time of the current step (on quit)."""
        self._bank()
        self.finished = True

    def step_elapsed(self) -> float:
        """Seconds on the current step, this visit included."""
        return self.current.spent_s + (0.0 if self.finished else self._clock() - self._entered)

    def total_elapsed(self) -> float:
        """Seconds since the walk started."""
        return self._clock() - self.started

    def over_budget(self) -> bool:
        """Whether the current step has used more than its budget."""
        return self.step_elapsed() > self.step.budget_min * 60

    def status(self, width: int) -> str:
        """The one-line status, shortened to ``width`` characters so it never wraps."""
        step = self.step
        over = " OVER" if self.over_budget() else ""
        parts = [
            f"Step {step.number}/9 {clock(self.step_elapsed())} of {step.budget_min:02d}:00{over}",
            f"interview {clock(self.total_elapsed())} of {INTERVIEW_MIN}:00",
            self.mode,
            step.title,
        ]
        line = ""
        for part in parts:  # drop whole trailing parts before cutting inside one
            candidate = f"{line} | {part}" if line else part
            if len(candidate) > width:
                break
            line = candidate
        return line or parts[0][:width]

    # Practice: prompt -> hints one at a time -> answer -> self-grade.
    def hint(self) -> str | None:
        """Reveal the next hint; None when every hint is shown or there are none."""
        rubric = self.step.rubric
        if self.current.hints >= len(rubric):
            return None
        self.current.hints += 1
        return rubric[self.current.hints - 1].hint

    def reveal(self) -> None:
        """Show the reference answer."""
        self.current.answer = True

    def grade(self, item: int, score: int) -> None:
        """Score rubric item ``item`` of the current step 0-3.

        Raises:
            ValueError: an item the step does not have or a score outside 0-3.
        """
        if not 0 <= item < len(self.step.rubric):
            raise ValueError(f"step {self.step.number} has no rubric item {item + 1}")
        if not 0 <= score <= MAX_GRADE:
            raise ValueError(f"a grade is 0-{MAX_GRADE}, got {score}")
        self.current.grades[item] = score

    def body_md(self) -> str:
        """The current step's body (under the always-visible prompt) for this mode and stage."""
        step, st = self.step, self.current
        if self.mode == "practice" and not st.answer:
            out = ["### Think first", "", "Answer aloud, then press **h** for a hint or **a** for the answer."]
            if st.hints:
                out += ["", "### Hints", "", *(f"- {r.hint}" for r in step.rubric[: st.hints])]
            elif not step.rubric:
                out += ["", "*(this case has no hints for the step)*"]
            return "\n".join(out) + "\n"
        if self.mode == "interviewer":
            return _interviewer_md(step)
        body = step.answer_md()
        if self.mode == "practice":
            body += "\n" + step.rubric_md() + "\nPress **g** to grade yourself against the rubric.\n"
        return body

    def time_rows(self) -> list[tuple[str, str, str]]:
        """The end screen's rows: opening, each step, questions; spent against budget."""
        rows = [("opening", "", f"{OPENING_MIN:02d}:00")]
        for step, st in zip(self.steps, self.state, strict=True):
            rows.append((f"{step.number}. {step.title}", clock(st.spent_s), f"{step.budget_min:02d}:00"))
        rows.append(("candidate's questions", "", f"{QUESTIONS_MIN:02d}:00"))
        return rows


def _interviewer_md(step: WalkStep) -> str:
    """What the interviewer reads: the rubric by level, then the reference answer without the follow-ups."""
    out = [step.rubric_md() or "*(no rubric for this step)*", ""]
    out += ["### Reference answer", "", *(f"- {p}" for p in step.talking_points), ""]
    out += ["### Design and numbers from this run", "", step.numbers_md, ""]
    return "\n".join(out)
