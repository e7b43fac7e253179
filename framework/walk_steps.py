"""The walkthrough's content: per step the prompt, talking points, this run's numbers and follow-ups."""

from __future__ import annotations

from dataclasses import dataclass

from framework.blocks import section_markdown
from framework.case import Case
from framework.notes import LEVELS, FollowUp, RubricItem
from framework.prose import context, fill_notes
from framework.report import build_sections
from framework.runmetrics import RunMetrics
from framework.steptable import INTERVIEW_MIN, OPENING_MIN, QUESTIONS_MIN, STEPS


@dataclass(frozen=True)
class WalkStep:
    """Everything shown for one step of the walkthrough."""

    number: int
    title: str
    budget_min: int
    prompt: str
    talking_points: list[str]
    questions: list[str]
    numbers_md: str
    follow_ups: list[FollowUp]
    rubric: list[RubricItem]

    def prompt_md(self) -> str:
        """The interviewer's prompt: what practice mode shows before the answer."""
        return f"## Step {self.number}/9: {self.title} (budget {self.budget_min} min)\n\n**Prompt.** {self.prompt}\n"

    def answer_md(self) -> str:
        """The reference answer: talking points, questions, this run's numbers and follow-ups."""
        out: list[str] = []
        if self.talking_points:
            out += ["### Talking points", "", *(f"- {p}" for p in self.talking_points), ""]
        if self.questions:
            out += ["### Clarifying questions", "", *(f"- {q}" for q in self.questions), ""]
        out += ["### Design and numbers from this run", "", self.numbers_md, ""]
        if self.follow_ups:
            out += ["### Likely follow-up questions", "", *follow_up_lines(self.follow_ups), ""]
        return "\n".join(out)

    def rubric_md(self) -> str:
        """How an interviewer scores the step: per item, green flags by level and the red flag."""
        if not self.rubric:
            return ""
        out = ["### How an interviewer scores this step", ""]
        for item in self.rubric:
            out.append(f"- **{item.skill}**")
            out += [f"  - {level}: {getattr(item, level)}" for level in LEVELS]
            out.append(f"  - red flag: {item.red_flag}")
        return "\n".join(out) + "\n"

    def markdown(self, reveal: bool = True) -> str:
        """Prompt plus, when revealed, the reference answer and the rubric."""
        return self.prompt_md() + ("\n" + self.answer_md() + "\n" + self.rubric_md() if reveal else "")


def follow_up_lines(follow_ups: list[FollowUp], depth: int = 0) -> list[str]:
    """The follow-up tree as nested Markdown bullets: each question, its answer, then its deeper probes."""
    lines: list[str] = []
    for f in follow_ups:
        lines.append(f"{'  ' * depth}- **Q: {f.question}** A: {f.answer}")
        lines += follow_up_lines(f.deeper, depth + 1)
    return lines


def build_walk(case: Case, metrics: RunMetrics) -> list[WalkStep]:
    """The nine walkthrough steps of ``case`` with the numbers of ``metrics``."""
    sections = build_sections(case, metrics, follow_ups=False)
    values = context(metrics, case.design)
    steps = []
    for info in STEPS:
        n = info.number
        notes = fill_notes(getattr(case.design, info.key), values)
        questions = (
            [f"{q.question} (assume: {q.assumed_answer})" for q in case.design.problem.clarifying_questions]
            if n == 1
            else []
        )
        steps.append(
            WalkStep(
                number=n,
                title=info.title,
                budget_min=info.budget_min,
                prompt=info.prompt,
                talking_points=list(notes.talking_points),
                questions=questions,
                numbers_md=section_markdown(sections[n - 1], level=4, images=False),
                follow_ups=list(notes.follow_ups),
                rubric=list(notes.rubric),
            )
        )
    return steps


def transcript(case: Case, steps: list[WalkStep], metrics: RunMetrics) -> str:
    """The whole walkthrough as one Markdown document."""
    head = (
        f"# Interview walkthrough: {case.design.title}\n\n{case.design.summary}\n\n"
        f"Numbers from the run with seed {metrics.seed} at scale {metrics.scale}. "
        f"Time budget: {INTERVIEW_MIN} minutes: a {OPENING_MIN}-minute opening (introductions, the question, "
        f"first scoping), {sum(s.budget_min for s in steps)} minutes for the steps below, and "
        f"{QUESTIONS_MIN} minutes for the candidate's questions.\n"
    )
    return head + "\n" + "\n".join(s.markdown() for s in steps)
