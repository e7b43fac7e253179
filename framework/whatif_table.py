"""``spec --set``: the what-if figures before and after, as a table."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from framework.case import Case
from framework.errors import BadInput
from framework.report import fmt
from framework.whatif import figure_rows, what_if


def last_metrics(case: Case, out_dir: Path | None):  # noqa: ANN201 - RunMetrics | None, imported lazily
    """The last run's metrics when there is one (the figures that scale a measured rate need it)."""
    from framework.outdir import default_out_dir, resolve_out
    from framework.walk import read_metrics

    try:
        return read_metrics(case, resolve_out(default_out_dir(case) if out_dir is None else out_dir))
    except BadInput:
        if out_dir is not None:
            raise
        return None


def print_what_if(case: Case, overrides: list[str], out_dir: Path | None) -> None:
    """Print every design-level figure as written and with ``overrides``, marking what changed."""
    metrics = last_metrics(case, out_dir)
    before, after = what_if(case, [], metrics), what_if(case, overrides, metrics)
    changed = ", ".join(overrides) or "nothing (the design as written)"
    table = Table(title=f"What if: {changed}", title_justify="left", show_lines=False)
    table.add_column("figure (how it is computed)", ratio=3)
    table.add_column("as designed", justify="right", no_wrap=True)
    table.add_column("what if", justify="right", no_wrap=True)
    table.add_column("unit", no_wrap=True)
    group = None
    for section, name, was, now, unit, how in figure_rows(before, after):
        if section != group:
            group = section
            table.add_row(f"[bold]{section}[/bold]")
        shown = f"[bold]{fmt(now)}[/bold] ({now / was:.3g}x)" if now != was and was else fmt(now)
        table.add_row(f"{name}\n[dim]{how}[/dim]", fmt(was), shown, unit)
    console = Console()
    console.print(table)
    source = (
        f"measured rates from the run with seed {metrics.seed} at scale {metrics.scale}"
        if metrics
        else ("no run yet: figures that scale a measured rate are left out (run the case first)")
    )
    console.print(source)
