"""The case report: the nine steps with this run's numbers, as report.md and report.html."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from framework.blocks import Section, to_html, to_markdown
from framework.case import Case
from framework.config import build_config
from framework.prose import context, fill, fill_notes
from framework.runmetrics import Interval, RunMetrics
from framework.steptable import STEPS
from framework.throughput import throughput_rows


def fmt(value: Any) -> str:
    """Format a value for a report: 4 significant digits, thousands separators, dicts and lists flattened."""
    if isinstance(value, dict):
        return "; ".join(f"{k} {fmt(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(fmt(v) for v in value)
    if value is None:  # a metric this run could not compute; metrics.json says why under "nulls"
        return "n/a"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int) or (abs(value) >= 1000 and float(value).is_integer()):
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


_UNIT_SUFFIXES = {"_s": " (s)", "_ms": " (ms)", "_gb": " (GB)", "_pct": " (%)"}


def human(key: str) -> str:
    """A metrics key as a person reads it: ``mae_s`` -> ``mae (s)``, ``met_eta_share`` -> ``met eta share``."""
    for suffix, shown in _UNIT_SUFFIXES.items():
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)].replace("_", " ") + shown
    return key.replace("_", " ")


def model_tags(metrics: RunMetrics) -> dict[str, str]:
    """The roles shown next to each model name (naive, baseline, deployed, oracle), joined when one model has two."""
    roles = [*metrics.roles.items()] or [(metrics.naive, "naive"), (metrics.baseline, "baseline")]
    roles.append((metrics.best_model, "deployed"))
    if metrics.oracle and metrics.oracle not in metrics.roles:
        roles.append((metrics.oracle, "oracle"))
    tags: dict[str, str] = {}
    for model, role in roles:
        tags[model] = f"{tags[model]}, {role}" if model in tags else role
    return tags


def model_table(metrics: RunMetrics) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the model-ladder table (models in ladder order), marking the roles.

    The last column is each candidate's 95% bootstrap interval on the decision metric (the
    oracle has none: it is a bound, not an estimate).
    """
    tags = model_tags(metrics)
    metric_names = list(next(iter(metrics.models.values())))
    rows = [
        [
            f"{n} ({tags[n]})" if n in tags else n,
            *(fmt(values[m]) for m in metric_names),
            f"[{fmt(metrics.spread[n][0])}, {fmt(metrics.spread[n][1])}]" if n in metrics.spread else "",
        ]
        for n, values in metrics.models.items()
    ]
    return ["model", *metric_names, f"{metrics.decision_metric} 95% interval"], rows


def build_sections(case: Case, metrics: RunMetrics, *, follow_ups: bool = True) -> list[Section]:
    """All report sections in step order, then appendices: a pure function of the design and metrics.json.

    Args:
        case: the case.
        metrics: this run's document.
        follow_ups: list each step's likely follow-up questions (the walkthrough shows them its own way).
    """
    d = case.design
    sec = {s.number: Section(f"step-{s.number}", f"{s.number}. {s.title}") for s in STEPS}

    p = d.problem
    sec[1].p(f"**Business goal.** {p.business_goal}").p(f"**ML task.** {p.ml_task}")
    sec[1].table(["inputs", "outputs"], [["; ".join(p.inputs), "; ".join(p.outputs)]])
    sec[1].table(["constraint", "value"], [[k, fmt(v)] for k, v in p.constraints.model_dump().items()])
    sec[1].p("**Back-of-the-envelope capacity** (computed from the constraints):")
    sec[1].table(["quantity", "value"], [[k, fmt(v)] for k, v in metrics.capacity.items()])
    if metrics.throughput:
        sec[1].p(
            "**Measured throughput and the cluster it extrapolates to** (an extrapolation from this run at "
            f"{metrics.throughput['scale']} scale, assuming throughput grows linearly with worker threads). Timed: "
            "steps 4 and 5, which generate (or read) and clean the rows and compute features and aggregations; "
            "not timed: the training fit, scoring and publishing. Linear growth holds for the partition-wise "
            "work and is optimistic for shuffles:"
        )
        sec[1].table(["quantity", "value"], throughput_rows(metrics.throughput))
    sec[1].table(
        ["clarifying question", "assumed answer"], [[q.question, q.assumed_answer] for q in p.clarifying_questions]
    )
    sec[1].ul([f"Assumption: {a}" for a in p.assumptions])

    m = d.metrics
    sec[2].table(
        ["offline metric", "better", "definition"],
        [
            [
                o.name
                + "".join(f" ({r})" for r, n in (("primary", m.primary), ("decision", m.decision)) if n == o.name),
                "higher" if o.higher_is_better else "lower",
                o.description,
            ]
            for o in m.offline
        ],
    )
    sec[2].table(["online metric", "definition"], [[o.name, o.description] for o in m.online])
    sec[2].p("**Guardrails**, each measured on this run:")
    sec[2].table(
        ["guardrail", "limit", "measured", "verdict", "how"],
        [
            [
                g.description,
                f"{'<=' if g.at_most else '>='} {_amount(g.limit, g.unit)}",
                "not measured" if g.measured is None else _amount(g.measured, g.unit),
                "n/a" if g.passed is None else "pass" if g.passed else "FAIL",
                g.detail,
            ]
            for g in metrics.guardrails
        ],
    )

    arch = metrics.architecture
    sec[3].figure(
        "architecture-whiteboard.svg",
        f"{d.title}, whiteboard view: the request path numbered 1, 2, 3 and the offline loop A, B, C, "
        "drawn from the same spec as the full view below (click a diagram to open it full size).",
    )
    sec[3].figure(
        "architecture.svg", f"{d.title}: every component, high availability included (serving flows in bold)."
    )
    sec[3].table(
        ["component", "kind", "group", "latency ms"],
        [[" ".join(c.label.split()), c.kind, c.group or "", fmt(c.latency_ms)] for c in d.architecture.components],
    )
    sla = p.constraints.latency_sla_ms
    sec[3].p(
        f"Request path: {' -> '.join(reversed(arch.serving_path))} (the answer flows back the same way). "
        f"Latency budget {fmt(arch.latency_budget_ms)} ms "
        f"against the {fmt(sla)} ms SLA ({'within' if arch.latency_budget_ms <= sla else 'OVER'} budget)."
    )

    dd = d.data
    sec[4].table(
        ["source", "description", "fields"], [[s.name, s.description, ", ".join(s.fields)] for s in dd.sources]
    )
    split = fill(dd.split, context(metrics, d))  # may quote this run's split (its shares, its dates)
    sec[4].p(f"**Generator.** {dd.generator}").p(f"**Real data.** {dd.real_data_format}").p(f"**Split.** {split}")
    sec[4].ul([f"Cleaning: {c}" for c in dd.cleaning])
    sec[4].table(
        ["data (this run)", "value"],
        [[k, fmt(v)] for k, v in metrics.data.items() if not isinstance(v, dict) and k not in _SHOWN_ELSEWHERE],
    )
    _columns_read(sec[4], metrics.data)
    _engine_notes(sec[4], metrics.data)
    _differs_from_large(case, metrics, sec[4])

    sec[5].table(["feature", "description"], [[f.name, f.description] for f in d.features.features])
    sec[5].ul([f"Leakage guard: {g}" for g in d.features.leakage_guards])
    sec[5].table(["features (this run)", "value"], [[k, fmt(v)] for k, v in metrics.features.items()])

    _models_section(sec[6], case, metrics)

    t = metrics.testing
    sec[7].table(
        ["behavioural test", "kind", "result", "detail"],
        [[c.name, c.kind, "pass" if c.passed else "FAIL", c.detail] for c in t.behavioural],
    )
    for slice_name, table in t.slices.items():
        cols = list(next(iter(table.values()))) if table else []
        sec[7].p(f"Slice: **{human(slice_name)}**")
        sec[7].table(
            [human(slice_name), *map(human, cols)],
            [[human(str(k)), *(fmt(v[c]) for c in cols)] for k, v in table.items()],
        )
    sec[7].p(f"**Online test plan.** {d.testing.online_test}")
    if t.ab_plan:
        plan = t.ab_plan
        effect = plan["minimum_detectable_effect"]
        shown = f"{effect:.1%} (relative)" if plan["relative"] else f"{fmt(effect)} (absolute)"
        sec[7].p(
            f"**A/B plan:** {plan['treatment']} against {plan['control']} (what runs today) on {plan['metric']}, "
            f"randomised by {plan['unit']}; minimum detectable effect "
            f"{shown} chosen before the test; "
            f"alpha {fmt(plan['alpha'])}, power {fmt(plan['power'])}, design effect {fmt(plan['design_effect'])}: "
            + _test_size(plan)
            + (
                f"; the simulation below uses {fmt(plan['simulated_per_arm'])} per arm"
                + (" (the primary metric's size)." if (plan.get("test_per_arm") or 0) > plan["per_arm"] else ".")
                if plan.get("simulated_per_arm") is not None
                else "."
            )
        )
    if t.ab_test:
        sec[7].table(["A/B", "value"], [[human(k), fmt(v)] for k, v in t.ab_test.items()])

    s = metrics.serving
    sec[8].p(f"{d.deployment.description} Store: {d.deployment.store}.")
    sec[8].p(
        f"Measured over {fmt(s.requests)} requests: p50 **{fmt(s.p50_ms)} ms**, p99 **{fmt(s.p99_ms)} ms** "
        f"against the {fmt(s.sla_ms)} ms SLA ({'within' if s.within_sla else 'OVER'} SLA)."
        + _latency_guardrails_failed(metrics)
    )
    for line in (s.model_extra or {}).get("report_lines", []):  # a case's own serving figures (e.g. city routes)
        sec[8].p(line)

    mon = metrics.monitoring
    sec[9].p(f"**Injected drift:** {mon.scenario}")
    sec[9].table(
        ["feature", "PSI", "KS (numeric)", "chi-square p (categorical)"],
        [
            [
                f,
                fmt(v.get("psi")),
                fmt(v["ks"]) if "ks" in v else "-",
                fmt(v["chi2_pvalue"]) if "chi2_pvalue" in v else "-",
            ]
            for f, v in mon.feature_drift.items()
        ],
    )
    sec[9].p(
        f"{mon.metric} of the deployed model: {fmt(mon.metric_before)} before -> "
        f"{fmt(mon.metric_after)} after the drift."
    )
    sec[9].ul([f"ALERT: {a.message}" for a in mon.alerts] or ["no alert"])
    sec[9].table(["threshold", "value"], [[human(k), fmt(v)] for k, v in mon.thresholds.items()])

    for plot in metrics.plots:
        sec[plot.step].figure(plot.file, plot.caption)
    values = context(metrics, d)
    for info in STEPS:
        notes = fill_notes(getattr(d, info.key), values)
        sec[info.number].ul([f"Trade-off: {x}" for x in notes.tradeoffs])
        if follow_ups:
            sec[info.number].ul([f"**Follow-up: {f.question}** {f.answer}" for f in notes.follow_ups])

    appendix = Section("appendix", "Appendix: timings and templates")
    appendix.table(["step", "seconds"], [[k, fmt(v)] for k, v in metrics.timings_s.items()])
    appendix.table(
        ["this casebook", "9-step template", "7-step interview framework"],
        [[f"{s.number} {s.title}", s.nine_step, s.seven_step] for s in STEPS],
    )
    return [*sec.values(), appendix]


def _test_size(plan: dict[str, Any]) -> str:
    """The plan's headline size: the size the test enrols, and the primary metric's when a guardrail needs more."""
    unit, days, primary = plan["unit"], fmt(plan["days"]), plan["per_arm"]
    enrolled = plan.get("test_per_arm") or primary
    if enrolled <= primary:
        return f"**{fmt(primary)} {unit}s per arm, {days} days**"
    return (
        f"**{fmt(enrolled)} {unit}s per arm, {days} days**, the size {plan.get('test_size_set_by') or 'a guardrail'} "
        f"needs (the primary metric alone needs {fmt(primary)} per arm)"
    )


def _latency_guardrails_failed(metrics: RunMetrics) -> str:
    """A sentence for each latency guardrail this run fails, so "within SLA" never stands next to a failure."""
    failed = [g for g in metrics.guardrails if g.unit == "ms" and g.passed is False]
    return "".join(
        f" The {g.name.replace('_', ' ')} guardrail fails, though: {fmt(g.measured)} ms against its "
        f"{fmt(g.limit)} ms limit ({g.description})."
        for g in failed
    )


def _differs_from_large(case: Case, metrics: RunMetrics, section: Section) -> None:
    """At xl, every knob whose value differs from the large preset's: what changes besides the size."""
    if metrics.scale != "xl" or not metrics.config:
        return
    large = build_config(case.config_model, "large").model_dump()
    rows = [[k, fmt(large[k]), fmt(v)] for k, v in metrics.config.items() if k in large and large[k] != v]
    if rows:
        section.p("**What differs from `large`** (every config value of this run that is not large's):")
        section.table(["knob", "large", "this run (xl)"], rows)


def _columns_read(section: Section, data: dict[str, Any]) -> None:
    """Which column of a ``--data`` file played which role, and which columns were left out."""
    columns = data.get("columns")
    if not columns:
        return
    section.p(f"**Columns read** from {data.get('file', 'the data file')} ({data.get('format', 'as sniffed')}):")
    section.table(["role", "column"], [[role, str(column)] for role, column in columns.items()])
    ignored = data.get("ignored_columns") or []
    section.p(f"Ignored columns: {', '.join(map(str, ignored))}." if ignored else "No column was ignored.")


# Data fields the report shows in their own paragraph, not in the data table.
_SHOWN_ELSEWHERE = {"engine", "engine_notes", "batch_rows_per_day_label"}


def _engine_notes(section: Section, data: dict[str, Any]) -> None:
    """Where the batch steps ran, and what the run said about its data (cache reused, windows collected)."""
    engine = data.get("engine") or {}
    if not engine:
        return
    if engine.get("name") == "pandas":
        section.p("**Engine.** Every step ran on pandas in this process.")
    else:
        scheduler = engine.get("scheduler")
        where = "a LocalCluster on this machine" if scheduler == "local" else f"the cluster of scheduler {scheduler}"
        section.p(
            f"**Engine.** Steps 4 and 5 (generation, cleaning, features and aggregations) ran on Dask: {where} "
            f"({engine.get('workers')} worker processes, {engine.get('threads')} threads). Models were fitted, "
            "tested, served and monitored in this process on the rows collected below, except where a step "
            "says it scored on the workers."
        )
    section.ul([str(note) for note in data.get("engine_notes") or []])


def _models_section(sec: Section, case: Case, metrics: RunMetrics) -> None:
    """Step 6: the ladder, every model's numbers, how the deployed model was chosen, the gap to the oracle."""
    d = case.design
    primary = metrics.primary_metric
    sec.table(["model", "role", "description"], [[x.name, x.role, x.description] for x in d.models.ladder])
    headers, rows = model_table(metrics)
    sec.p(
        f"Held-out results (seed {metrics.seed}, scale {metrics.scale}, engine {metrics.engine}); "
        f"primary metric **{primary}** "
        f"({'higher' if metrics.higher_is_better else 'lower'} is better):"
    )
    sec.table(headers, rows)
    sec.ul([f"`{name}`: {note}" for name, note in metrics.model_notes.items()])
    decision = metrics.decision_metric
    sec.p(
        f"**Deployed model: {metrics.best_model}**, chosen on **{decision}** "
        f"({'higher' if metrics.decision_higher_is_better else 'lower'} is better). Each row compares a candidate "
        "with it on the same test units (paired bootstrap, 95% interval); an interval containing 0 is a tie, "
        "and a tie goes to the simpler model."
    )
    failed = metrics.failed_guardrails()
    if failed:
        sec.p(
            f"**Not shippable as run:** at the operating point scored here it fails the guardrail(s) "
            f"{', '.join(failed)} (step 2); the ladder ranks models, and the launch decision is made with the "
            "guardrails in step 7."
        )
    sec.table(
        ["candidate", f"{decision} difference", "95% interval", "verdict"],
        [
            [
                f"{c.model} - {c.versus}",
                fmt(c.difference),
                f"[{fmt(c.low)}, {fmt(c.high)}]",
                _verdict(c, metrics),
            ]
            for c in metrics.intervals
        ],
    )
    if metrics.climb:
        sec.p(f"Each rung against the one below it on **{decision}** (paired bootstrap, 95% interval):")
        sec.table(
            ["step up the ladder", f"{decision} difference", "95% interval", "verdict"],
            [
                [f"{c.model} - {c.versus}", fmt(c.difference), f"[{fmt(c.low)}, {fmt(c.high)}]", _verdict(c, metrics)]
                for c in metrics.climb
            ],
        )
    best, oracle = metrics.metric(metrics.best_model), metrics.metric(metrics.oracle) if metrics.oracle else None
    if best is not None and oracle:
        sec.p(
            f"Deployed model **{metrics.best_model}** reaches {fmt(best)} on {primary}; the oracle {fmt(oracle)} "
            f"(ratio deployed/oracle = {best / oracle:.3f})."
        )


def _amount(value: float, unit: str) -> str:
    """A guardrail figure as a person reads it: shares as percentages, ratios as multiples."""
    if unit.startswith("share"):
        rest = unit.removeprefix("share").strip()
        return f"{value:.2%}" + (f" {rest}" if rest else "")
    if unit == "ratio":
        return f"{fmt(value)}x"
    return f"{fmt(value)} {unit}"


def _verdict(c: Interval, metrics: RunMetrics) -> str:
    """tie (interval contains 0), better or worse for ``c.model`` than ``c.versus`` on the decision metric."""
    if c.tie:
        return "tie"
    return "better" if (c.difference or 0) * (1 if metrics.decision_higher_is_better else -1) > 0 else "worse"


def write_reports(case: Case, metrics: RunMetrics, out_dir: Path) -> None:
    """Write ``report.md`` and the self-contained ``report.html`` into ``out_dir``."""
    sections = build_sections(case, metrics)
    title = f"{case.design.title}: design report"
    (out_dir / "report.md").write_text(to_markdown(title, sections))
    (out_dir / "report.html").write_text(to_html(title, sections, out_dir))


def write_index(root: Path, runs: list[tuple[Case, RunMetrics]], folders: dict[str, Path] | None = None) -> Path:
    """Write ``root/index.html``: per case its whiteboard thumbnail, the primary-metric ladder and serving p99.

    Args:
        root: the folder of the index; each case's report is linked as ``<case>/report.html``.
        runs: every case with its metrics.
        folders: each case's run folder, to read its whiteboard picture from (default ``root/<case>``).
    """
    sections = []
    overview = Section("cases", "Cases")
    rows = []
    for case, m in runs:
        link = f"{case.name}/report.html"
        oracle = m.metric(m.oracle) if m.oracle else None
        rows.append(
            [
                f"[{case.design.title}]({link})",
                m.primary_metric,
                m.best_model,
                fmt(m.metric(m.best_model)),
                fmt(oracle),
                fmt(m.serving.p99_ms),
            ]
        )
    overview.table(["case", "primary metric", "deployed model", "deployed", "oracle", "serving p99 ms"], rows)
    sections.append(overview)
    for case, m in runs:
        link = f"{case.name}/report.html"
        section = Section(case.name, case.design.title)
        picture = (folders or {}).get(case.name, root / case.name) / "architecture-whiteboard.png"
        if picture.is_file():
            section.figure(str(picture.resolve()), f"{case.design.title}: whiteboard view (opens the report)", link)
        tags = model_tags(m)
        direction = "higher is better" if m.higher_is_better else "lower is better"
        section.p(f"Model ladder on **{m.primary_metric}** ({direction}); [full report]({link}).")
        section.table(
            ["model", m.primary_metric, ""],
            [[name, fmt(values.get(m.primary_metric)), tags.get(name, "")] for name, values in m.models.items()],
        )
        s = m.serving
        section.p(f"Serving: p50 {fmt(s.p50_ms)} ms, p99 {fmt(s.p99_ms)} ms against a {fmt(s.sla_ms)} ms SLA.")
        sections.append(section)
    path = root / "index.html"
    path.write_text(to_html("ML system-design casebook: reports", sections, root))
    return path
