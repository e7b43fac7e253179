"""The ``walk`` command: read the latest run, then show, print or export the interview walkthrough."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from framework.case import Case
from framework.errors import BadInput
from framework.guards import quote
from framework.runmetrics import RunMetrics
from framework.steptable import STEPS
from framework.walk_session import Mode, WalkSession
from framework.walk_sheet import scoring_sheet
from framework.walk_steps import WalkStep, build_walk, transcript


def read_metrics(case: Case, out_dir: Path) -> RunMetrics:
    """Read and validate ``out_dir/metrics.json`` of ``case``.

    Raises:
        BadInput: missing, unreadable, damaged, older or another case's file, saying what to run.
    """
    path = out_dir / "metrics.json"
    where = f"metrics.json in {quote(str(out_dir), 50)}"
    rerun = f"run `python -m cases.{case.name} run` with that --out to make one"
    if out_dir.is_file():
        raise BadInput(f"--out {quote(str(out_dir), 50)} is a file, not a run's folder; {rerun}")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"no {where}; {rerun}") from None
    except IsADirectoryError:
        raise BadInput(f"{where} is a folder, not a file; {rerun}") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise BadInput(f"{where} cannot be read ({reason}); {rerun}") from None
    try:
        doc = json.loads(text)
    except ValueError:
        raise BadInput(f"{where} cannot be read (not valid JSON); {rerun}") from None
    if not isinstance(doc, dict):
        raise BadInput(f"{where} is not a metrics document; {rerun}")
    if doc.get("case") != case.name:
        raise BadInput(f"{where} is a run of case {quote(doc.get('case'), 30)}, not {case.name}; {rerun}")
    try:
        return RunMetrics.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(x) for x in first["loc"]) or "top level"
        raise BadInput(
            f"{where} is damaged or from an older version ({quote(field, 40)}: {first['msg']}); {rerun}"
        ) from None


# First line of every exported transcript: an export may replace a file only when it carries this.
EXPORT_MARK = "<!-- interview transcript written by ml-design-casebook; safe to overwrite -->"


def check_export(export: Path) -> None:
    """Refuse an ``--export`` target that is a folder, sits in a missing folder, or is a file we did not write.

    Raises:
        BadInput: naming the path and what to do.
    """
    shown = quote(str(export), 100)
    if export.is_dir():
        raise BadInput(f"--export {shown} is a folder; give a file name such as walk.md")
    parent = export.absolute().parent
    if not parent.is_dir():
        raise BadInput(f"--export {shown}: folder {quote(str(parent), 80)} does not exist")
    if export.exists() or export.is_symlink():
        try:
            with export.open(encoding="utf-8", errors="replace") as fh:
                first = fh.readline().rstrip("\n")
        except OSError:
            first = ""
        if first != EXPORT_MARK:
            raise BadInput(f"--export {shown} exists and is not a transcript this project wrote; choose a new name")


def write_export(export: Path, text: str) -> None:
    """Write the transcript atomically (temp file + rename) with the ownership mark on its first line.

    Raises:
        BadInput: when the folder cannot be written.
    """
    target = export.resolve()
    tmp = target.with_name(f".casebook-export-{os.getpid()}.tmp")
    try:
        tmp.write_text(f"{EXPORT_MARK}\n{text}", encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise BadInput(f"--export {quote(str(export), 100)} cannot be written ({exc.strerror})") from None


def walk(
    case: Case,
    *,
    step: int | None = None,
    pause: bool = True,
    mode: Mode = "read",
    export: Path | None = None,
    out_dir: Path | None = None,
) -> None:
    """Show the walkthrough: the interview TUI in a terminal, the Markdown transcript otherwise.

    Args:
        case: the case to narrate.
        step: start at (interactive) or show only (printed) step N (1-9).
        pause: run the interactive walk when stdin and stdout are a terminal.
        mode: ``read``, ``practice`` (staged reveals, self-grading saved to the progress file) or
            ``interviewer`` (rubric by level, follow-up tree, notes, scoring sheet).
        export: write the transcript (or, in interviewer mode, the scoring sheet) to this Markdown file.
        out_dir: folder of the run whose numbers are used.

    Raises:
        BadInput: a step outside 1-9, an export path that may not be written, no run to read.
    """
    if step is not None and step not in range(1, len(STEPS) + 1):
        raise BadInput(f"--step must be 1-9, got {step}")
    if export is not None:
        check_export(export)
    console = Console()
    from framework.outdir import default_out_dir, resolve_out

    metrics = read_metrics(case, resolve_out(default_out_dir(case) if out_dir is None else out_dir))
    steps = build_walk(case, metrics)
    interactive = pause and sys.stdin.isatty() and sys.stdout.isatty()
    if interactive and (export is None or mode == "interviewer"):
        # Only the interviewer's sheet comes out of an interview; a transcript needs no terminal session.
        session = _interactive(case, steps, mode, step, metrics)
        console.print(_time_table(session))
        if export is not None:
            write_export(export, scoring_sheet(case, session, metrics))
            console.print(f"wrote {export}")
        return
    if export is not None:
        if mode == "interviewer":
            text = scoring_sheet(case, WalkSession(steps, "interviewer"), metrics)
        else:
            chosen = [steps[step - 1]] if step else steps
            text = transcript(case, chosen, metrics) if not step else chosen[0].markdown()
        write_export(export, text)
        console.print(f"wrote {export}")
        return
    # A pipe or a CI log gets the Markdown itself: rendered tables would be cut at 80 columns.
    show = (lambda md: console.print(Markdown(md))) if sys.stdout.isatty() else (lambda md: print(md))
    for s in [steps[step - 1]] if step else steps:
        if mode == "practice":
            show(s.prompt_md())
            show("*(reference answer)*\n")
            show(s.answer_md())
        else:
            show(s.markdown())


def _interactive(case: Case, steps: list[WalkStep], mode: Mode, step: int | None, metrics: RunMetrics) -> WalkSession:
    """Run the Textual interview until the user quits; practice grades go to the progress file."""
    from framework.progress import read_history, record_grades, weakest_first
    from framework.walk_app import WalkApp

    numbers = [s.number for s in steps]
    order = numbers
    if mode == "practice" and step is None:
        order = weakest_first(numbers, read_history(case.name))
    session = WalkSession(steps, mode, order=[numbers.index(n) for n in order])
    if step is not None:
        session.go_to_number(step)

    def save(graded: WalkStep, grades: dict[int, int]) -> None:
        if mode == "practice":
            named = {graded.rubric[i].skill: g for i, g in grades.items()}
            record_grades(case.name, graded.number, graded.title, named)

    from framework.whatif import what_if

    WalkApp(session, case.design.title, on_grades=save, what_if=lambda pairs: what_if(case, pairs, metrics)).run()
    return session


def _time_table(session: WalkSession) -> Table:
    table = Table(title="Time per step")
    for col in ("part", "spent", "budget"):
        table.add_column(col)
    for row in session.time_rows():
        table.add_row(*row)
    return table


def show_progress(case: Case) -> None:
    """Print the practice history of ``case``: each graded attempt, then the latest grade per step."""
    from framework.progress import progress_path, read_history, step_scores

    console = Console()
    history = read_history(case.name)
    if not history:
        console.print(f"No practice grades for {case.name} yet ({progress_path()}); run walk --practice.")
        return
    table = Table(title=f"Practice history: {case.name} ({progress_path()})")
    for col in ("when", "step", "grades", "mean"):
        table.add_column(col)
    for attempt in history:
        grades = attempt["grades"]
        mean = sum(grades.values()) / len(grades) if grades else 0.0
        table.add_row(attempt["when"], f"{attempt['step']}. {attempt['title']}", _grades(grades), f"{mean:.1f}/3")
    console.print(table)
    latest = step_scores(history)
    weakest = sorted(latest, key=lambda n: latest[n])[:3]
    console.print(
        "Weakest steps (practised first next time): " + ", ".join(f"{n} ({latest[n]:.1f}/3)" for n in weakest)
    )


def _grades(grades: dict[str, int]) -> str:
    return "; ".join(f"{skill} {score}" for skill, score in grades.items())
