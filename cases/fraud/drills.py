"""Spot-the-flaw drills of the fraud case: the real pipeline with one deliberate mistake switched on."""

from framework.drills import Drill

# Both runs of a drill are at scale small (seed 0): their numbers differ from the walk's default scale.
_SCALE_NOTE = "Both runs of this drill are at scale small, so their numbers differ from the walk's."

DRILLS = [
    Drill(
        name="after-refactor",
        title="A refactor landed last week. Compare with the walk; look at Step 6.",
        flaw={"terminal_risk_delay_days": 0},
        watch="models.logistic_regression.average_precision",
        direction="higher",
        question="The team wants to ship the deployed model from this run. Would you? What would you check "
        "before you sign off, and in what order? " + _SCALE_NOTE,
        reveal="The terminal windows end at the transaction instead of one label delay earlier, so a "
        "terminal's fraud share counts labels that investigators have not produced yet: the feature reads "
        "the answer. The ranking metrics of the logistic regression jump (average precision and recall at 1% FPR far "
        "above the clean run's, next to the tree's); its own expected cost "
        "falls too, yet the deployed model's cost ends up close to the clean run's deployed model and still "
        "several times the oracle's, so 'the cost did not improve much' is no proof that nothing leaks. The "
        "flaw also flips the deployed model from tree_ensemble (clean) to logistic_regression. This drill does "
        "not score the leaky model on point-in-time features, which is what production would feed it; that "
        "replay is the check to run. Catch it by asking, for every feature, when each of its inputs becomes "
        "known, by replaying features from the logged state as of the scoring time, and by comparing every "
        "rung with the oracle: a jump that brings a model near it on ranking is suspect. " + _SCALE_NOTE,
    ),
    Drill(
        name="monday-report",
        title="The weekly cost report for the business. Look at Step 6.",
        flaw={"threshold_window": "test"},
        watch="models.logistic_regression.expected_cost",
        direction="lower",
        question="These expected costs go to the business as next week's fraud losses plus review costs. "
        "Would you sign them off? What would you ask about how each cost was obtained? " + _SCALE_NOTE,
        reveal="The threshold is picked by cost on the test window itself, so the reported cost is the best "
        "cost in hindsight, not what a threshold fixed in advance achieves: the ranking metrics do not move "
        "while the cost does. Catch it by checking that nothing the test window decides (thresholds, policy, "
        "calibration, model choice) was tuned on it: choose on a validation window before it and report the "
        "gap to the test-tuned optimum as the price of choosing honestly.",
    ),
    Drill(
        name="new-pipeline",
        title="A new pipeline produced these numbers. Compare with the walk; look at Step 6.",
        flaw={"split_mode": "random"},
        watch="models.logistic_regression.average_precision",
        direction="higher",
        question="Are these average precisions and recalls a fair estimate of next week's performance? "
        "What would you check before trusting them? " + _SCALE_NOTE,
        reveal="Rows of the train-to-test span are shuffled into train and test: the same cards and "
        "compromised terminals sit on both sides, there is no label-delay gap, and the model is scored on "
        "days it was fitted on, so it recognises this week's fraudsters instead of finding next week's. "
        "Catch it by checking the day ranges of the train and test windows, the gap between them and how "
        "many test cards also appear in training.",
    ),
]
