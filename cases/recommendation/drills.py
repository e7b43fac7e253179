"""Spot-the-flaw drills of the music recommendation case: one deliberate mistake each, switched on by config."""

from framework.drills import Drill

DRILLS = [
    Drill(
        name="after-refactor",
        title="Something in the data or the evaluation changed. Compare with the walk.",
        flaw={"split": "random"},
        watch="models.item_cf.ndcg_at_10",
        direction="higher",
        question="The team wants to ship on this run's numbers. Would you? What would you check before you sign "
        "off, and in what order?",
        reveal="The log was split at random instead of by time: training holds clicks from the same days as the "
        "held-out ones, so co-listening neighbours and user histories already contain part of the period being "
        "predicted. Item-CF's NDCG@10 rises with no change to the model. The table does not show a better model: "
        "the held-out clicks themselves changed, which is why the oracle's and random's scores move too, so the "
        "two runs are not scored on the same set and the flawed number cannot be compared with the clean one. "
        "Serving always predicts the future from the past; only a time split measures that. Catch it by "
        "checking that the latest training timestamp is before the earliest held-out one, and by a split that "
        "asserts it.",
    ),
    Drill(
        name="monday-report",
        title="Something in the data or the evaluation changed. Look at Step 6.",
        flaw={"popularity_window": "train_and_test"},
        watch="models.popularity.ndcg_at_10",
        direction="higher",
        question="This run's ladder goes into the Monday report. Is every rung measured the way it should be? "
        "What would you check first?",
        reveal="The popularity counts include the held-out window's clicks, so the baseline ranks songs partly "
        "by the clicks it is scored on. At this scale the move is small, and it is not all in one direction: "
        "NDCG@10 and MAP@10 of the baseline rise while its recall and hit rate dip. The size of the move is no guide; "
        "a baseline computed from the future is wrong whatever it scores, and it shifts the bar every "
        "personalised model is compared with. Catch it by computing every count from events strictly before "
        "the split time, and by a test that the baseline's list does not change when the held-out clicks are "
        "shuffled or dropped.",
    ),
    Drill(
        name="new-dashboard",
        title="Something in monitoring changed. Look at Step 9.",
        flaw={"categorical_drift_test": "ks"},
        watch="monitoring.drift_feature_alerts",
        direction="higher",
        question="The drift window raises more feature alerts than in the walk. Which of them do you trust, and "
        "what would you check before acting on them?",
        reveal="Genre, age group and the new-user and clicked flags are compared by their integer codes as if "
        "they were numbers (KS, and PSI on quantile bins of the codes), instead of by their category shares. "
        "That is where the extra alerts come from. A statistic on codes depends on the arbitrary order of the "
        "categories (renumber the genres and it changes), so those alerts say nothing a share-based test can "
        "be trusted for. Catch it by declaring each feature's type and testing categories by their shares "
        "(PSI over shares, chi-square), never KS.",
    ),
]
