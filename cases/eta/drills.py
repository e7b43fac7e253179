"""Spot-the-flaw drills of the ETA case: the real pipeline with one deliberate mistake switched on."""

from framework.drills import Drill

DRILLS = [
    Drill(
        name="after-refactor",
        title="A run after a refactor",
        flaw={"split": "random"},
        watch="models.historical_mean.trip_mae_s",
        direction="lower",
        question="This run came out after a refactor of the pipeline; the model code did not change. Compare it "
        "with the walk. Would you report these numbers? What would you check first?",
        reveal="The records were split at random instead of by time, so the historical table averages probes "
        "from the test weeks, including the jams and incidents the test trips drive through. The numbers show "
        "the production lookup table's trip error falling with no change to the model: the answer leaked into "
        "the table. Catch it by checking that every training interval precedes every test interval, and by "
        "asking why a model that did not change got better.",
    ),
    Drill(
        name="new-pipeline",
        title="A run from a rewritten feature pipeline",
        flaw={"live_lead_intervals": 1},
        watch="models.live_traffic.segment_mae_s",
        direction="lower",
        question="A rewritten feature pipeline was merged and this is its first run. Compare it with the walk. "
        "Would you sign off on it? What would you check before you do, and in what order?",
        reveal="The live rung's window of recent probes now ends one interval later, so it includes probes from "
        "the query's own two minutes: the segment's answer is partly in its input, which cannot happen online. "
        "The numbers show the live rung's segment error falling while the tables it is built on did not move. "
        "Catch it with a point-in-time test (a query at time t must not change when probes after t are added) "
        "and by replaying the feed in timestamp order.",
    ),
    Drill(
        name="monday-report",
        title="The monitoring report from a rewritten monitoring job",
        flaw={"drift_sample_rows": 300},
        watch="monitoring.no_drift_check.max_ks",
        direction="higher",
        question="The monitoring job was rewritten to run cheaper. Here is its first run, with the largest KS "
        "statistic of the control week in which nothing changed on the roads. Would you let this job page "
        "people? What would you check first?",
        reveal="The drift tests now see 300 sampled rows per period instead of every row. With nothing changed "
        "on the roads, the control week's largest KS statistic is about an order of magnitude above the "
        "full-data value printed below: that is sampling noise, which shrinks with the square root of the rows. "
        "At 300 rows a side the 95% critical value of a two-sample KS test is about 0.11 (1.36 x sqrt(2/300)), "
        "above the 0.1 alert threshold: the threshold now sits inside the noise, so calm weeks will sometimes "
        "alert and a drift on a few segments can hide in the sample. This run's control week stayed under 0.1, "
        "so it did not alert; the flaw is the threshold no longer matching the noise floor. Set thresholds from "
        "the calm-period distribution at the sample size actually used, and keep the error monitor beside it.",
    ),
]
