"""Conformance checks of what the interview modes need: a rubric at every step and drills that really bite."""

from __future__ import annotations

from framework.checksession import CheckSession, fail
from framework.config import build_config
from framework.drills import moved_as_expected, run_drill, watched
from framework.errors import BadInput
from framework.steptable import STEP_KEYS

MIN_RUBRIC_ITEMS = 2
MIN_DRILLS = 3


def check_rubric_complete(s: CheckSession) -> None:
    """Every step has 2+ rubric items, each with a hint, a green flag per level and a red flag."""
    for key in STEP_KEYS:
        rubric = getattr(s.case.design, key).rubric
        if len(rubric) < MIN_RUBRIC_ITEMS:
            raise fail(
                s.case,
                f"design step {key!r} has {len(rubric)} rubric item(s)",
                f"give the {key} spec at least {MIN_RUBRIC_ITEMS} RubricItem(skill, hint, mid, senior, staff, "
                "red_flag) entries in design.py",
            )
        for item in rubric:
            empty = [k for k in ("skill", "hint", "mid", "senior", "staff", "red_flag") if not getattr(item, k).strip()]
            if empty:
                raise fail(s.case, f"rubric item {item.skill!r} of {key!r} has empty {empty}", "write each field")


def check_drills_declared(s: CheckSession) -> None:
    """3+ drills with unique names, each flaw a valid config override and each watched number in metrics.json."""
    drills = s.case.design.drills
    if len(drills) < MIN_DRILLS:
        raise fail(
            s.case,
            f"{len(drills)} drill(s)",
            f"declare at least {MIN_DRILLS} Drill(name, title, flaw, watch, direction, question, reveal) "
            "in the design's drills",
        )
    names = [d.name for d in drills]
    if len(set(names)) != len(names):
        raise fail(s.case, f"drill names repeat: {names}", "give each drill its own name")
    metrics = s.run()
    for drill in drills:
        if not drill.flaw:
            raise fail(s.case, f"drill {drill.name!r} switches nothing on", "set flaw={config_key: value}")
        try:
            build_config(s.case.config_model, "small", drill.overrides())
        except BadInput as exc:
            raise fail(s.case, f"drill {drill.name!r}: {exc}", "add the config field the flaw switches") from None
        try:
            watched(metrics, drill.watch)
        except KeyError as exc:
            raise fail(s.case, f"drill {drill.name!r} watches {exc}", "watch a number metrics.json has") from None


def check_drills_move_numbers(s: CheckSession) -> None:
    """Each drill's flaw moves its watched number the way it says, on the real pipeline at small scale."""
    clean = s.run()
    for drill in s.case.design.drills:
        outcome = run_drill(s.case, drill, scale="small", clean=clean)
        if not moved_as_expected(drill, outcome.flawed_value, outcome.clean_value):
            raise fail(
                s.case,
                f"drill {drill.name!r}: {drill.watch} is {outcome.flawed_value:.6g} with the flaw and "
                f"{outcome.clean_value:.6g} without, not {drill.direction} with it",
                "make the flaw distort the number it claims to (or watch the number it does distort)",
            )
