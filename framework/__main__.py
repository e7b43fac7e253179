"""``python -m framework list | run-all | diagrams | check``: commands over every discovered case."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from framework.cli import invoke, print_summary, write_diagram
from framework.config import parse_seed
from framework.registry import all_cases

app = typer.Typer(
    help="The ML system-design casebook.", add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False
)


@app.command("list")
def list_cases() -> None:
    """List every discovered case with its primary metric."""
    for case in all_cases():
        typer.echo(f"{case.name:<16} {case.design.title}  (primary: {case.design.metrics.primary})")


@app.command("run-all")
def run_all(
    seed: Annotated[str, typer.Option(help="Seed of every random draw (integer >= 0).")] = "0",
    scale: Annotated[str, typer.Option(help="small | default | large.")] = "default",
    out: Annotated[Path, typer.Option(help="Parent folder; each case writes <out>/<case>/.")] = Path("outputs"),
) -> None:
    """Run every case end to end and write ``<out>/index.html`` linking every report."""
    from framework.report import write_index
    from framework.runner import run_case

    runs = []
    for case in all_cases():
        result = run_case(case, seed=parse_seed(seed), scale=scale, out_dir=out / case.name)
        print_summary(result.metrics, result.out_dir)
        runs.append((case, result.metrics))
    typer.echo(f"index: {write_index(out, runs)}")


@app.command()
def diagrams(out: Annotated[Path, typer.Option(help="Output folder.")] = Path("diagrams")) -> None:
    """Render every case's architecture diagram (svg, png, dot) into ``diagrams/``."""
    for case in all_cases():
        for path in write_diagram(case, out, ["svg", "png", "dot"]):
            typer.echo(str(path))


@app.command()
def check() -> None:
    """Run every conformance check on every case; exit 1 when any fails."""
    from framework.checks import CHECKS, CheckFailed, CheckSession

    failed = 0
    for case in all_cases():
        session = CheckSession(case)
        for check_fn in CHECKS:
            try:
                check_fn(session)
                typer.echo(f"PASS {case.name}: {check_fn.__name__}")
            except CheckFailed as exc:
                failed += 1
                typer.echo(f"FAIL {exc}")
    if failed:
        raise typer.Exit(1)


if __name__ == "__main__":
    sys.exit(invoke(app, prog_name="python -m framework"))
