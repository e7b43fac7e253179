"""``python -m framework list | run-all | diagrams | check | new``: commands over every case, and a new one."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from framework.cli import invoke, print_summary, write_diagram
from framework.config import parse_seed
from framework.registry import all_cases
from framework.startup import exit_now, prepare_main

app = typer.Typer(
    help="The ML system-design casebook.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.command("list")
def list_cases() -> None:
    """List every discovered case with its primary metric."""
    for case in all_cases():
        typer.echo(f"{case.name:<16} {case.design.title}  (primary: {case.design.metrics.primary})")


@app.command("run-all")
def run_all(
    seed: Annotated[str, typer.Option(help="Seed of every random draw (integer >= 0).")] = "0",
    scale: Annotated[str, typer.Option(help="small | default | large | xl (xl: use --engine dask).")] = "default",
    out: Annotated[str, typer.Option(help="Parent folder; each case writes <out>/<case>/.")] = "outputs",
    force: Annotated[bool, typer.Option("--force", help="Write into folders holding other files.")] = False,
    engine: Annotated[str, typer.Option(help="pandas | dask.")] = "pandas",
    scheduler: Annotated[str | None, typer.Option(help="With --engine dask: a running scheduler's address.")] = None,
) -> None:
    """Run every case end to end and write ``<out>/index.html`` linking every report."""
    from framework.config import build_config
    from framework.engine import check_engine
    from framework.outdir import check_out_dir, claim_files, resolve_out
    from framework.report import write_index
    from framework.runner import run_case

    root = resolve_out(out)
    cases = all_cases()
    parsed_seed = parse_seed(seed)
    check_engine(engine, scheduler)
    for case in cases:  # refuse bad input for every case before running any
        build_config(case.config_model, scale)
        check_out_dir(root / case.name, force=force)
    with claim_files(root, ["index.html"], force=force):
        pass  # only the check: index.html is written once every case has run
    runs = []
    for case in cases:
        result = run_case(
            case,
            seed=parsed_seed,
            scale=scale,
            out_dir=root / case.name,
            force=force,
            engine=engine,
            scheduler=scheduler,
        )
        print_summary(result.metrics, result.out_dir)
        runs.append((case, result.metrics))
    with claim_files(root, ["index.html"], force=force) as staging:
        write_index(staging, runs, {case.name: root / case.name for case, _ in runs})
    typer.echo(f"index: {root / 'index.html'}")


@app.command()
def diagrams(
    out: Annotated[str, typer.Option(help="Output folder.")] = "diagrams",
    force: Annotated[bool, typer.Option("--force", help="Replace same-named files not written here.")] = False,
) -> None:
    """Render every case's diagrams (full and whiteboard views; svg, png, dot, Mermaid) into ``diagrams/``."""
    for case in all_cases():
        for path in write_diagram(case, out, ["svg", "png", "dot", "mermaid"], force=force):
            typer.echo(str(path))


@app.command()
def check() -> None:
    """Run every conformance check on every case; exit 1 when any fails."""
    from framework.checks import CHECKS, CheckFailed, CheckSession

    failed = 0
    for case in all_cases():
        session = CheckSession(case)
        try:
            for check_fn in CHECKS:
                try:
                    check_fn(session)
                    typer.echo(f"PASS {case.name}: {check_fn.__name__}")
                except CheckFailed as exc:
                    failed += 1
                    typer.echo(f"FAIL {exc}")
        finally:
            session.close()
    if failed:
        typer.echo(f"{failed} check(s) failed", err=True)
        raise typer.Exit(1)


@app.command()
def new(
    name: Annotated[str, typer.Argument(help="The new case's name: a lowercase identifier such as price_forecast.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace same-named diagrams/NAME.* files not written here.")
    ] = False,
) -> None:
    """Create cases/NAME/: a small working regression case to rewrite into yours; it passes `check` as it is."""
    from framework.scaffold import create_case

    created = create_case(name, force=force)
    here = Path.cwd().resolve()

    def shown(path: Path) -> str:
        return str(path.relative_to(here)) if path.is_relative_to(here) else str(path)

    typer.echo(f"created {shown(created.folder)}/: {', '.join(created.files)}")
    typer.echo(f"diagram: {', '.join(shown(p) for p in created.diagrams)}")
    if not created.rendered:
        typer.echo(f"note: Graphviz 'dot' is missing; install it, then `python -m cases.{name} diagram` for svg/png")
    typer.echo(f"next: python -m cases.{name} run --scale small, then python -m framework check")


def main() -> None:
    """Entry point of ``python -m framework``."""
    prepare_main()
    code = invoke(app, prog_name="python -m framework")
    if code == 130:
        exit_now(code)
    sys.exit(code)


if __name__ == "__main__":
    main()
