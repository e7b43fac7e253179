"""Spot-the-flaw drills of the music recommendation case: one deliberate mistake each, switched on by config."""

from framework.drills import Drill

DRILLS = [
    Drill(
        name="random-split",
        title="The held-out events are chosen differently",
        flaw={"split": "random"},
        watch="models.item_cf.ndcg_at_10",
        direction="higher",
        question="Item-CF's NDCG@10 went up with no change to the model. Would you ship on this number?",
        reveal="The log was split at random instead of by time: training now holds clicks from the same days as "
        "the test, including those of users who signed up late and of songs that took off late, so co-listening "
        "neighbours and histories already know the future. Offline NDCG rises while serving, which always "
        "predicts the future from the past, gets nothing of it. Catch it by checking that the latest training "
        "timestamp is before the earliest test timestamp, and by a split that asserts it.",
    ),
    Drill(
        name="leaky-popularity",
        title="The popularity baseline is counted over a different window",
        flaw={"popularity_window": "train_and_test"},
        watch="models.popularity.ndcg_at_10",
        direction="higher",
        question="The popularity baseline scores better than last time. What would you check first?",
        reveal="The popularity counts include the held-out window's clicks, so the baseline ranks songs by the "
        "very clicks it is scored on. A stronger baseline looks like a harder bar, which hides the leak. Catch "
        "it by computing every count from events strictly before the split time, and by a test that the "
        "baseline's score does not change when the held-out clicks are shuffled.",
    ),
    Drill(
        name="ks-on-categories",
        title="Monitoring compares the categorical features differently",
        flaw={"categorical_drift_test": "ks"},
        watch="monitoring.drift_feature_alerts",
        direction="higher",
        question="The drift window raises more feature alerts than last time. Which of them do you trust?",
        reveal="Genre, age group and the new-user and clicked flags are compared with a KS test on their codes, "
        "as if they were numbers. KS on codes depends on the arbitrary order of the categories (renumber the "
        "genres and the statistic changes), so its alerts are noise on top of the PSI over category shares "
        "that already fires. Catch it by declaring each feature's type and testing categories by their shares "
        "(PSI, chi-square), never KS.",
    ),
]
