"""Run a case's nine steps in order, time each, and write every output atomically."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from framework import metrics as metric_functions
from framework.architecture import latency_budget
from framework.case import Case, RunContext
from framework.config import build_config, check_seed
from framework.engine import check_engine, open_engine
from framework.errors import BadInput
from framework.guardrails import evaluate_guardrails
from framework.guards import check_memory, gib, quote
from framework.outdir import check_out_dir, default_out_dir, resolve_out, staged_output
from framework.pipeline import StepOutputs, run_steps
from framework.render import VIEWS, render, view_stem
from framework.results import DataResult, LadderResult, MonitoringResult, ServingResult, TestingResult
from framework.runmetrics import SCHEMA_FILE, RunMetrics, build_document, schema_text
from framework.steptable import STEPS, step
from framework.throughput import throughput


@dataclass(frozen=True)
class RunResult:
    """What a finished run produced: the metrics document and where the outputs are."""

    out_dir: Path
    metrics: RunMetrics
    ctx: RunContext[Any]
    outputs: StepOutputs


def check_data_path(data_path: Path | None) -> None:
    """Reject a ``--data`` path that does not exist or cannot be read, before any work.

    Raises:
        BadInput: naming the path.
    """
    if data_path is None:
        return
    try:
        if not data_path.exists():
            raise BadInput(f"--data {quote(str(data_path), 120)} does not exist")
        if data_path.is_file():
            with data_path.open("rb") as fh:
                fh.read(1)
        else:
            next(iter(data_path.iterdir()), None)
    except OSError as exc:
        raise BadInput(f"--data {quote(str(data_path), 120)} cannot be read: {exc.strerror}") from None


def run_case(
    case: Case,
    *,
    seed: int = 0,
    scale: str = "default",
    out_dir: Path | str | None = None,
    data_path: Path | None = None,
    columns: dict[str, str] | None = None,
    overrides: list[str] | None = None,
    progress: bool = True,
    force: bool = False,
    pdf: bool = False,
    engine: str = "pandas",
    scheduler: str | None = None,
) -> RunResult:
    """Run every step of ``case`` and write its outputs into ``out_dir``.

    Args:
        case: the case to run.
        seed: the seed every random draw derives from.
        scale: scale preset (small, default, large, xl; xl only with ``engine='dask'``).
        out_dir: output folder; ``outputs/<case>/`` when None. It must be new, empty or a
            previous run's folder (see :mod:`framework.outdir`); the run's files replace the
            previous run's files only when every step succeeded.
        data_path: real data to load instead of the generator.
        columns: ``--columns``: role -> column name of the ``--data`` file, for names the alias table lacks.
        overrides: ``key=value`` config overrides.
        progress: show a rich progress spinner.
        force: allow an output folder that holds other files (they are left untouched).
        pdf: also print ``report.pdf`` with headless Chromium (refused up front when it is missing).
        engine: ``pandas`` (in this process) or ``dask`` (a LocalCluster, or ``scheduler``'s cluster).
        scheduler: address of a running Dask scheduler to attach to.

    Raises:
        BadInput: bad scale, override, seed, data file or output folder; nothing is written then.
    """
    check_seed(seed)
    check_engine(engine, scheduler)
    config = build_config(case.config_model, scale, overrides)
    if scale == "xl" and engine == "pandas":  # a rule, not the free memory of the moment
        raise BadInput(
            f"--scale xl needs about {gib(config.estimated_peak_bytes())} in one process on pandas; "
            "choose --scale large or run with --engine dask"
        )
    if data_path is None:  # real data has its own size; its loader checks it
        check_memory(config, fix="" if engine == "dask" else "or run with --engine dask (out of core)", engine=engine)
    check_data_path(data_path)
    browser = None
    if pdf:
        from framework.pdf import require_browser

        browser = require_browser()
    if columns and data_path is None:
        raise BadInput("--columns maps the columns of a --data file; give --data too")
    typed = str(default_out_dir(case) if out_dir is None else out_dir)
    out_dir = resolve_out(typed)
    check_out_dir(out_dir, data_path=data_path, force=force, shown=typed)
    with (
        open_engine(engine, scheduler) as running,
        staged_output(out_dir, force=force) as tmp,
        _progress(progress) as (tick, partitions),
    ):
        ctx: RunContext[Any] = RunContext(
            case=case.name,
            config=config,
            seed=seed,
            scale=scale,
            out_dir=tmp,
            data_path=data_path,
            columns=dict(columns or {}),
            engine=running,
            echo=True,
        )
        running.on_partition = partitions if progress else None
        timings: dict[str, float] = {}
        design_steps: dict[str, Callable[[], Any]] = {
            "problem": lambda: case.design.problem.capacity,
            "metrics": lambda: _check_metric_functions(case),
            "architecture": lambda: _architecture(case, tmp),
        }
        design: dict[str, Any] = {}
        for key, fn in design_steps.items():
            info = step(key)
            tick(info.number, info.title)
            start = time.perf_counter()
            design[key] = fn()
            timings[key] = round(time.perf_counter() - start, 4)
        outputs = run_steps(case, ctx, on_step=tick)
        timings.update(outputs.timings)
        timings["total"] = round(sum(timings.values()), 4)

        _ladder_plot(case, ctx, outputs.records["models"])
        metrics, text = build_document(metrics_document(case, ctx, outputs.records, design["architecture"], timings))
        (tmp / "metrics.json").write_text(text)
        (tmp / SCHEMA_FILE).write_text(schema_text())
        (tmp / "design.json").write_text(case.design.model_dump_json(indent=2) + "\n")
        from framework.report import write_reports  # local: report imports matplotlib

        write_reports(case, metrics, tmp)
        if browser is not None:
            from framework.pdf import print_pdf

            tick(9, "printing report.pdf")
            print_pdf(tmp / "report.html", tmp / "report.pdf", browser)
    ctx.out_dir = out_dir
    return RunResult(out_dir, metrics, ctx, outputs)


def _ladder_plot(case: Case, ctx: RunContext, ladder: LadderResult) -> None:
    """The framework's own figure: every model on the primary metric, oracle marked."""
    from framework.plots import ladder_chart

    metrics = case.design.metrics
    primary, decision = metrics.primary_metric, metrics.decision_metric
    bound = "the dashed line is the oracle" if ladder.oracle else "real data: no oracle (no generator truth)"
    also = "" if decision.name == primary.name else f" and on the decision metric {decision.name}"
    caption = (
        f"Model ladder on {primary.name}{also}; each bar's 95% bootstrap interval on {decision.name} is that "
        "model's own: two bars' intervals may overlap while the paired comparison in the table (the same test "
        f"units for both models) still separates them; {bound}."
    )
    ladder_chart(ladder, primary, decision, ctx.add_plot(6, "model_ladder.png", caption))


def _check_metric_functions(case: Case) -> list[str]:
    missing = [m.function for m in case.design.metrics.offline if not hasattr(metric_functions, m.function)]
    if missing:
        raise RuntimeError(f"offline metric function(s) {missing} not in framework/metrics.py; add them there")
    return [m.name for m in case.design.metrics.offline]


def _architecture(case: Case, out: Path) -> dict[str, Any]:
    path, total = latency_budget(case.design.architecture)
    files = {}
    for view in VIEWS:
        files.update(
            {
                f"{view}.{fmt}": p
                for fmt, p in render(
                    case.design.architecture, case.design.title, out, view_stem("architecture", view), view
                ).items()
            }
        )
    return {"serving_path": path, "budget_ms": total, "files": sorted(p.name for p in files.values())}


def metrics_document(
    case: Case, ctx: RunContext[Any], records: dict[str, Any], architecture: dict[str, Any], timings: dict[str, float]
) -> dict[str, Any]:
    """The fields of ``metrics.json`` (validated into :class:`~framework.runmetrics.RunMetrics` by the caller)."""
    data: DataResult = records["data"]
    ladder: LadderResult = records["models"]
    testing: TestingResult = records["testing"]
    serving: ServingResult = records["deployment"]
    monitoring: MonitoringResult = records["monitoring"]
    primary = case.design.metrics.primary_metric
    measured = [testing.guardrails, serving.guardrails, monitoring.guardrails]
    guardrails = evaluate_guardrails(
        case.design.metrics.guardrails,
        {k: v for m in measured for k, v in m.values.items()},
        {k: v for m in measured for k, v in m.details.items()},
    )
    return {
        "case": case.name,
        "seed": ctx.seed,
        "scale": ctx.scale,
        "engine": ctx.engine.name,
        "data_source": "synthetic" if data.synthetic or ctx.data_path is None else ctx.data_path.name,
        "synthetic": data.synthetic,
        "primary_metric": primary.name,
        "higher_is_better": primary.higher_is_better,
        "decision_metric": ladder.decision_metric,
        "decision_higher_is_better": case.design.metrics.decision_metric.higher_is_better,
        "naive": ladder.naive,
        "baseline": ladder.baseline,
        "best_model": ladder.best,
        "oracle": ladder.oracle,
        "roles": {m.name: m.role for m in case.design.models.ladder if m.name in ladder.models},
        "models": ladder.models,
        "intervals": [c.model_dump() for c in ladder.comparisons],
        "climb": [c.model_dump() for c in ladder.climb],
        "spread": ladder.spread,
        "model_notes": ladder.notes,
        "timings_s": timings,
        "guardrails": [g.model_dump() for g in guardrails],
        "serving": {
            "p50_ms": serving.p50_ms,
            "p99_ms": serving.p99_ms,
            "sla_ms": serving.sla_ms,
            "requests": serving.requests,
            "within_sla": serving.p99_ms <= serving.sla_ms,
            **serving.extra,
        },
        "monitoring": {
            "scenario": monitoring.scenario,
            "alerts": [{**a.model_dump(), "message": a.message} for a in monitoring.alerts],
            "feature_drift": monitoring.feature_drift,
            "metric": monitoring.metric,
            "metric_before": monitoring.metric_before,
            "metric_after": monitoring.metric_after,
            "thresholds": monitoring.thresholds,
            **monitoring.extra,
        },
        "testing": {
            "behavioural_passed": sum(c.passed for c in testing.behavioural),
            "behavioural_total": len(testing.behavioural),
            "behavioural": [c.model_dump() for c in testing.behavioural],
            "slices": testing.slices,
            "ab_test": testing.ab_test,
            "ab_plan": testing.ab_plan.model_dump() if testing.ab_plan else None,
        },
        "features": records["features"].summary,
        "plots": [p.model_dump() for p in ctx.plots],
        "capacity": case.design.problem.capacity.model_dump(),
        "architecture": {
            "serving_path": architecture["serving_path"],
            "latency_budget_ms": architecture["budget_ms"],
        },
        "data": {
            **data.summary,
            # A case that leaves the training window on the workers counts its rows itself.
            "train_rows": int(data.summary.get("train_rows", len(data.train))),
            "test_rows": int(data.summary.get("test_rows", len(data.test))),
            "engine": ctx.engine.describe(),
            "engine_notes": list(ctx.notes),
        },
        "throughput": throughput(
            int(data.summary.get("batch_rows", len(data.train) + len(data.test))),
            timings.get("data", 0.0) + timings.get("features", 0.0),
            ctx.engine.cores,
            int(data.summary.get("batch_partitions", 1)) if ctx.engine.is_dask else 1,
            float(data.summary.get("batch_rows_per_day", case.design.problem.constraints.logged_events_per_day)),
            ctx.engine.name,
            ctx.scale,
            ctx.data_from_cache,
            str(data.summary.get("batch_rows_per_day_label", "logged events per day")),
        ),
        "config": ctx.config.model_dump(mode="json"),
    }


@contextmanager
def _progress(enabled: bool) -> Iterator[tuple[Callable[[int, str], None], Callable[[int, int], None]]]:
    """Yield ``tick(step number, title)`` and ``partitions(done, total)``; no-ops when disabled.

    One bar over the nine steps shows the current step; on Dask a second bar shows the
    partitions of the computation the step is waiting for.
    """
    if not enabled:
        yield (lambda _n, _title: None), (lambda _done, _total: None)
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=20), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        steps = bar.add_task("starting", total=len(STEPS))
        parts = bar.add_task("partitions", total=1, visible=False)

        def tick(number: int, title: str) -> None:
            bar.update(steps, description=f"[{number}/{len(STEPS)}] {title}", completed=number - 1)
            bar.update(parts, visible=False)

        def partitions(done: int, total: int) -> None:
            bar.update(parts, description=f"  partitions {done}/{total}", completed=done, total=total, visible=True)

        yield tick, partitions
