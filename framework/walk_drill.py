"""``walk --drill``: show a run with one deliberate flaw, ask what is wrong, then reveal it against the clean run."""

from __future__ import annotations

import shutil
import sys

from rich.console import Console
from rich.table import Table

from framework.case import Case
from framework.drills import find_drill, run_drill
from framework.summary import ladder_lines


def list_drills(case: Case, console: Console) -> None:
    """The case's drills: name and what kind of flaw (not which)."""
    table = Table(title=f"Spot-the-flaw drills of {case.name} (walk --drill NAME)")
    table.add_column("name", no_wrap=True)
    table.add_column("what to look at")
    for drill in case.design.drills:
        table.add_row(drill.name, drill.title)
    console.print(table)


def drill(case: Case, name: str, *, scale: str = "small", seed: int = 0) -> None:
    """Run drill ``name``: the flawed numbers, the question, a pause in a terminal, then the reveal.

    Raises:
        BadInput: an unknown drill name (the known ones are listed).
    """
    console = Console()
    if name == "list":
        list_drills(case, console)
        return
    chosen = find_drill(case, name)
    width = shutil.get_terminal_size((100, 24)).columns
    console.print(f"Drill {chosen.name}: {chosen.title}", style="bold")
    console.print(f"Running {case.name} at scale {scale} (seed {seed}) with a flaw switched on, and without it ...")
    outcome = run_drill(case, chosen, scale=scale, seed=seed)
    console.print("\nThe run you are reviewing:\n")
    print("\n".join(ladder_lines(outcome.flawed, width)))
    print(f"\n{chosen.watch} = {outcome.flawed_value:.6g}")
    console.print(f"\n{chosen.question}", style="bold yellow")
    if sys.stdin.isatty() and sys.stdout.isatty():
        input("Name the flaw aloud, then press Enter for the reveal: ")
    console.print("\nReveal", style="bold")
    print(chosen.reveal)
    moved = "lower" if outcome.flawed_value < outcome.clean_value else "higher"
    print(
        f"\n{chosen.watch}: {outcome.flawed_value:.6g} with the flaw, {outcome.clean_value:.6g} without "
        f"({moved} with the flaw).\n\nThe same run without the flaw:\n"
    )
    print("\n".join(ladder_lines(outcome.clean, width)))
