"""The case report: the nine steps with this run's numbers, as report.md and report.html."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from framework.blocks import Section, to_html, to_markdown
from framework.case import Case
from framework.specs import STEP_TITLES

TEMPLATE_MAP: list[tuple[str, str, str]] = [
    # (this casebook's step, 9-step "system design" template, 7-step interview framework)
    ("1 Problem formulation", "Problem formulation", "Clarify requirements"),
    ("2 Metrics", "Metrics (offline and online)", "Frame as an ML task / metrics"),
    ("3 MVP architecture", "Architectural components (MVP)", "High-level design"),
    ("4 Data collection", "Data collection and preparation", "Data preparation"),
    ("5 Feature engineering", "Feature engineering", "Data preparation"),
    ("6 Model development", "Model development and offline evaluation", "Model development / evaluation"),
    ("7 Testing", "Online testing and deployment (A/B)", "Evaluation (online)"),
    ("8 Deployment", "Prediction service", "Deployment and serving"),
    ("9 Monitoring", "Scaling, monitoring, and updates", "Monitoring and infrastructure"),
]


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


def model_table(metrics: dict[str, Any], order: list[str]) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the model-ladder table, marking baseline and best."""
    models: dict[str, dict[str, float]] = metrics["models"]
    names = sorted(models, key=lambda n: order.index(n) if n in order else len(order))
    metric_names = list(next(iter(models.values())))
    tags = {
        metrics["naive"]: "naive",
        metrics["baseline"]: "baseline",
        metrics["best_model"]: "best",
        "oracle": "oracle",
    }
    rows = [[f"{n} ({tags[n]})" if n in tags else n, *(fmt(models[n][m]) for m in metric_names)] for n in names]
    return ["model", *metric_names], rows


def build_sections(case: Case, metrics: dict[str, Any]) -> list[Section]:
    """All report sections in step order, then appendices: a pure function of the design and metrics.json."""
    d = case.design
    sec = {n: Section(f"step-{n}", f"{n}. {STEP_TITLES[n][1]}") for n in STEP_TITLES}

    p = d.problem
    sec[1].p(f"**Business goal.** {p.business_goal}").p(f"**ML task.** {p.ml_task}")
    sec[1].table(["inputs", "outputs"], [["; ".join(p.inputs), "; ".join(p.outputs)]])
    sec[1].table(["constraint", "value"], [[k, fmt(v)] for k, v in p.constraints.model_dump().items()])
    sec[1].p("**Back-of-the-envelope capacity** (computed from the constraints):")
    sec[1].table(["quantity", "value"], [[k, fmt(v)] for k, v in p.capacity.model_dump().items()])
    sec[1].table(
        ["clarifying question", "assumed answer"], [[q.question, q.assumed_answer] for q in p.clarifying_questions]
    )
    sec[1].ul([f"Assumption: {a}" for a in p.assumptions])

    m = d.metrics
    sec[2].table(
        ["offline metric", "better", "definition", "code"],
        [
            [
                f"**{o.name}** (primary)" if o.name == m.primary else o.name,
                "higher" if o.higher_is_better else "lower",
                o.description,
                f"`framework.metrics.{o.function}`",
            ]
            for o in m.offline
        ],
    )
    sec[2].table(["online metric", "definition"], [[o.name, o.description] for o in m.online])
    sec[2].ul([f"Guardrail: {g}" for g in m.guardrails])

    arch = metrics["architecture"]
    sec[3].figure("architecture.svg", f"{d.title}: architecture generated from the spec (serving flows in bold).")
    sec[3].table(
        ["component", "kind", "group", "latency ms"],
        [[c.label, c.kind, c.group or "", fmt(c.latency_ms)] for c in d.architecture.components],
    )
    sla = p.constraints.latency_sla_ms
    sec[3].p(
        f"Serving path: {' -> '.join(arch['serving_path'])}. Latency budget {fmt(arch['latency_budget_ms'])} ms "
        f"against the {fmt(sla)} ms SLA ({'within' if arch['latency_budget_ms'] <= sla else 'OVER'} budget)."
    )

    dd = d.data
    sec[4].table(
        ["source", "description", "fields"], [[s.name, s.description, ", ".join(s.fields)] for s in dd.sources]
    )
    sec[4].p(f"**Generator.** {dd.generator}").p(f"**Real data.** {dd.real_data_format}").p(f"**Split.** {dd.split}")
    sec[4].ul([f"Cleaning: {c}" for c in dd.cleaning])
    sec[4].table(
        ["data (this run)", "value"], [[k, fmt(v)] for k, v in metrics["data"].items() if not isinstance(v, dict)]
    )

    sec[5].table(["feature", "description"], [[f.name, f.description] for f in d.features.features])
    sec[5].ul([f"Leakage guard: {g}" for g in d.features.leakage_guards])
    sec[5].table(["features (this run)", "value"], [[k, fmt(v)] for k, v in metrics["features"].items()])

    order = [x.name for x in d.models.ladder]
    sec[6].table(["model", "role", "description"], [[x.name, x.role, x.description] for x in d.models.ladder])
    headers, rows = model_table(metrics, order)
    sec[6].p(
        f"Held-out results (seed {metrics['seed']}, scale {metrics['scale']}); primary metric **{m.primary}** "
        f"({'higher' if metrics['higher_is_better'] else 'lower'} is better):"
    )
    sec[6].table(headers, rows)
    sec[6].ul([f"`{name}`: {note}" for name, note in metrics.get("model_notes", {}).items()])
    best, oracle = metrics["models"][metrics["best_model"]][m.primary], metrics["models"]["oracle"][m.primary]
    if oracle:
        sec[6].p(
            f"Best model **{metrics['best_model']}** reaches {fmt(best)} on {m.primary}; the oracle {fmt(oracle)} "
            f"(ratio best/oracle = {best / oracle:.3f})."
        )

    t = metrics["testing"]
    sec[7].table(
        ["behavioural test", "kind", "result", "detail"],
        [[c["name"], c["kind"], "pass" if c["passed"] else "FAIL", c["detail"]] for c in t["behavioural"]],
    )
    for slice_name, table in t["slices"].items():
        cols = list(next(iter(table.values()))) if table else []
        sec[7].p(f"Slice metrics by **{slice_name}**:")
        sec[7].table([slice_name, *cols], [[k, *(fmt(v[c]) for c in cols)] for k, v in table.items()])
    sec[7].p(f"**Online test plan.** {d.testing.online_test}")
    if t["ab_test"]:
        sec[7].table(["A/B", "value"], [[k, fmt(v)] for k, v in t["ab_test"].items()])

    s = metrics["serving"]
    sec[8].p(f"{d.deployment.description} Store: {d.deployment.store}.")
    sec[8].p(
        f"Measured over {fmt(s['requests'])} requests: p50 **{fmt(s['p50_ms'])} ms**, p99 **{fmt(s['p99_ms'])} ms** "
        f"against the {fmt(s['sla_ms'])} ms SLA ({'within' if s['within_sla'] else 'OVER'} SLA)."
    )

    mon = metrics["monitoring"]
    sec[9].p(f"**Injected drift:** {mon['scenario']}")
    sec[9].table(["feature", "PSI", "KS"], [[f, fmt(v["psi"]), fmt(v["ks"])] for f, v in mon["feature_drift"].items()])
    sec[9].p(
        f"{mon['metric']} of the deployed model: {fmt(mon['metric_before'])} before -> "
        f"{fmt(mon['metric_after'])} after the drift."
    )
    sec[9].ul([f"ALERT: {a}" for a in mon["alerts"]] or ["no alert"])
    sec[9].table(["threshold", "value"], [[k, fmt(v)] for k, v in mon["thresholds"].items()])

    for plot in metrics["plots"]:
        sec[plot["step"]].figure(plot["file"], plot["caption"])
    for n in STEP_TITLES:
        notes = getattr(d, STEP_TITLES[n][0])
        sec[n].ul([f"Trade-off: {x}" for x in getattr(notes, "tradeoffs", [])])

    appendix = Section("appendix", "Appendix: timings and templates")
    appendix.table(["step", "seconds"], [[k, fmt(v)] for k, v in metrics["timings_s"].items()])
    appendix.table(["this casebook", "9-step template", "7-step interview framework"], [list(r) for r in TEMPLATE_MAP])
    return [*sec.values(), appendix]


def write_reports(case: Case, metrics: dict[str, Any], out_dir: Path) -> None:
    """Write ``report.md`` and the self-contained ``report.html`` into ``out_dir``."""
    sections = build_sections(case, metrics)
    title = f"{case.design.title}: design report"
    (out_dir / "report.md").write_text(to_markdown(title, sections))
    (out_dir / "report.html").write_text(to_html(title, sections, out_dir))


def write_index(root: Path, runs: list[tuple[Case, dict[str, Any]]]) -> Path:
    """Write ``root/index.html`` linking every case's report with its headline numbers."""
    index = Section("cases", "Cases")
    rows = []
    for case, m in runs:
        primary = m["primary_metric"]
        link = f"[{case.design.title}]({case.name}/report.html)"
        rows.append(
            [
                link,
                primary,
                m["best_model"],
                fmt(m["models"][m["best_model"]][primary]),
                fmt(m["models"]["oracle"][primary]),
                fmt(m["serving"]["p99_ms"]),
            ]
        )
    index.table(["case", "primary metric", "best model", "best", "oracle", "serving p99 ms"], rows)
    path = root / "index.html"
    path.write_text(to_html("ML system-design casebook: reports", [index], root))
    return path
