"""The ``walk`` command: read the latest run, then show, print or export the interview walkthrough."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console
from rich.markdown import Markdown

from framework.case import Case
from framework.errors import BadInput
from framework.guards import quote
from framework.runmetrics import RunMetrics
from framework.steptable import STEPS
from framework.walk_steps import build_walk, transcript


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
    practice: bool = False,
    export: Path | None = None,
    out_dir: Path | None = None,
) -> None:
    """Show the walkthrough: interactive in a terminal, printed otherwise.

    Args:
        case: the case to narrate.
        step: show only this step (1-9).
        pause: wait for keys between steps when stdin is a terminal.
        practice: hide each step's answer until a key is pressed.
        export: write the transcript to this Markdown file instead of showing it.
        out_dir: folder of the run whose numbers are used.

    Raises:
        BadInput: a step outside 1-9 or an export path whose folder does not exist.
    """
    if step is not None and step not in range(1, len(STEPS) + 1):
        raise BadInput(f"--step must be 1-9, got {step}")
    if export is not None:
        check_export(export)
    console = Console()
    from framework.outdir import resolve_out
    from framework.runner import default_out_dir

    metrics = read_metrics(case, resolve_out(default_out_dir(case) if out_dir is None else out_dir))
    steps = build_walk(case, metrics)
    if export is not None:
        chosen = [steps[step - 1]] if step else steps
        text = transcript(case, chosen, metrics) if not step else chosen[0].markdown()
        write_export(export, text)
        console.print(f"wrote {export}")
        return
    if pause and sys.stdin.isatty() and sys.stdout.isatty():
        from framework.walk_tui import run_interactive

        run_interactive(steps, start=(step or 1) - 1, practice=practice, console=console)
        return
    # A pipe or a CI log gets the Markdown itself: rendered tables would be cut at 80 columns.
    show = (lambda md: console.print(Markdown(md))) if sys.stdout.isatty() else (lambda md: print(md))
    for s in [steps[step - 1]] if step else steps:
        if practice:
            show(s.prompt_md())
            show("*(reference answer)*\n")
            show(s.answer_md())
        else:
            show(s.markdown())
