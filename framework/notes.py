"""What every design step carries for the interview: talking points, trade-offs, follow-up questions."""

from __future__ import annotations

from pydantic import Field

from framework.spec import Spec


class FollowUp(Spec):
    """A question an interviewer is likely to ask about a step, with a short answer."""

    question: str
    answer: str


class StepNotes(Spec):
    """What to say about a step in an interview, beyond its data."""

    talking_points: list[str] = Field(default_factory=list)
    tradeoffs: list[str] = Field(default_factory=list)
    follow_ups: list[FollowUp] = Field(default_factory=list)
