"""The walkthrough's content: per step the prompt, talking points, this run's numbers and follow-ups."""

from __future__ import annotations

from dataclasses import dataclass

from framework.blocks import section_markdown
from framework.case import Case
from framework.notes import FollowUp
from framework.prose import context, fill_notes
from framework.report import build_sections
from framework.runmetrics import RunMetrics
from framework.steptable import STEPS


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
            out += ["### Likely follow-up questions", ""]
            out += [f"- **Q: {f.question}** A: {f.answer}" for f in self.follow_ups] + [""]
        return "\n".join(out)

    def markdown(self, reveal: bool = True) -> str:
        """Prompt plus, when revealed, the reference answer."""
        return self.prompt_md() + ("\n" + self.answer_md() if reveal else "")


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
            )
        )
    return steps


def transcript(case: Case, steps: list[WalkStep], metrics: RunMetrics) -> str:
    """The whole walkthrough as one Markdown document."""
    head = (
        f"# Interview walkthrough: {case.design.title}\n\n{case.design.summary}\n\n"
        f"Numbers from the run with seed {metrics.seed} at scale {metrics.scale}. "
        f"Time budget: {sum(s.budget_min for s in steps)} minutes.\n"
    )
    return head + "\n" + "\n".join(s.markdown() for s in steps)
