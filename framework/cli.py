"""The typer command line shared by every case: run, diagram, spec, walk."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

try:  # typer >= 0.20 vendors click; older releases depend on the click package
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import exceptions as click_exceptions

from framework.case import Case
from framework.config import parse_seed
from framework.errors import BadInput

DIAGRAM_FORMATS = ("svg", "png", "dot")


def make_case_app(case: Case) -> typer.Typer:
    """Build the command line of one case."""
    app = typer.Typer(
        name=case.name,
        help=f"{case.design.title}: the nine-step ML system design, runnable.",
        add_completion=False,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
    )

    @app.command()
    def run(
        seed: Annotated[str, typer.Option(help="Seed of every random draw (integer >= 0).")] = "0",
        scale: Annotated[str, typer.Option(help="small | default | large.")] = "default",
        out: Annotated[Path | None, typer.Option(help="Output folder [default: outputs/<case>/].")] = None,
        data: Annotated[Path | None, typer.Option(help="Real data to load instead of the generator.")] = None,
        set_: Annotated[list[str] | None, typer.Option("--set", help="Config override key=value (repeatable).")] = None,
        quiet: Annotated[bool, typer.Option(help="No progress spinner.")] = False,
    ) -> None:
        """Run the whole case: spec, data, features, models, tests, serving, monitoring, diagram, report."""
        from framework.runner import run_case

        result = run_case(
            case, seed=parse_seed(seed), scale=scale, out_dir=out, data_path=data, overrides=set_, progress=not quiet
        )
        print_summary(result.metrics, result.out_dir)

    @app.command()
    def diagram(
        format_: Annotated[list[str] | None, typer.Option("--format", help="svg | png | dot (repeatable).")] = None,
        out: Annotated[Path, typer.Option(help="Output folder.")] = Path("diagrams"),
    ) -> None:
        """Render the architecture diagram from the spec."""
        paths = write_diagram(case, out, format_ or list(DIAGRAM_FORMATS))
        for p in paths:
            typer.echo(str(p))

    @app.command()
    def spec() -> None:
        """Print the nine-step design as JSON."""
        typer.echo(case.design.model_dump_json(indent=2))

    @app.command()
    def walk(
        step: Annotated[int | None, typer.Option(help="Show only step N (1-9).")] = None,
        no_pause: Annotated[bool, typer.Option("--no-pause", help="Print everything without waiting.")] = False,
        practice: Annotated[bool, typer.Option("--practice", help="Hide each answer until a key is pressed.")] = False,
        export: Annotated[Path | None, typer.Option(help="Write the transcript to this Markdown file.")] = None,
        out: Annotated[
            Path | None, typer.Option(help="Folder of the run to narrate [default: outputs/<case>/].")
        ] = None,
    ) -> None:
        """Walk through the case for a 45-minute interview, with the numbers of the latest run."""
        from framework.walk import walk as walk_case

        walk_case(case, step=step, pause=not no_pause, practice=practice, export=export, out_dir=out)

    return app


def write_diagram(case: Case, out: Path, formats: list[str]) -> list[Path]:
    """Render ``case``'s diagram into ``out`` as ``<case>.<fmt>`` for each format.

    Raises:
        BadInput: on an unknown format.
    """
    from framework.render import dot_source, render

    bad = [f for f in formats if f not in DIAGRAM_FORMATS]
    if bad:
        raise BadInput(f"unknown diagram format {bad[0]!r}; choose from {', '.join(DIAGRAM_FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    if formats == ["dot"]:
        path = out / f"{case.name}.dot"
        path.write_text(dot_source(case.design.architecture, case.design.title))
        return [path]
    written = render(case.design.architecture, case.design.title, out, case.name)
    for fmt, path in list(written.items()):
        if fmt not in formats:
            path.unlink()
            del written[fmt]
    return sorted(written.values())


def print_summary(metrics: dict, out_dir: Path) -> None:
    """Print the model ladder and the serving/monitoring headline of a run."""
    from rich.console import Console
    from rich.table import Table

    from framework.report import fmt, model_table

    headers, rows = model_table(metrics, [])
    table = Table(title=f"{metrics['case']}: held-out metrics (primary: {metrics['primary_metric']})")
    for h in headers:
        table.add_column(h)
    for r in rows:
        table.add_row(*r)
    console = Console()
    console.print(table)
    s = metrics["serving"]
    console.print(f"serving p50 {fmt(s['p50_ms'])} ms, p99 {fmt(s['p99_ms'])} ms, SLA {fmt(s['sla_ms'])} ms")
    console.print(
        f"monitoring alerts: {len(metrics['monitoring']['alerts'])}; total {fmt(metrics['timings_s']['total'])} s"
    )
    console.print(f"outputs: {out_dir}")


def invoke(app: typer.Typer, args: list[str] | None = None, prog_name: str | None = None) -> int:
    """Run ``app`` and turn bad input into one line on stderr and exit code 2.

    Returns:
        The process exit code.
    """
    command = typer.main.get_command(app)
    try:
        command.main(args=args, prog_name=prog_name, standalone_mode=False)
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except click_exceptions.UsageError as exc:
        print(f"error: {exc.format_message()}", file=sys.stderr)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        return 130
    return 0


def main(case: Case) -> None:
    """Entry point of ``python -m cases.<name>``."""
    sys.exit(invoke(make_case_app(case), prog_name=f"python -m cases.{case.name}"))
