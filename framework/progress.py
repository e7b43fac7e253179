"""Practice grades kept between sessions in the user's data folder (never in the repository)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from framework.errors import BadInput

# Tests and people who keep their progress elsewhere point this at a folder.
DATA_DIR_ENV = "CASEBOOK_DATA_DIR"
APP_NAME = "ml-design-casebook"


def progress_path() -> Path:
    """``progress.jsonl`` in ``$CASEBOOK_DATA_DIR`` or the platform's user data folder."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override) / "progress.jsonl"
    from platformdirs import user_data_dir  # local: only practice mode needs it

    return Path(user_data_dir(APP_NAME, appauthor=False)) / "progress.jsonl"


def record_grades(case: str, step: int, title: str, grades: dict[str, int], path: Path | None = None) -> None:
    """Append one graded attempt at a step: one JSON line, so a crash never corrupts earlier ones.

    Args:
        case: the case name.
        step: step number 1-9.
        title: the step's title (kept for the history).
        grades: rubric skill -> 0-3.
        path: the progress file (default: :func:`progress_path`).

    Raises:
        BadInput: the folder cannot be created or written.
    """
    target = path or progress_path()
    line = {"when": time.strftime("%Y-%m-%d %H:%M"), "case": case, "step": step, "title": title, "grades": grades}
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")
    except OSError as exc:
        raise BadInput(f"progress file {target} cannot be written ({exc.strerror})") from None


def read_history(case: str | None = None, path: Path | None = None) -> list[dict[str, Any]]:
    """Every graded attempt, oldest first (of one case when ``case`` is given); damaged lines are skipped."""
    target = path or progress_path()
    try:
        lines = target.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):  # missing or unreadable: no history yet
        return []
    attempts = []
    for raw in lines:
        try:
            item = json.loads(raw)
        except ValueError:
            continue
        if isinstance(item, dict) and isinstance(item.get("grades"), dict) and (case is None or item["case"] == case):
            attempts.append(item)
    return attempts


def step_scores(history: list[dict[str, Any]]) -> dict[int, float]:
    """Step -> mean grade (0-3) of its latest attempt."""
    latest: dict[int, dict[str, int]] = {}
    for attempt in history:
        latest[int(attempt["step"])] = attempt["grades"]
    return {step: sum(g.values()) / len(g) for step, g in latest.items() if g}


# A step never graded sits between weak and strong ones: unknown, not mastered.
UNGRADED_SCORE = 1.5


def weakest_first(numbers: list[int], history: list[dict[str, Any]]) -> list[int]:
    """Step numbers ordered for practice: the weakest latest grade first, ungraded ones at mid-scale."""
    scores = step_scores(history)
    return sorted(numbers, key=lambda n: (scores.get(n, UNGRADED_SCORE), numbers.index(n)))
