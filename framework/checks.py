"""Generic conformance checks every case must pass; each failure says how to fix it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from framework import metrics as metric_functions
from framework.architecture import ArchitectureError, latency_budget
from framework.case import Case, CaseConfig
from framework.checks_interview import check_drills_declared, check_drills_move_numbers, check_rubric_complete
from framework.checksession import CheckFailed, CheckSession, fail
from framework.config import SCALES, build_config
from framework.errors import BadInput
from framework.results import DataResult
from framework.runmetrics import SCHEMA_FILE, RunMetrics, schema_text
from framework.steptable import STEP_KEYS

__all__ = ["CHECKS", "CheckFailed", "CheckSession", "session_for", "close_sessions"]

REPO_ROOT = Path(__file__).resolve().parent.parent
RUN_OUTPUTS = (
    "metrics.json",
    "report.md",
    "report.html",
    "design.json",
    "architecture.svg",
    "architecture.png",
    "architecture.dot",
)
SPEC_SECTIONS = STEP_KEYS
# What a case package may not import when it is discovered: --help, list, spec and diagram stay fast.
HEAVY_MODULES = ("numpy", "pandas", "scipy", "sklearn", "matplotlib")


def check_layout(s: CheckSession) -> None:
    """The case package follows the convention: __init__ exposes case, __main__ and design exist."""
    pkg = REPO_ROOT / "cases" / s.case.name
    for name in ("__init__.py", "__main__.py", "design.py"):
        if not (pkg / name).exists():
            raise fail(s.case, f"cases/{s.case.name}/{name} is missing", "add it (see cases/eta for the pattern)")
    if (REPO_ROOT / "diagrams" / "__init__.py").exists():
        raise fail(s.case, "diagrams/__init__.py exists and shadows the diagrams library", "delete it")


def check_design_complete(s: CheckSession) -> None:
    """All nine steps are specified, metrics exist in framework.metrics, the architecture is valid and fits the SLA."""
    d = s.case.design
    if d.name != s.case.name:
        raise fail(s.case, f"design.name is {d.name!r}", f"set CaseDesign(name={s.case.name!r})")
    for section in SPEC_SECTIONS:
        if not getattr(d, section).model_dump(exclude_defaults=False):
            raise fail(s.case, f"design step {section!r} is empty", "fill it in design.py")
    if not d.problem.clarifying_questions or not d.problem.assumptions:
        raise fail(s.case, "problem spec has no clarifying questions or assumptions", "list them in ProblemSpec")
    for m in d.metrics.offline:
        if not callable(getattr(metric_functions, m.function, None)):
            raise fail(
                s.case,
                f"metric {m.name!r} names framework.metrics.{m.function}, which does not exist",
                "implement it in framework/metrics.py with a test",
            )
    try:
        _, budget = latency_budget(d.architecture)
    except ArchitectureError as exc:
        raise fail(s.case, f"architecture invalid: {exc}", "fix the components/flows in design.py") from None
    sla = d.problem.constraints.latency_sla_ms
    if budget > sla:
        raise fail(
            s.case,
            f"serving-path latency budget {budget} ms exceeds the {sla} ms SLA",
            "lower component latencies on the serving path or revisit the architecture",
        )


def check_interview_notes(s: CheckSession) -> None:
    """Every step has talking points, a trade-off and 2-3 follow-up questions for the walkthrough."""
    for key in SPEC_SECTIONS:
        notes = getattr(s.case.design, key)
        if not notes.talking_points or not notes.tradeoffs:
            raise fail(
                s.case,
                f"design step {key!r} lacks talking points or trade-offs",
                f"fill talking_points=[...] and tradeoffs=[...] of the {key} spec in design.py",
            )
        if not 2 <= len(notes.follow_ups) <= 3:
            raise fail(
                s.case,
                f"design step {key!r} has {len(notes.follow_ups)} follow-up questions",
                f"give the {key} spec 2-3 FollowUp(question=..., answer=...) entries in design.py",
            )


def check_config_scales(s: CheckSession) -> None:
    """Every scale preset builds a valid config, xl is larger than large, and an unknown key is rejected."""
    for scale in SCALES:
        try:
            build_config(s.case.config_model, scale)
        except BadInput as exc:
            raise fail(s.case, f"scale {scale!r} preset is invalid: {exc}", "fix scales in the case config") from None
    xl = s.case.config_model.scales.get("xl")
    if not xl:
        raise fail(s.case, "no xl preset", "add scales['xl']: 10-100x large, generated in blocks for --engine dask")
    large, biggest = (build_config(s.case.config_model, name).estimated_peak_bytes() for name in ("large", "xl"))
    if biggest <= large:
        raise fail(
            s.case,
            f"the xl preset is not larger than large (estimated peak {biggest:,} <= {large:,} bytes)",
            "scale the xl preset's size knobs up and let estimated_peak_bytes() count them",
        )
    try:
        build_config(s.case.config_model, "default", ["no_such_key=1"])
    except BadInput:
        return
    raise fail(s.case, "an unknown --set key was accepted", "derive the config from framework.case.CaseConfig")


def _has_upper_bound(info: Any) -> bool:
    return any(getattr(m, "le", None) is not None or getattr(m, "lt", None) is not None for m in info.metadata)


def check_config_bounded(s: CheckSession) -> None:
    """Every numeric config knob has an upper bound, so no --set value can ask for terabytes or hang."""
    model = s.case.config_model
    if model.model_config.get("allow_inf_nan", True):
        raise fail(s.case, "the config accepts inf and nan", "derive it from framework.case.CaseConfig")
    for name, info in model.model_fields.items():
        kind = info.annotation
        numeric = kind in (int, float) or kind in (int | None, float | None)
        if numeric and not _has_upper_bound(info):
            raise fail(
                s.case,
                f"config field {name!r} has no upper bound",
                f"declare {name}: ... = Field(default, ..., le=<largest value the pipeline handles>)",
            )
    if model.estimated_peak_bytes is CaseConfig.estimated_peak_bytes or not model.size_keys:
        raise fail(
            s.case,
            "the config has no memory estimate",
            "override estimated_peak_bytes() and list the size knobs in size_keys",
        )
    big = build_config(model, "large")
    if not 0 < big.estimated_peak_bytes() < 64 * 2**30:
        raise fail(s.case, "the large preset's memory estimate is not plausible", "calibrate estimated_peak_bytes()")


def _frames_equal(a: DataResult, b: DataResult) -> bool:
    return a.train.equals(b.train) and a.test.equals(b.test)


def check_data_deterministic(s: CheckSession) -> None:
    """Same seed gives identical data; another seed gives different data."""
    a, b = s.data(0), s.data(0, cached=False)
    if not _frames_equal(a, b):
        raise fail(s.case, "the same seed produced different data", "draw every random number from ctx.rng(name)")
    if _frames_equal(a, s.data(1)):
        raise fail(s.case, "seeds 0 and 1 produced identical data", "seed the generator from ctx.rng(name)")


def check_split_no_leakage(s: CheckSession) -> None:
    """Test rows are strictly later than train rows, and no row id is in both splits."""
    d = s.data(0)
    if len(d.train) == 0 or len(d.test) == 0:
        raise fail(s.case, "train or test split is empty", "check the split fractions in the data step")
    if d.time_column is not None and d.train[d.time_column].max() >= d.test[d.time_column].min():
        raise fail(
            s.case,
            f"train rows reach into the test window on {d.time_column!r}",
            "split by time: every train row must be earlier than every test row",
        )
    if d.id_column is not None and not set(d.train[d.id_column]).isdisjoint(d.test[d.id_column]):
        raise fail(s.case, f"ids in column {d.id_column!r} appear in both splits", "split on whole entities or time")


def check_metrics_complete(s: CheckSession) -> None:
    """metrics.json has naive, baseline, best and oracle models, each with every offline metric, all finite."""
    m = s.run()
    names = [x.name for x in s.case.design.metrics.offline]
    for role, model in (("naive", m.naive), ("baseline", m.baseline), ("best_model", m.best_model)):
        if model not in m.models:
            raise fail(s.case, f"{role} model {model!r} not in metrics.json models", "score it in the models step")
    if m.synthetic and (m.oracle is None or m.oracle not in m.models):
        raise fail(s.case, "no oracle in metrics.json of a synthetic run", "score the generator's truth as the oracle")
    for model, values in m.models.items():
        missing = [n for n in names if n not in values]
        if missing:
            raise fail(s.case, f"model {model!r} lacks metrics {missing}", "compute every offline metric per model")
        unexplained = {k: v for k, v in values.items() if v is None and f"models.{model}.{k}" not in m.nulls}
        if unexplained:
            raise fail(
                s.case,
                f"model {model!r} has metrics {unexplained} without a reason",
                "guard divisions and empty slices",
            )


def check_step_wiring(s: CheckSession) -> None:
    """Every step's declared inputs are produced by an earlier step, and each returns its record."""
    from framework.pipeline import WiringError, wire

    try:
        wire(s.case)
    except WiringError as exc:
        raise fail(
            s.case, str(exc), "annotate each step's parameters and return value with the types it uses"
        ) from None


def check_lazy_import(s: CheckSession) -> None:
    """Importing the case package imports no numeric library, so --help, list, spec and diagram start fast."""
    code = (
        f"import sys, cases.{s.case.name} as c; c.case.design; "
        f"print(' '.join(m for m in {HEAVY_MODULES!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    loaded = done.stdout.split()
    if done.returncode != 0 or loaded:
        raise fail(
            s.case,
            f"importing cases.{s.case.name} imports {loaded or done.stderr.strip()[-200:]}",
            'import numeric libraries only in step modules, and give Case(steps="cases.<name>.steps:STEPS")',
        )


def check_run_outputs(s: CheckSession) -> None:
    """`run --scale small` writes every output the design lists."""
    s.run()
    out = s.workdir / "run-a"
    missing = [f for f in RUN_OUTPUTS if not (out / f).is_file() or (out / f).stat().st_size == 0]
    if missing:
        raise fail(s.case, f"run did not write {missing}", "let framework.runner write them; do not bypass it")
    leftovers = [p.name for p in s.workdir.iterdir() if p.name.startswith((".casebook-tmp-", ".casebook-lock-"))]
    if leftovers:
        raise fail(s.case, f"staging folders left behind: {leftovers}", "runner._staging must clean up")


def check_same_seed_same_metrics(s: CheckSession) -> None:
    """Two runs with the same seed give identical model metrics."""
    a, b = s.run("a"), s.run("b")
    if a.models != b.models or a.best_model != b.best_model:
        raise fail(
            s.case,
            "two runs with seed 0 gave different model metrics",
            "seed every model (random_state from ctx.rng) and avoid set/dict-order dependence",
        )


def check_dot_stable(s: CheckSession) -> None:
    """The diagram source is deterministic and the committed diagrams/ files of both views are up to date."""
    from framework.mermaid import to_mermaid
    from framework.render import VIEWS, dot_source, view_stem

    spec, title = s.case.design.architecture, s.case.design.title
    for view in VIEWS:
        first = dot_source(spec, title, view)
        if first != dot_source(spec, title, view):
            raise fail(
                s.case, f"{view} dot source differs between two renders", "use stable node ids in framework.render"
            )
        stem = view_stem(s.case.name, view)
        for name, text in ((f"{stem}.dot", first), (f"{stem}.mmd", to_mermaid(spec, title, view))):
            committed = REPO_ROOT / "diagrams" / name
            if not committed.exists() or committed.read_text() != text:
                raise fail(
                    s.case,
                    f"diagrams/{name} is missing or stale",
                    "run `python -m framework diagrams` and commit diagrams/",
                )


def check_metrics_json_schema(s: CheckSession) -> None:
    """metrics.json validates against RunMetrics, and the schema written next to it is the generated one."""
    s.run()
    out = s.workdir / "run-a"
    try:
        RunMetrics.model_validate_json((out / "metrics.json").read_text())
    except ValueError as exc:
        raise fail(s.case, f"metrics.json does not follow RunMetrics: {exc}", "build it in framework.runner") from None
    written = out / SCHEMA_FILE
    if not written.is_file() or written.read_text() != schema_text():
        raise fail(s.case, f"{SCHEMA_FILE} is missing or not RunMetrics' schema", "let framework.runner write it")


# How much better than the oracle a model may look before the oracle is no bound: float noise only.
ORACLE_TOLERANCE = 1e-9


def check_oracle_is_a_bound(s: CheckSession) -> None:
    """No model beats the oracle on the primary metric (the oracle is the best prediction under that metric)."""
    m = s.run()
    if m.oracle is None:
        return
    bound = m.metric(m.oracle)
    sign = 1 if m.higher_is_better else -1
    for model in m.models:
        value = m.metric(model)
        if model == m.oracle or value is None or bound is None:
            continue
        if sign * (value - bound) > ORACLE_TOLERANCE * max(1.0, abs(bound)):
            raise fail(
                s.case,
                f"{model} scores {value:.6g} on {m.primary_metric}, better than the oracle's {bound:.6g}",
                "make the oracle the best possible prediction under the metric that scores it "
                "(conditional median for MAE, the true probability ranking for AP/NDCG)",
            )


def check_deployed_is_best_or_tied(s: CheckSession) -> None:
    """The deployed model is the best on the decision metric, or tied with every better one within its interval."""
    m = s.run()
    sign = 1 if m.decision_higher_is_better else -1
    for c in m.intervals:
        if c.versus != m.best_model:
            problem = f"interval {c.model} vs {c.versus} is not against the deployed model"
            raise fail(s.case, problem, "use framework.ladder.build_ladder")
        if c.difference is not None and sign * c.difference > 0 and not c.tie:
            raise fail(
                s.case,
                f"{c.model} is better than the deployed {m.best_model} on {c.metric} beyond its interval",
                "let framework.ladder.build_ladder choose the deployed model",
            )


def check_guardrails_evaluated(s: CheckSession) -> None:
    """Every guardrail of the design is measured on this run and has a verdict."""
    m = s.run()
    missing = [g.name for g in m.guardrails if g.measured is None or g.passed is None]
    if missing:
        raise fail(
            s.case,
            f"guardrail(s) {missing} are not measured on this run",
            "report each in the guardrails= Measured(values={name: value}) of the step that measures it",
        )


def check_notes_are_templates(s: CheckSession) -> None:
    """Every number in talking points, trade-offs and follow-ups is a template field filled from this run."""
    from framework.prose import ProseError, context, fill_notes, literal_numbers, note_texts

    m = s.run()
    values = context(m, s.case.design)
    for key in SPEC_SECTIONS:
        notes = getattr(s.case.design, key)
        for text in note_texts(notes):
            found = literal_numbers(text)
            if found:
                raise fail(
                    s.case,
                    f"design step {key!r} writes the number(s) {found} into {text[:50]!r}",
                    "name the figure as a field, e.g. {best[average_precision]:.3f} or {config[delay_days]}",
                )
        try:
            fill_notes(notes, values)
        except ProseError as exc:
            raise fail(s.case, f"design step {key!r}: {exc}", "use fields of metrics.json (see framework.prose)")


def check_ab_plan_is_sound(s: CheckSession) -> None:
    """The A/B plan is sized from a chosen effect, runs whole weeks, and any simulation uses the sized sample."""
    plan = s.run().testing.ab_plan
    if plan is None:
        raise fail(s.case, "the testing step returns no ab_plan", "return TestingResult(ab_plan=AbPlan(...))")
    if plan.get("days", 0) < 7:
        raise fail(s.case, f"the A/B test runs {plan.get('days')} days", "run at least one full weekly cycle")
    simulated = plan.get("simulated_per_arm")
    if simulated is not None and simulated < plan["per_arm"]:
        raise fail(
            s.case,
            f"the A/B simulation uses {simulated} units per arm but the plan sizes {plan['per_arm']}",
            "simulate the sized sample, or say why the generator cannot and drop the simulation",
        )


def check_categorical_drift_without_ks(s: CheckSession) -> None:
    """Categorical inputs are compared by category shares (PSI, chi-square), never by the KS statistic."""
    m = s.run()
    categorical = {f.name for f in s.case.design.features.features if f.kind == "categorical"}
    for column, stats in m.monitoring.feature_drift.items():
        if column.split(":")[-1].strip() in categorical and "ks" in stats:
            raise fail(
                s.case,
                f"categorical column {column!r} is monitored with KS",
                "pass it to framework.drift.drift_table(..., categorical=[...])",
            )


_SESSIONS: dict[str, CheckSession] = {}


def close_sessions() -> None:
    """Delete the work folders of every process-wide session (call once, at the end)."""
    for session in _SESSIONS.values():
        session.close()
    _SESSIONS.clear()


def session_for(case: Case) -> CheckSession:
    """The process-wide session of ``case``, so every test shares its small-scale runs."""
    if case.name not in _SESSIONS:
        _SESSIONS[case.name] = CheckSession(case)
    return _SESSIONS[case.name]


CHECKS: list[Callable[[CheckSession], None]] = [
    check_layout,
    check_lazy_import,
    check_step_wiring,
    check_design_complete,
    check_interview_notes,
    check_config_scales,
    check_config_bounded,
    check_data_deterministic,
    check_split_no_leakage,
    check_metrics_complete,
    check_oracle_is_a_bound,
    check_deployed_is_best_or_tied,
    check_guardrails_evaluated,
    check_ab_plan_is_sound,
    check_categorical_drift_without_ks,
    check_notes_are_templates,
    check_metrics_json_schema,
    check_run_outputs,
    check_same_seed_same_metrics,
    check_dot_stable,
    check_rubric_complete,
    check_drills_declared,
    check_drills_move_numbers,
]
