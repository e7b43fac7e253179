"""Talking points, trade-offs and follow-up answers as templates filled from this run's ``metrics.json``.

A note writes ``{best[average_precision]:.3f}`` or ``{config[delay_days]}`` instead of a number, so
every figure a reader sees comes from the run on screen. The fields a template may use are the
top-level keys of ``metrics.json`` plus ``best``, ``baseline``, ``naive`` and ``oracle`` (that
model's metrics) and ``design`` (the case design as data).
"""

from __future__ import annotations

import re
import string
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from framework.notes import FollowUp, StepNotes
    from framework.runmetrics import RunMetrics
    from framework.specs import CaseDesign

# A number standing on its own (not part of a name such as p99, NDCG@10, L2 or top-k).
_NUMBER = re.compile(r"(?<![\w@.\-/])\d[\d,]*(?:\.\d+)?(?![\w@])")
_FIELD = re.compile(r"\{[^{}]*\}")


class ProseError(ValueError):
    """A template names a field this run does not have, or cannot be formatted."""


def context(metrics: RunMetrics, design: CaseDesign) -> dict[str, Any]:
    """The values a note template may name."""
    doc = metrics.model_dump(mode="json")
    roles = {"best": metrics.best_model, "baseline": metrics.baseline, "naive": metrics.naive}
    doc.update({role: metrics.models[name] for role, name in roles.items()})
    doc["oracle_metrics"] = metrics.models.get(metrics.oracle or "", {})
    doc["design"] = design.model_dump(mode="json")
    return doc


class _Formatter(string.Formatter):
    """A formatter that writes ``n/a`` for a value this run could not compute (``null`` in metrics.json).

    An empty slice or a single-class window leaves a metric undefined; the sentence quoting it must
    say so, not stop the run.
    """

    def format_field(self, value: Any, format_spec: str) -> str:
        if value is None:
            return "n/a"
        return super().format_field(value, format_spec)


def fill(text: str, values: dict[str, Any]) -> str:
    """``text`` with every ``{field}`` replaced from ``values``.

    Raises:
        ProseError: naming the field and the text it is in.
    """
    try:
        return _Formatter().vformat(text, (), values)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError) as exc:
        raise ProseError(f"note template {text[:60]!r}...: {type(exc).__name__} {exc}") from None


# The rubric's texts, filled like every other note (they may quote this run's figures).
RUBRIC_TEXTS = ("skill", "hint", "mid", "senior", "staff", "red_flag")


def fill_notes(notes: StepNotes, values: dict[str, Any]) -> StepNotes:
    """A copy of a step's notes with every template filled, follow-up trees and rubric included."""
    return notes.model_copy(
        update={
            "talking_points": [fill(t, values) for t in notes.talking_points],
            "tradeoffs": [fill(t, values) for t in notes.tradeoffs],
            "follow_ups": _fill_follow_ups(notes.follow_ups, values),
            "rubric": [
                r.model_copy(update={k: fill(getattr(r, k), values) for k in RUBRIC_TEXTS}) for r in notes.rubric
            ],
        }
    )


def _fill_follow_ups(follow_ups: list[FollowUp], values: dict[str, Any]) -> list[FollowUp]:
    return [
        f.model_copy(
            update={
                "question": fill(f.question, values),
                "answer": fill(f.answer, values),
                "deeper": _fill_follow_ups(f.deeper, values),
            }
        )
        for f in follow_ups
    ]


def _follow_up_texts(follow_ups: list[FollowUp]) -> list[str]:
    return [t for f in follow_ups for t in (f.question, f.answer, *_follow_up_texts(f.deeper))]


def literal_numbers(text: str) -> list[str]:
    """Numbers written into a template as text rather than named as fields."""
    return _NUMBER.findall(_FIELD.sub(" ", text))


def note_texts(notes: StepNotes) -> list[str]:
    """Every template text of a step's notes: talking points, trade-offs, follow-up trees and rubric."""
    rubric = [getattr(r, k) for r in notes.rubric for k in RUBRIC_TEXTS]
    return [*notes.talking_points, *notes.tradeoffs, *_follow_up_texts(notes.follow_ups), *rubric]
