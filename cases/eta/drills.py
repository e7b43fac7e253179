"""Spot-the-flaw drills of the ETA case: the real pipeline with one deliberate mistake switched on."""

from framework.drills import Drill

DRILLS = [
    Drill(
        name="random-split",
        title="The probe records are split into train and test differently",
        flaw={"split": "random"},
        watch="models.historical_mean.trip_mae_s",
        direction="lower",
        question="The production lookup table's trip error dropped noticeably after a refactor of the data "
        "step. Nothing in the model changed. Do you believe the new number?",
        reveal="The records were split at random instead of by time, so the table averages probes from the "
        "test weeks, including the very jams and incidents the test trips drive through: the error falls "
        "because the answer leaked. Catch it by checking that every training interval precedes every test "
        "interval, and by asking why a model that did not change got better.",
    ),
    Drill(
        name="live-window-peeks",
        title="The live rung's recent-probe window is computed slightly differently",
        flaw={"live_lead_intervals": 1},
        watch="models.live_traffic.segment_mae_s",
        direction="lower",
        question="The live-traffic rung's segment error improved a lot after an indexing change. What do you "
        "check before shipping it?",
        reveal="The window now ends one interval later, so it includes probes from the query's own two "
        "minutes: the segment's answer is partly in its input, which cannot happen online. Catch it with a "
        "point-in-time test (a query at time t must not change when probes after t are added) and by "
        "replaying the feed in timestamp order.",
    ),
    Drill(
        name="drift-on-a-sample",
        title="The drift tests run on fewer rows",
        flaw={"drift_sample_rows": 300},
        watch="monitoring.no_drift_check.max_ks",
        direction="higher",
        question="In a week with no change to the roads, the KS statistic of the speed features jumped. Is "
        "traffic drifting?",
        reveal="The drift tests were run on a few hundred sampled rows per period, so the KS statistic is "
        "mostly sampling noise (it shrinks with the square root of the rows). Catch it by setting thresholds "
        "from the calm-period distribution at the same sample size, and by checking the error monitor, "
        "which did not move.",
    ),
]
