"""The fraud design's notes are templates: no literal figure, every field filled from the run."""

from __future__ import annotations

from cases.fraud.design import DESIGN
from framework.prose import literal_numbers, note_texts
from framework.steptable import STEP_KEYS


def test_notes_write_no_literal_numbers():
    found = {key: [t[:60] for t in note_texts(getattr(DESIGN, key)) if literal_numbers(t)] for key in STEP_KEYS}
    assert not {k: v for k, v in found.items() if v}


def test_standbys_are_off_the_printed_serving_path():
    from framework.architecture import latency_budget

    standby = {c.id for c in DESIGN.architecture.components if c.standby}
    assert {"feature_store_replica", "scorer_b", "features_b"} <= standby
    path, budget = latency_budget(DESIGN.architecture)
    assert path[:2] == ["feature_store_primary", "scorer_a"] and not standby & set(path)
    assert budget <= DESIGN.problem.constraints.latency_sla_ms


def test_scoring_guardrail_is_the_scoring_share_of_the_architecture():
    scoring = next(g for g in DESIGN.metrics.guardrails if g.name == "scoring_p99_ms")
    share = sum(DESIGN.architecture.component(c).latency_ms for c in ("feature_store_primary", "scorer_a"))
    assert scoring.limit == share < DESIGN.problem.constraints.latency_sla_ms
