"""The one table of the nine design steps: number, key, title, interview budget, prompt and template mapping."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One of the nine steps of the design template.

    Attributes:
        number: 1-9, the order of the template.
        key: the id used everywhere else: the ``CaseDesign`` field, the ``CaseSteps`` slot
            (steps 4-9), the ``timings_s`` key and the report section.
        title: the heading shown in reports and the walkthrough.
        budget_min: minutes of the interview's design part; most time on the problem, models and architecture.
        prompt: what the interviewer asks at this step; the case's design and run are the answer.
        nine_step: the matching step of the 9-step "system design" template.
        seven_step: the matching step of the 7-step interview framework.
        executable: whether the case runs a function for it (steps 1-3 are the design, data only).
    """

    number: int
    key: str
    title: str
    budget_min: int
    prompt: str
    nine_step: str
    seven_step: str
    executable: bool


STEPS: tuple[Step, ...] = (
    Step(
        1,
        "problem",
        "Problem formulation",
        4,
        "Clarify the problem: what is the business goal, what exactly do we predict, for whom, under which "
        "latency and scale constraints? Estimate QPS and storage.",
        "Problem formulation",
        "Clarify requirements",
        False,
    ),
    Step(
        2,
        "metrics",
        "Metrics",
        4,
        "How do you measure success offline and online? Which metric is primary, and what are the guardrails?",
        "Metrics (offline and online)",
        "Frame as an ML task / metrics",
        False,
    ),
    Step(
        3,
        "architecture",
        "MVP architecture",
        6,
        "Sketch the MVP architecture: data flow from sources to the app, the online request path and its "
        "latency budget.",
        "Architectural components (MVP)",
        "High-level design",
        False,
    ),
    Step(
        4,
        "data",
        "Data collection",
        4,
        "Where does the training data come from, how do you clean it and how do you split it?",
        "Data collection and preparation",
        "Data preparation",
        True,
    ),
    Step(
        5,
        "features",
        "Feature engineering",
        4,
        "Which features do you build, and how do you make sure none of them leaks the future?",
        "Feature engineering",
        "Data preparation",
        True,
    ),
    Step(
        6,
        "models",
        "Model development",
        6,
        "Walk me through your models from the simplest to the strongest. How far are you from the best possible?",
        "Model development and offline evaluation",
        "Model development / evaluation",
        True,
    ),
    Step(
        7,
        "testing",
        "Testing",
        3,
        "Before shipping: how do you test the model's behaviour, which slices do you check, how do you run the "
        "online test?",
        "Online testing and deployment (A/B)",
        "Evaluation (online)",
        True,
    ),
    Step(
        8,
        "deployment",
        "Deployment",
        3,
        "How is the model served, and does it meet the latency SLA?",
        "Prediction service",
        "Deployment and serving",
        True,
    ),
    Step(
        9,
        "monitoring",
        "Monitoring",
        2,
        "What can go wrong after launch, how would you notice, and when would you alert?",
        "Scaling, monitoring, and updates",
        "Monitoring and infrastructure",
        True,
    ),
)

# A 45-minute interview: an opening (introductions, the question, first scoping), the nine steps,
# and the candidate's own questions at the end.
OPENING_MIN = 4
QUESTIONS_MIN = 5
INTERVIEW_MIN = OPENING_MIN + sum(s.budget_min for s in STEPS) + QUESTIONS_MIN

STEP_KEYS: tuple[str, ...] = tuple(s.key for s in STEPS)
EXECUTABLE_KEYS: tuple[str, ...] = tuple(s.key for s in STEPS if s.executable)


def step(ref: int | str) -> Step:
    """The step with this number (1-9) or key (``"data"``).

    Raises:
        KeyError: naming the unknown reference and the valid ones.
    """
    for s in STEPS:
        if ref in (s.number, s.key):
            return s
    raise KeyError(f"no step {ref!r}: steps are 1-9 or {', '.join(STEP_KEYS)}")
