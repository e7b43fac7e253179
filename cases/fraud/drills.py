"""Spot-the-flaw drills of the fraud case: the real pipeline with one deliberate mistake switched on."""

from framework.drills import Drill

DRILLS = [
    Drill(
        name="risk-without-delay",
        title="The terminal-risk features are computed a little differently.",
        flaw={"terminal_risk_delay_days": 0},
        watch="models.logistic_regression.average_precision",
        direction="higher",
        question="Look at the logistic regression's average precision and recall at the false-positive limit, "
        "and at how close it comes to the oracle. Would you ship it? What would you check first?",
        reveal="The terminal windows end at the transaction instead of one label delay earlier, so a "
        "terminal's fraud share counts labels that investigators have not produced yet: the feature reads "
        "the answer. Offline the model looks close to the oracle; online those labels do not exist and it "
        "falls back to far worse. Catch it by asking, for every feature, when each of its inputs becomes "
        "known, by replaying features from the logged state as of the scoring time, and by distrusting any "
        "jump that brings a model near the oracle.",
    ),
    Drill(
        name="threshold-on-test",
        title="The alert threshold is chosen somewhere else.",
        flaw={"threshold_window": "test"},
        watch="models.logistic_regression.expected_cost",
        direction="lower",
        question="These expected costs go to the business as next week's fraud losses plus review costs. "
        "Would you sign them off? What would you ask about how each cost was obtained?",
        reveal="The threshold is picked by cost on the test window itself, so the reported cost is the best "
        "cost in hindsight, not what a threshold fixed in advance achieves: the ranking metrics do not move "
        "while the cost does. Catch it by checking that nothing the test window decides (thresholds, policy, "
        "calibration, model choice) was tuned on it: choose on a validation window before it and report the "
        "gap to the test-tuned optimum as the price of choosing honestly.",
    ),
    Drill(
        name="random-split",
        title="Training and test rows are assigned differently.",
        flaw={"split_mode": "random"},
        watch="models.logistic_regression.average_precision",
        direction="higher",
        question="Are these average precisions and recalls a fair estimate of next week's performance? "
        "What would you check before trusting them?",
        reveal="Rows of the train-to-test span are shuffled into train and test: the same cards and "
        "compromised terminals sit on both sides, there is no label-delay gap, and the model is scored on "
        "days it was fitted on, so it recognises this week's fraudsters instead of finding next week's. "
        "Catch it by checking the day ranges of the train and test windows, the gap between them and how "
        "many test cards also appear in training.",
    ),
]
