"""What every design step carries for the interview: talking points, trade-offs, follow-ups and a rubric."""

from __future__ import annotations

from pydantic import Field

from framework.spec import Spec


class FollowUp(Spec):
    """A question an interviewer is likely to ask about a step, with a short answer and deeper probes.

    Attributes:
        question: what the interviewer asks.
        answer: what a strong candidate says.
        deeper: the questions that follow when the answer is given (a tree: the interviewer
            opens a branch only when the conversation goes there).
    """

    question: str
    answer: str
    deeper: list[FollowUp] = Field(default_factory=list)


LEVELS = ("mid", "senior", "staff")


class RubricItem(Spec):
    """One thing an interviewer scores at a step, with what it looks like at each level.

    Attributes:
        skill: what the answer must cover, as the interviewer writes it on the sheet.
        hint: a nudge for practice mode that points at the skill without giving the answer.
        mid: a green flag at mid level (covers the basics correctly).
        senior: a green flag at senior level (trade-offs, numbers, failure modes).
        staff: a green flag at staff level (the system around the model: org, cost, long-term risk).
        red_flag: what sinks the item at any level.
    """

    skill: str
    hint: str
    mid: str
    senior: str
    staff: str
    red_flag: str


class StepNotes(Spec):
    """What to say about a step in an interview, beyond its data."""

    talking_points: list[str] = Field(default_factory=list)
    tradeoffs: list[str] = Field(default_factory=list)
    follow_ups: list[FollowUp] = Field(default_factory=list)
    rubric: list[RubricItem] = Field(default_factory=list)
