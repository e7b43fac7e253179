"""The run summary a person reads in an 80-column terminal or a CI log: nothing cut, nothing wider than the width."""

from __future__ import annotations

import pytest

from framework.checks import session_for
from framework.registry import case_names, get_case
from framework.report import fmt
from framework.summary import ladder_lines


@pytest.mark.parametrize("case_name", case_names())
@pytest.mark.parametrize("width", [80, 60])
def test_every_model_and_metric_is_shown_whole_within_the_width(case_name, width):
    metrics = session_for(get_case(case_name)).run()
    lines = ladder_lines(metrics, width)
    assert max(len(line) for line in lines) <= width
    words = {w for line in lines for w in line.split()}
    assert set(metrics.models) <= words, "a model name was cut or dropped"
    first_metrics = {line.split()[0] for line in lines if line and not line.startswith(("metric", "*", " "))}
    assert set(next(iter(metrics.models.values()))) <= first_metrics, "a metric name was cut or dropped"
    for model, values in metrics.models.items():
        assert fmt(values[metrics.primary_metric]) in " ".join(lines), model
    assert f"deployed: {metrics.best_model}" in lines
    failed = metrics.failed_guardrails()
    tail = " ".join(lines[lines.index(f"deployed: {metrics.best_model}") + 1 :])
    assert all(name in tail for name in failed) and (not failed or "not shippable" in tail)


def test_a_wide_terminal_gets_one_block_a_narrow_one_several(toy_case, tmp_path):
    from framework.runner import run_case

    metrics = run_case(toy_case, out_dir=tmp_path / "toy", progress=False).metrics
    assert sum(line.startswith("metric") for line in ladder_lines(metrics, 200)) == 1
    assert sum(line.startswith("metric") for line in ladder_lines(metrics, 50)) >= 2


def test_a_failed_guardrail_is_named_under_the_deployed_model(toy_case, tmp_path):
    from framework.report import build_sections
    from framework.runner import run_case

    metrics = run_case(toy_case, out_dir=tmp_path / "toy", progress=False).metrics
    assert metrics.failed_guardrails() == []
    failing = [g.model_copy(update={"measured": 9.0, "passed": False}) for g in metrics.guardrails[:1]]
    broken = metrics.model_copy(update={"guardrails": failing + metrics.guardrails[1:]})
    lines = ladder_lines(broken, 60)
    assert max(map(len, lines)) <= 60
    assert "not shippable as run: fails " + failing[0].name in " ".join(lines)
    models_section = next(s for s in build_sections(toy_case, broken) if s.anchor == "step-6")
    assert any("Not shippable as run" in b for b in models_section.blocks if isinstance(b, str))


def test_an_xl_report_lists_every_knob_that_differs_from_large():
    from framework.config import build_config
    from framework.report import build_sections, to_markdown

    case = get_case("eta")
    metrics = session_for(case).run()
    xl = build_config(case.config_model, "xl").model_dump()
    as_xl = metrics.model_copy(update={"scale": "xl", "config": xl})
    text = to_markdown("eta", build_sections(case, as_xl))
    large = build_config(case.config_model, "large").model_dump()
    changed = [k for k in xl if xl[k] != large[k]]
    assert "block_km" in changed and "routing" in changed
    assert "What differs from `large`" in text
    for knob in changed:
        assert f"| {knob} | {fmt(large[knob])} | {fmt(xl[knob])} |" in text
    assert "What differs from `large`" not in to_markdown("eta", build_sections(case, metrics))  # small: no such table


def test_the_ab_headline_gives_the_size_the_test_enrols_and_what_sets_it():
    from framework.report import build_sections, to_markdown

    case = get_case("eta")
    metrics = session_for(case).run()
    plan, ab = metrics.testing.ab_plan, metrics.testing.ab_test
    assert plan["test_per_arm"] == ab["test_users_per_arm"] == max(plan["per_arm"], ab["reroute_users_per_arm"])
    text = to_markdown("eta", build_sections(case, metrics))
    headline = next(line for line in text.splitlines() if line.startswith("**A/B plan:**"))
    assert f"**{fmt(plan['test_per_arm'])} users per arm, {fmt(plan['days'])} days**" in headline
    if plan["test_per_arm"] > plan["per_arm"]:
        assert f"the primary metric alone needs {fmt(plan['per_arm'])} per arm" in headline
    assert ab["enrolled_users"] == 2 * plan["test_per_arm"]
