"""The typer command line shared by every case: run, diagram, spec, walk."""

# No `from __future__ import annotations`: typer reads the options from the annotations, and the
# `--set` help names each case's keys through a local variable that string annotations cannot see.
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

try:  # typer >= 0.20 vendors click; older releases depend on the click package
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import exceptions as click_exceptions  # type: ignore[no-redef]

from framework.case import Case
from framework.config import parse_seed
from framework.errors import BadInput
from framework.guards import brief, quote
from framework.startup import exit_now, prepare_main

if TYPE_CHECKING:
    from framework.runmetrics import RunMetrics

DIAGRAM_FORMATS = ("svg", "png", "dot", "mermaid")
SUFFIXES = {"mermaid": "mmd"}  # a format's file suffix, when it is not the format's name


def make_case_app(case: Case) -> typer.Typer:
    """Build the command line of one case."""
    app = typer.Typer(
        name=case.name,
        help=f"{case.design.title}: the nine-step ML system design, runnable.",
        add_completion=False,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,  # plain click help: no rich import on --help, nothing cut at 80 columns
    )

    set_help = f"Config override key=value (repeatable); keys: {', '.join(case.config_model.model_fields)}."

    @app.command()
    def run(
        seed: Annotated[str, typer.Option(help="Seed of every random draw (0 to 4294967295).")] = "0",
        scale: Annotated[str, typer.Option(help="small | default | large | xl (xl: use --engine dask).")] = "default",
        out: Annotated[str | None, typer.Option(help="Output folder [default: outputs/<case>/].")] = None,
        data: Annotated[str | None, typer.Option(help="Real data to load instead of the generator.")] = None,
        columns: Annotated[
            list[str] | None,
            typer.Option(help="With --data: role=column,... for columns the alias table does not know."),
        ] = None,
        set_: Annotated[list[str] | None, typer.Option("--set", help=set_help)] = None,
        quiet: Annotated[bool, typer.Option(help="No progress bars (notes and the summary still print).")] = False,
        pdf: Annotated[bool, typer.Option("--pdf", help="Also print report.pdf (needs Chromium).")] = False,
        force: Annotated[
            bool, typer.Option("--force", help="Write into a folder holding other files (they stay untouched).")
        ] = False,
        engine: Annotated[str, typer.Option(help="pandas (in process) | dask (a LocalCluster or --scheduler).")] = (
            "pandas"
        ),
        scheduler: Annotated[
            str | None, typer.Option(help="With --engine dask: a running scheduler, e.g. tcp://10.0.0.5:8786.")
        ] = None,
    ) -> None:
        """Run the whole case: spec, data, features, models, tests, serving, monitoring, diagram, report."""
        from framework.roles import parse_columns
        from framework.runner import run_case

        result = run_case(
            case,
            seed=parse_seed(seed),
            scale=scale,
            out_dir=out,
            data_path=data_option(data),
            columns=parse_columns(columns),
            overrides=set_,
            progress=not quiet,
            force=force,
            pdf=pdf,
            engine=engine,
            scheduler=scheduler,
        )
        print_summary(result.metrics, result.out_dir)

    @app.command()
    def diagram(
        format_: Annotated[
            list[str] | None, typer.Option("--format", help="svg | png | dot | mermaid (repeatable).")
        ] = None,
        view: Annotated[list[str] | None, typer.Option(help="full | whiteboard (repeatable) [default: both].")] = None,
        out: Annotated[str, typer.Option(help="Output folder.")] = "diagrams",
        force: Annotated[
            bool, typer.Option("--force", help="Replace same-named files this project did not write.")
        ] = False,
    ) -> None:
        """Render the architecture diagram from the spec: the full view and the whiteboard view."""
        paths = write_diagram(case, out, format_ or list(DIAGRAM_FORMATS), force=force, views=view)
        for p in paths:
            typer.echo(str(p))

    @app.command()
    def spec(
        set_: Annotated[
            list[str] | None,
            typer.Option("--set", help="What if: change a constraint (e.g. daily_active_users=1500000000)."),
        ] = None,
        what_if: Annotated[bool, typer.Option("--what-if", help="Show the design-level figures.")] = False,
        out: Annotated[str | None, typer.Option(help="Run whose measured rates the figures use.")] = None,
    ) -> None:
        """Print the nine-step design as JSON, or with --set/--what-if its figures recomputed."""
        if not set_ and not what_if:
            typer.echo(case.design.model_dump_json(indent=2))
            return
        from framework.whatif_table import print_what_if

        print_what_if(case, set_ or [], Path(out) if out else None)

    @app.command()
    def walk(
        step: Annotated[int | None, typer.Option(help="Start at (or print only) step N (1-9).")] = None,
        no_pause: Annotated[bool, typer.Option("--no-pause", help="Print everything without waiting.")] = False,
        practice: Annotated[
            bool, typer.Option("--practice", help="Candidate: prompt, hints, answer, then grade yourself.")
        ] = False,
        interviewer: Annotated[
            bool, typer.Option("--interviewer", help="Rubric by level, follow-up tree, notes, scoring sheet.")
        ] = False,
        progress: Annotated[bool, typer.Option("--progress", help="Show your practice grades and exit.")] = False,
        drill: Annotated[
            str | None, typer.Option(help="Spot the flaw: run drill NAME (or `list`) and reveal it.")
        ] = None,
        scale: Annotated[str, typer.Option(help="Scale of a drill's runs.")] = "small",
        export: Annotated[
            str | None, typer.Option(help="Write the transcript (with --interviewer: the scoring sheet) here.")
        ] = None,
        out: Annotated[
            str | None, typer.Option(help="Folder of the run to narrate [default: outputs/<case>/].")
        ] = None,
    ) -> None:
        """Walk through the case for a 45-minute interview, with the numbers of the latest run."""
        from framework.walk import show_progress
        from framework.walk import walk as walk_case

        if practice and interviewer:
            raise BadInput("--practice and --interviewer are two seats of one interview; choose one")
        if export is not None and not export.strip():
            raise BadInput("--export is empty; give a file name such as walk.md")
        if out is not None and not out.strip():
            raise BadInput("--out is empty; give the folder of a run such as outputs/eta")
        if progress:
            show_progress(case)
            return
        if drill is not None:
            from framework.config import SCALES
            from framework.walk_drill import drill as run_drill_walk

            if scale not in SCALES:
                raise BadInput(f"unknown scale {quote(scale, 40)}; choose one of {', '.join(SCALES)}")
            run_drill_walk(case, drill, scale=scale)
            return
        walk_case(
            case,
            step=step,
            pause=not no_pause,
            mode="practice" if practice else "interviewer" if interviewer else "read",
            export=Path(export) if export is not None else None,
            out_dir=Path(out) if out is not None else None,
        )

    return app


def data_option(raw: str | None) -> Path | None:
    """``--data`` as a path; an empty value is refused by name (``Path('')`` would silently be ``.``).

    Raises:
        BadInput: when the value is empty.
    """
    if raw is None:
        return None
    if not raw.strip():
        raise BadInput("--data is empty; give a data file or folder")
    return Path(raw)


def write_diagram(
    case: Case, out: str | Path, formats: list[str], force: bool = False, views: list[str] | None = None
) -> list[Path]:
    """Render ``case``'s diagram views into ``out`` as ``<case>[-whiteboard].<fmt>`` for each format and view.

    Only those files are written; one that exists and was not written by this project is
    refused unless ``force``.

    Raises:
        BadInput: an unknown format or view, or an output folder that cannot take the files.
    """
    from framework.outdir import claim_files, resolve_out
    from framework.render import VIEWS, view_stem

    bad = [f for f in formats if f not in DIAGRAM_FORMATS]
    if bad:
        raise BadInput(f"unknown diagram format {quote(bad[0], 30)}; choose from {', '.join(DIAGRAM_FORMATS)}")
    views = views or list(VIEWS)
    unknown = [v for v in views if v not in VIEWS]
    if unknown:
        raise BadInput(f"unknown diagram view {quote(unknown[0], 30)}; choose from {', '.join(VIEWS)}")
    folder = resolve_out(out)
    chosen = [v for v in VIEWS if v in views]
    names = [
        f"{view_stem(case.name, v)}.{SUFFIXES.get(fmt, fmt)}"
        for v in chosen
        for fmt in DIAGRAM_FORMATS
        if fmt in formats
    ]
    with claim_files(folder, names, force=force) as staging:
        for v in chosen:
            _render_into(case, staging, set(formats), v)
    return [folder / n for n in names]


def _render_into(case: Case, folder: Path, formats: set[str], view: str) -> None:
    from framework.render import dot_source, render, view_stem

    spec, title, stem = case.design.architecture, case.design.title, view_stem(case.name, view)
    if "mermaid" in formats:
        from framework.mermaid import to_mermaid

        (folder / f"{stem}.mmd").write_text(to_mermaid(spec, title, view))
    if not formats & {"svg", "png"}:
        if "dot" in formats:
            (folder / f"{stem}.dot").write_text(dot_source(spec, title, view))
        return
    written = render(spec, title, folder, stem, view)
    for fmt, path in written.items():
        if fmt not in formats:
            path.unlink()


def print_summary(metrics: "RunMetrics", out_dir: Path) -> None:
    """Print the model ladder and the serving/monitoring headline of a run, fitted to the terminal's width."""
    import shutil
    import textwrap

    from framework.report import fmt
    from framework.summary import ladder_lines

    width = shutil.get_terminal_size((80, 24)).columns if sys.stdout.isatty() else 80
    print(f"{metrics.case}: held-out metrics, seed {metrics.seed}, scale {metrics.scale}")
    print("\n".join(ladder_lines(metrics, width)))
    s = metrics.serving
    print(f"serving p50 {fmt(s.p50_ms)} ms, p99 {fmt(s.p99_ms)} ms, SLA {fmt(s.sla_ms)} ms")
    print(f"monitoring alerts: {len(metrics.monitoring.alerts)}; total {fmt(metrics.timings_s['total'])} s")
    reading = metrics.data.get("columns")
    if reading:  # which column played which role, so a wrong guess is seen before the numbers are trusted
        used = ", ".join(f"{role}={column}" for role, column in reading.items())
        ignored = metrics.data.get("ignored_columns") or []
        line = f"columns: {used}" + (f"; ignored: {', '.join(map(str, ignored))}" if ignored else "")
        print("\n".join(textwrap.wrap(line, width, subsequent_indent="  ", break_on_hyphens=False)))
    print(f"outputs: {out_dir}")
    for warning in metrics.data.get("warnings", []):  # odd but usable input, said once per run
        print(f"warning: {warning}", file=sys.stderr)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def invoke(app: typer.Typer, args: list[str] | None = None, prog_name: str | None = None) -> int:
    """Run ``app`` with the command-line contract: every outcome is an exit code and at most one line.

    Bad input (a flag, a config value, a data file, an output folder) prints ``error: ...`` and
    returns 2; Ctrl-C prints ``interrupted`` and returns 130; a bug prints one ``internal error``
    line and returns 1 (``CASEBOOK_DEBUG=1`` re-raises it for the traceback). Click's own
    ``main`` is bypassed because it turns Ctrl-C and ``EOFError`` alike into an abort and drops
    the exit code a command returns.

    Returns:
        The process exit code.
    """
    args = sys.argv[1:] if args is None else list(args)
    try:
        command = typer.main.get_command(app)
        with command.make_context(prog_name or command.name, args) as ctx:
            result = command.invoke(ctx)
        return result if isinstance(result, int) and not isinstance(result, bool) else 0
    except BadInput as exc:
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
        return 2
    except click_exceptions.NoArgsIsHelpError as exc:
        exc.show()
        return 2
    except click_exceptions.UsageError as exc:
        print(f"error: {_one_line(exc.format_message())}", file=sys.stderr)
        return 2
    except click_exceptions.ClickException as exc:
        print(f"error: {_one_line(exc.format_message())}", file=sys.stderr)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except (KeyboardInterrupt, typer.Abort):
        print("\ninterrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `... | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except MemoryError:
        print("error: ran out of memory; use a smaller --scale or smaller --set sizes", file=sys.stderr)
        return 2
    except Exception as exc:
        if os.environ.get("CASEBOOK_DEBUG"):
            raise
        print(
            f"internal error: {type(exc).__name__}: {brief(str(exc), 100)} "
            "(a bug; CASEBOOK_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return 1


def main(case: Case) -> None:
    """Entry point of ``python -m cases.<name>``."""
    prepare_main()
    code = invoke(make_case_app(case), prog_name=f"python -m cases.{case.name}")
    if code == 130:
        exit_now(code)
    sys.exit(code)
