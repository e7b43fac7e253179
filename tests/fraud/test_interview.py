"""The fraud case's interview material: neutral drills and the rubric items the review asked for."""

from cases.fraud.drills import DRILLS
from cases.fraud.rubric import RUBRIC


def test_drill_names_and_titles_do_not_name_the_flaw():
    for drill in DRILLS:
        words = {w for key, value in drill.flaw.items() for w in [*key.split("_"), str(value)] if len(w) > 3}
        shown = f"{drill.name} {drill.title} {drill.question}".lower()
        assert not [w for w in words if w.lower() in shown], drill.name


def test_testing_scores_slices_and_behaviour_and_deployment_scores_latency_evidence():
    skills = {key: " ".join(item.skill.lower() for item in items) for key, items in RUBRIC.items()}
    assert "slices" in skills["testing"] and "behaviour" in skills["testing"]
    assert "latency evidence" in skills["deployment"]
    assert "sizes the scoring path" in skills["problem"]
    assert "gap to the best possible" in skills["models"]
