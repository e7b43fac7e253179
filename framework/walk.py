"""Interview walkthrough: the nine steps narrated with the numbers of the latest run."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markdown import Markdown

from framework.blocks import section_markdown
from framework.case import Case
from framework.errors import BadInput
from framework.guards import quote
from framework.notes import FollowUp
from framework.report import build_sections
from framework.specs import STEP_TITLES

# Minutes per step of a 45-minute interview: most time on the problem, the models and the architecture.
STEP_BUDGET_MIN: dict[int, int] = {1: 6, 2: 4, 3: 6, 4: 5, 5: 5, 6: 8, 7: 4, 8: 4, 9: 3}

# What the interviewer asks at each step; the case's design and run are the reference answer.
STEP_PROMPTS: dict[int, str] = {
    1: "Clarify the problem: what is the business goal, what exactly do we predict, for whom, under which "
    "latency and scale constraints? Estimate QPS and storage.",
    2: "How do you measure success offline and online? Which metric is primary, and what are the guardrails?",
    3: "Sketch the MVP architecture: data flow from sources to the app, the online request path and its "
    "latency budget.",
    4: "Where does the training data come from, how do you clean it and how do you split it?",
    5: "Which features do you build, and how do you make sure none of them leaks the future?",
    6: "Walk me through your models from the simplest to the strongest. How far are you from the best possible?",
    7: "Before shipping: how do you test the model's behaviour, which slices do you check, how do you run the "
    "online test?",
    8: "How is the model served, and does it meet the latency SLA?",
    9: "What can go wrong after launch, how would you notice, and when would you alert?",
}


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


def build_walk(case: Case, metrics: dict[str, Any]) -> list[WalkStep]:
    """The nine walkthrough steps of ``case`` with the numbers of ``metrics``."""
    sections = build_sections(case, metrics)
    steps = []
    for n, (key, title) in STEP_TITLES.items():
        notes = getattr(case.design, key)
        questions = (
            [f"{q.question} (assume: {q.assumed_answer})" for q in case.design.problem.clarifying_questions]
            if n == 1
            else []
        )
        steps.append(
            WalkStep(
                number=n,
                title=title,
                budget_min=STEP_BUDGET_MIN[n],
                prompt=STEP_PROMPTS[n],
                talking_points=list(notes.talking_points),
                questions=questions,
                numbers_md=section_markdown(sections[n - 1], level=4, images=False),
                follow_ups=list(getattr(notes, "follow_ups", [])),
            )
        )
    return steps


def transcript(case: Case, steps: list[WalkStep], metrics: dict[str, Any]) -> str:
    """The whole walkthrough as one Markdown document."""
    head = (
        f"# Interview walkthrough: {case.design.title}\n\n{case.design.summary}\n\n"
        f"Numbers from the run with seed {metrics['seed']} at scale {metrics['scale']}. "
        f"Time budget: {sum(s.budget_min for s in steps)} minutes.\n"
    )
    return head + "\n" + "\n".join(s.markdown() for s in steps)


# Top-level keys the walkthrough reads; a metrics.json without them is from an older version.
WALK_KEYS = ("case", "seed", "scale", "primary_metric", "models", "serving", "monitoring", "architecture", "data")


def read_metrics(case: Case, out_dir: Path) -> dict[str, Any]:
    """Read and sanity-check ``out_dir/metrics.json`` of ``case``.

    Raises:
        BadInput: missing, unreadable, damaged, older or another case's file, saying what to run.
    """
    path = out_dir / "metrics.json"
    where = f"metrics.json in {quote(str(out_dir), 50)}"
    rerun = f"run `python -m cases.{case.name} run` with that --out to make a fresh one"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"no {where}; {rerun}") from None
    except IsADirectoryError:
        raise BadInput(f"{where} is a folder, not a file; {rerun}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or "not valid JSON"
        raise BadInput(f"{where} cannot be read ({reason}); {rerun}") from None
    if not isinstance(doc, dict):
        raise BadInput(f"{where} is not a metrics document; {rerun}")
    if doc.get("case") != case.name:
        raise BadInput(f"{where} is a run of case {quote(doc.get('case'), 30)}, not {case.name}; {rerun}")
    missing = [k for k in WALK_KEYS if k not in doc]
    if missing:
        raise BadInput(f"{where} is from an older version (no {missing[0]!r}); {rerun}")
    return doc


def latest_metrics(case: Case, out_dir: Path | None, console: Console) -> dict[str, Any]:
    """Load the latest run's metrics, running the case at small scale first when the folder has no run.

    Raises:
        BadInput: the folder cannot take a run, or its metrics.json is damaged or older.
    """
    from framework.outdir import owned_files, resolve_out
    from framework.runner import default_out_dir, run_case

    out_dir = resolve_out(default_out_dir(case) if out_dir is None else out_dir)
    if not (out_dir / "metrics.json").exists() and owned_files(out_dir) is None:
        console.print(
            f"[yellow]No run found in {out_dir}: running the case at small scale first...[/yellow]", soft_wrap=True
        )
        run_case(case, scale="small", out_dir=out_dir, progress=False)
    return read_metrics(case, out_dir)


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
    if step is not None and step not in STEP_TITLES:
        raise BadInput(f"--step must be 1-9, got {step}")
    if export is not None:
        check_export(export)
    console = Console()
    metrics = latest_metrics(case, out_dir, console)
    try:
        steps = build_walk(case, metrics)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        where = quote(str(out_dir or "outputs/" + case.name), 50)
        raise BadInput(
            f"metrics.json in {where} is damaged or from an older version ({type(exc).__name__}: "
            f"{quote(str(exc), 30)}); run `python -m cases.{case.name} run` again"
        ) from None
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
    for s in [steps[step - 1]] if step else steps:
        if practice:
            console.print(Markdown(s.prompt_md()))
            console.print("[dim](reference answer)[/dim]")
            console.print(Markdown(s.answer_md()))
        else:
            console.print(Markdown(s.markdown()))
