"""Spot-the-flaw drills: the case's real pipeline with one deliberate mistake switched on by the config."""

from framework.drills import Drill

DRILLS = [
    Drill(
        name="train-on-test",
        title="The model is refitted on a bigger data set",
        flaw={"train_on_test": True},
        watch="models.least_squares.mae",
        direction="lower",
        question="The stronger model's MAE improved after someone 'used all the data'. Ship it?",
        reveal="The test rows were added to the fit, so the model was scored on rows it had already seen: "
        "the error is optimistic. Keep the test window out of every fit and check row ids for overlap.",
    ),
    Drill(
        name="clean-test-labels",
        title="The test labels come from another pipeline",
        flaw={"clean_test_labels": True},
        watch="models.group_mean.mae",
        direction="lower",
        question="Every model got better at once, the baseline included. What changed?",
        reveal="The test labels are the noise-free target, not what production will observe, so every "
        "error shrinks. Make training and test labels come from the same pipeline and compare their "
        "distributions.",
    ),
    Drill(
        name="score-on-train",
        title="The evaluation reads another split",
        flaw={"score_on_train": True},
        watch="models.least_squares.mae",
        direction="lower",
        question="The report's MAE is lower than last week's with the same model. What do you check?",
        reveal="The metrics were computed on the training rows, where a fitted model is at its best. "
        "Check which split every reported number comes from.",
    ),
]
