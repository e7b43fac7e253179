"""What an interviewer scores at each design step (the walk's practice and interviewer modes show it).

Replace these generic items with ones specific to the case: what a strong answer covers at
each step, a hint that points at it, green flags by level and a concrete red flag.
"""

from framework.notes import RubricItem


def _item(skill: str, hint: str, mid: str, senior: str, staff: str, red_flag: str) -> RubricItem:
    return RubricItem(skill=skill, hint=hint, mid=mid, senior=senior, staff=staff, red_flag=red_flag)


RUBRIC: dict[str, list[RubricItem]] = {
    "problem": [
        _item(
            "States what is predicted, for whom, and what success means for the business",
            "What exactly comes out of the model, and who acts on it?",
            "Names the target and the consumer of the prediction.",
            "Ties the prediction to a business metric and to what a wrong answer costs.",
            "Asks whether a model is needed at all, and what the simplest rule would achieve.",
            "Starts choosing models before the target is defined.",
        ),
        _item(
            "Sizes the traffic and the data from the constraints",
            "How many requests a second at peak, and how much is logged a day?",
            "Derives average and peak QPS from daily users.",
            "Sizes storage and retention and says which one drives the cost.",
            "Says which number would change the architecture if it were ten times larger.",
            "Gives no numbers, or numbers with no derivation.",
        ),
    ],
    "metrics": [
        _item(
            "Chooses an offline metric that matches the cost of errors",
            "Do large errors cost more than small ones?",
            "Picks MAE or RMSE and says why.",
            "Adds a tail metric and a guardrail next to the primary one.",
            "Links the offline metric to the online one and says where they can disagree.",
            "Reports accuracy or R-squared alone.",
        ),
        _item(
            "Defines online metrics and guardrails before the launch",
            "What would make you roll back a model that wins offline?",
            "Names one online metric.",
            "Names guardrails with limits, measured per arm.",
            "Decides which metric is the launch criterion and who owns it.",
            "Has no guardrail.",
        ),
    ],
    "architecture": [
        _item(
            "Draws the serving path and the training loop",
            "Where does a request go, and where do labels come back?",
            "Draws request -> service -> model -> response.",
            "Adds the feature store, logging and the retraining loop.",
            "Puts a latency budget on every hop against the SLA.",
            "No path for labels back into training.",
        ),
        _item(
            "Plans for failure",
            "What answers when the model service is down?",
            "Mentions a fallback.",
            "Names the fallback's quality cost and how it is triggered.",
            "Plans a failover drill and an error budget.",
            "A single point of failure on the request path.",
        ),
    ],
    "data": [
        _item(
            "Knows where labels come from and when they arrive",
            "How late is the label, and who produces it?",
            "Names the label source.",
            "Splits by time and respects the label delay.",
            "Plans for label bias from the system's own decisions.",
            "Random split of time-ordered data.",
        ),
        _item(
            "Cleans and validates the data",
            "What bad rows would you expect?",
            "Lists missing and invalid values.",
            "Counts what each rule removes and alerts when it moves.",
            "Makes the checks a contract between producer and consumer.",
            "Silently drops rows.",
        ),
    ],
    "features": [
        _item(
            "Builds features without leakage",
            "Which statistics may be computed on which rows?",
            "Fits scaling on the training rows only.",
            "Uses the same code offline and online.",
            "Tests point-in-time correctness of every feature.",
            "Uses information from after the prediction time.",
        ),
        _item(
            "Handles categories and unseen values",
            "What happens to a group the model has never seen?",
            "One-hot encodes the category.",
            "Gives unseen values a defined encoding and monitors their share.",
            "Weighs target encoding against its leakage risk.",
            "Crashes or guesses on an unseen value.",
        ),
    ],
    "models": [
        _item(
            "Climbs a ladder from a naive model to a stronger one",
            "What does the simplest possible model score?",
            "Starts with a baseline.",
            "Compares each step with an interval and keeps the simpler model on a tie.",
            "Knows the best possible score (an oracle) and how far the model is from it.",
            "Jumps to the most complex model without a baseline.",
        ),
        _item(
            "Chooses the model on a decision metric with uncertainty",
            "Is the gain larger than the noise?",
            "Reports the test metric.",
            "Uses a paired bootstrap on the same test rows.",
            "Keeps a validation window separate from the final test.",
            "Picks on a difference inside the noise.",
        ),
    ],
    "testing": [
        _item(
            "Tests the model's behaviour, not only its score",
            "What should never happen, whatever the score?",
            "Adds a minimum functionality test.",
            "Adds invariance and directional tests, and slices.",
            "Makes failing tests block the release, with an explicit waiver.",
            "Only looks at the average metric.",
        ),
        _item(
            "Plans the online test",
            "How many users, for how long, to see the effect you care about?",
            "Proposes an A/B test.",
            "Sizes it from a minimum detectable effect chosen in advance.",
            "Handles repeated units with a design effect and runs whole weeks.",
            "Sizes the test from the effect it observed.",
        ),
    ],
    "deployment": [
        _item(
            "Measures the serving path",
            "What is the p99, and where is the time spent?",
            "Gives a latency number.",
            "Measures p50 and p99 under realistic requests.",
            "Budgets each hop and load-tests the peak.",
            "Quotes an average latency only.",
        ),
        _item(
            "Rolls out safely",
            "How do you ship without breaking everyone?",
            "Mentions a canary.",
            "Shadow, canary, ramp, with rollback criteria.",
            "Versions the model and the features together.",
            "Replaces the model for all users at once.",
        ),
    ],
    "monitoring": [
        _item(
            "Monitors inputs, outputs and the metric",
            "What tells you the model got worse before the labels arrive?",
            "Monitors the error once labels arrive.",
            "Monitors input drift with tests that fit each data type.",
            "Sets thresholds from a calm period's noise.",
            "Monitors nothing until users complain.",
        ),
        _item(
            "Acts on an alert",
            "An alert fired: what happens next?",
            "Retrains.",
            "Diagnoses first: data bug, drift or seasonality.",
            "Has a runbook and an owner for each alert.",
            "Retrains blindly on broken data.",
        ),
    ],
}
