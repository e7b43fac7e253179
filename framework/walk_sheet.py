"""The interviewer's scoring sheet as Markdown: per step the time, the rubric with scores, notes and follow-ups."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from framework.notes import LEVELS
from framework.walk_session import MAX_GRADE, WalkSession, clock
from framework.walk_steps import follow_up_lines

if TYPE_CHECKING:
    from framework.case import Case
    from framework.runmetrics import RunMetrics


def _cell(text: str) -> str:
    """A Markdown table cell: pipes escaped, line breaks kept as <br>."""
    return text.replace("|", "\\|").replace("\n", "<br>")


def scoring_sheet(case: Case, session: WalkSession, metrics: RunMetrics) -> str:
    """The sheet an interviewer fills or files: blank scores when no interview was run.

    Args:
        case: the case interviewed on.
        session: the interview (its grades, notes and times; a fresh session gives a blank sheet).
        metrics: the run whose numbers the reference answers quote.
    """
    out = [
        f"# Scoring sheet: {case.design.title}",
        "",
        f"Date {time.strftime('%Y-%m-%d')}; reference numbers from the run with seed {metrics.seed} at scale "
        f"{metrics.scale}. Score each item 0-{MAX_GRADE}: 0 missing, 1 {LEVELS[0]}, 2 {LEVELS[1]}, "
        f"3 {LEVELS[2]} (the level whose green flag the answer shows; a red flag caps the item at 0).",
        "",
        "| step | time spent | budget | score |",
        "|---|---|---|---|",
    ]
    total, possible = 0, 0
    for step, st in zip(session.steps, session.state, strict=True):
        scored = sum(st.grades.values())
        total += scored
        possible += MAX_GRADE * len(step.rubric)
        score = f"{scored}/{MAX_GRADE * len(step.rubric)}" if st.grades else ""
        out.append(f"| {step.number}. {step.title} | {clock(st.spent_s)} | {step.budget_min:02d}:00 | {score} |")
    out += [f"| total | {clock(sum(st.spent_s for st in session.state))} | | {total}/{possible} |", ""]
    for step, st in zip(session.steps, session.state, strict=True):
        out += [f"## Step {step.number}: {step.title}", "", f"**Prompt.** {step.prompt}", ""]
        if step.rubric:
            out += ["| item | score | " + " | ".join(LEVELS) + " | red flag |", "|---" * (len(LEVELS) + 3) + "|"]
            for i, item in enumerate(step.rubric):
                score = str(st.grades[i]) if i in st.grades else " "
                levels = " | ".join(_cell(getattr(item, level)) for level in LEVELS)
                out.append(f"| {_cell(item.skill)} | {score} | {levels} | {_cell(item.red_flag)} |")
            out.append("")
        out += ["**Notes.**", "", st.notes.strip() or "_(none)_", ""]
        if step.follow_ups:
            out += [
                "**Follow-up questions** (with the reference answers):",
                "",
                "\n".join(follow_up_lines(step.follow_ups)),
                "",
            ]
    return "\n".join(out)
