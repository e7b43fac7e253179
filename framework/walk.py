"""Interview walkthrough: the nine steps narrated with the numbers of the latest run."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from framework.case import Case
from framework.errors import BadInput
from rich.markdown import Markdown

from framework.blocks import to_markdown
from framework.report import build_sections
from framework.specs import STEP_TITLES

# Minutes per step for a 45-minute interview: most time on the problem, the model and serving.
STEP_BUDGET_MIN: dict[int, int] = {1: 6, 2: 4, 3: 6, 4: 5, 5: 5, 6: 8, 7: 4, 8: 4, 9: 3}


def latest_metrics(case: Case, out_dir: Path | None, console: Console) -> tuple[dict[str, Any], Path]:
    """Load the latest run's metrics, running the case at small scale first when there is none."""
    from framework.runner import default_out_dir, run_case

    out_dir = out_dir or default_out_dir(case)
    path = out_dir / "metrics.json"
    if not path.exists():
        console.print(f"[yellow]No run found in {out_dir}; running the case at small scale first...[/yellow]")
        run_case(case, scale="small", out_dir=out_dir, progress=False)
    return json.loads(path.read_text()), out_dir


def walk(case: Case, *, step: int | None = None, pause: bool = True, out_dir: Path | None = None) -> None:
    """Print the walkthrough; wait for Enter between steps when interactive.

    Raises:
        BadInput: when ``step`` is not 1-9.
    """
    if step is not None and step not in STEP_TITLES:
        raise BadInput(f"--step must be 1-9, got {step}")
    console = Console()
    metrics, out_dir = latest_metrics(case, out_dir, console)
    sections = build_sections(case, metrics)
    steps = [step] if step else list(STEP_TITLES)
    interactive = pause and sys.stdin.isatty() and step is None
    for n in steps:
        key, title = STEP_TITLES[n]
        notes = getattr(case.design, key)
        console.rule(f"[bold]Step {n}/9: {title}[/bold]  (budget {STEP_BUDGET_MIN[n]} min)")
        for point in getattr(notes, "talking_points", []):
            console.print(f"  - {point}")
        if n == 1:
            for q in case.design.problem.clarifying_questions:
                console.print(f"  ? {q.question}  [dim]-> assume: {q.assumed_answer}[/dim]")
        console.print(Markdown(to_markdown(sections[n - 1].title, [sections[n - 1]])))
        for f in getattr(notes, "follow_ups", []):
            console.print(f"  [cyan]Q: {f.question}[/cyan]\n     A: {f.answer}")
        if interactive and n != steps[-1]:
            console.input("[dim]Enter for the next step...[/dim]")
