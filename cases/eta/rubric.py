"""What an interviewer scores at each design step of the ETA case (the rubric walk and practice modes show)."""

from framework.notes import RubricItem

RUBRIC: dict[str, list[RubricItem]] = {
    "problem": [
        RubricItem(
            skill="Scopes the task: ETA of a given route, not routing itself",
            hint="Who chooses the route, and does your model change that choice?",
            mid="Asks whether routing exists and predicts the ETA of the route it returns.",
            senior="Frames it as per-segment travel times summed time-dependently along the route.",
            staff="Names the feedback loop: ETAs steer routing, routing moves traffic, traffic becomes the "
            "next training data.",
            red_flag="Jumps to a model that maps origin and destination straight to a time, with no road graph.",
        ),
        RubricItem(
            skill="Sizes the request volume and the data before designing",
            hint="How many ETA requests a second at peak, and what is a logged event?",
            mid="Derives average and peak QPS from daily users and requests per user.",
            senior="Separates raw GPS pings from the aggregates the model trains on and sizes each.",
            staff="Sets retention by use: raw pings briefly for re-map-matching, aggregates for a year.",
            red_flag="Keeps a year of raw pings without saying what they are for.",
        ),
        RubricItem(
            skill="States the cost of being late versus early",
            hint="Does a driver mind a late arrival as much as an early one?",
            mid="Asks whether errors are symmetric and assumes so for the first version.",
            senior="Says the asymmetry picks a quantile of the arrival time, not the mean.",
            staff="Derives the served quantile from the costs, c_late / (c_late + c_early) (this run's late-to-early "
            "ratio is {config[late_cost_ratio]:g}), says a sum of segment means is not that trip quantile so the "
            "trip ETA needs its own calibration, and turns the ratio into an A/B arm once product sets it.",
            red_flag="Never asks; treats any regression loss as interchangeable.",
        ),
    ],
    "metrics": [
        RubricItem(
            skill="Picks a trip-level primary metric and says why MAE",
            hint="The driver sees one number per trip; what error of that number do you report?",
            mid="Uses trip MAE in seconds against the actual arrival.",
            senior="Adds MAPE so short and long trips compare, and a tail error for the bad trips.",
            staff="Reports error by trip length and hour so the headline cannot hide a failing slice.",
            red_flag="Reports only segment-level RMSE and calls it the ETA's accuracy.",
        ),
        RubricItem(
            skill="Defines an online metric that the treatment cannot bias",
            hint="Which trips do you score online, and could the new ETA change which trips those are?",
            mid="Scores arrival error of navigations against the promised time.",
            senior="Scores every started navigation (intention to treat), not only those that kept the route.",
            staff="Checks the arms stay balanced on reroutes and abandonment before reading accuracy.",
            red_flag="Scores only completed trips that kept the route and compares the arms on them.",
        ),
        RubricItem(
            skill="Sets guardrails that can actually fail",
            hint="What would make you roll back even if the error went down?",
            mid="Names latency as a guardrail with a limit.",
            senior="Adds behavioural guardrails: reroute rate, cancellations, bias per hour.",
            staff="Separates validity checks (hard rules on the table) from guardrails with tolerances.",
            red_flag="Lists only guardrails that cannot fail in practice (a microbenchmark far under its budget, a "
            "validity rule on the table) and none with a tolerance on behaviour or bias.",
        ),
    ],
    "architecture": [
        RubricItem(
            skill="Draws one consistent request path with a latency budget",
            hint="Walk one request from the app to the answer: which hops does it touch?",
            mid="Draws app, load balancer, backend and the table with a budget per hop.",
            senior="Keeps the table in router memory and the store off the request path.",
            staff="Sizes routing cost at region scale (settled edges per query) and plans a speed-up hierarchy.",
            red_flag="A diagram whose request path contradicts the text (a store hop the text says is not there).",
        ),
        RubricItem(
            skill="Shows the data flows for the label and for live traffic",
            hint="Where does the actual arrival time come from, and how do recent probes reach the router?",
            mid="Logs predictions and actuals for monitoring.",
            senior="Adds a navigation-event log joined into trip labels.",
            staff="Adds a streaming aggregator feeding live ratios to the routers, with its own failure mode.",
            red_flag="An online metric with no pipeline that produces its label.",
        ),
    ],
    "data": [
        RubricItem(
            skill="Splits by time and says why",
            hint="If a jam happened on Tuesday of the test week, may the model have seen it?",
            mid="Trains on earlier weeks and tests on a later one.",
            senior="Keeps a validation window for tuning, separate from the test window.",
            staff="Evaluates over several rolling origins and names holidays and events as separate risks.",
            red_flag="A random row split across weeks.",
        ),
        RubricItem(
            skill="Knows where the probes are biased",
            hint="Whose phones produce your training data, and when?",
            mid="Cleans invalid speeds, nulls and duplicates and reports how many.",
            senior="Notes sparse keys at night and on local roads and shrinks them toward free flow.",
            staff="Names probe selection bias (app users only) and new or edited roads as cold starts.",
            red_flag="Treats probe coverage as complete.",
        ),
    ],
    "features": [
        RubricItem(
            skill="Computes aggregates without leaking the target",
            hint="A training row's history feature: which weeks is it averaged over?",
            mid="Fits aggregates on the training window only.",
            senior="Computes them out of fold by week for the training rows themselves.",
            staff="Serves the same aggregates from the same code path online, versioned with the model.",
            red_flag="Target-encodes each row with an average that includes the row itself.",
        ),
        RubricItem(
            skill="Uses recent traffic point in time",
            hint="At the moment of the query, which probes exist?",
            mid="Adds a live slowdown from the last minutes of probes.",
            senior="Reads only probes strictly before the query and shrinks sparse windows toward history.",
            staff="Tunes the window and shrinkage on a validation week and monitors feed freshness.",
            red_flag="A live window that includes the query's own interval.",
        ),
    ],
    "models": [
        RubricItem(
            skill="Climbs a ladder of baselines before the model",
            hint="What does production run today, and what would a lookup table score?",
            mid="Compares the model with free flow and the historical mean.",
            senior="Adds a live rung and an oracle (the conditional median given every incident) as a bound on what "
            "is learnable, not a noise-free answer; on real data, estimates the irreducible error from repeat trips "
            "on the same route and hour.",
            staff="Reads the slices where the model loses (congestion, night) and picks the next rung from them.",
            red_flag="Only one model, with no baseline.",
        ),
        RubricItem(
            skill="Matches the loss to the metric",
            hint="Your metric is trip MAE; what does a squared-error segment model predict?",
            mid="Knows squared error predicts a mean and absolute error a median.",
            senior="Notes that a sum of segment medians is not the trip median.",
            staff="Proposes trip-level fine-tuning or quantile training and says how to test it.",
            red_flag="Claims the served ETA is the median without checking.",
        ),
        RubricItem(
            skill="Compares models with paired uncertainty",
            hint="Two intervals overlap; does that make it a tie?",
            mid="Gives a confidence interval for each model.",
            senior="Uses paired differences on the same trips.",
            staff="Resamples by day or user, since trips share jams, and says what the interval misses.",
            red_flag="Declares a winner from point estimates.",
        ),
    ],
    "testing": [
        RubricItem(
            skill="Tests behaviour, not just accuracy",
            hint="What must any ETA model do, whatever its error?",
            mid="Checks ETAs grow with distance and with congestion.",
            senior="States which failed tests block a release and which are waived, and applies it to this run's "
            "failures (here: {testing[behavioural_passed]} of {testing[behavioural_total]} pass): each failed test "
            "either blocks or gets a waiver with the damage (the hour bands' trip MAE of the deployed model against "
            "free flow, with trip counts), the fix and a ticket.",
            staff="Links each failing test to the slice metric that shows the same defect.",
            red_flag="Ships with a failing test and does not mention it.",
        ),
        RubricItem(
            skill="Checks slices where the average hides a failure",
            hint="Which departure hours or road classes could be worse than the all-trips figure?",
            mid="Slices trip error by departure hour and segment error by road class, every model side by side.",
            senior="Reads each slice's size and uncertainty and merges sparse night hours into bands before calling "
            "a gap.",
            staff="Ties each failing slice to a behavioural test and a fix (the night hour bands where the model "
            "loses to free flow and the night free-flow test: shrink sparse night keys toward free flow).",
            red_flag="Reports only the overall trip MAE.",
        ),
        RubricItem(
            skill="Sizes the online test on the metric that needs it",
            hint="Could you score both models on every trip without an A/B test?",
            mid="Sizes an A/B test by user with a design effect.",
            senior="Scores accuracy in shadow, paired on all traffic, and sizes the A/B on behaviour.",
            staff="Takes the largest size over the primary and every guardrail and plans the ramp.",
            red_flag="Sizes only on arrival error, or names behavioural guardrails (reroutes, cancellations) without "
            "sizing any of them.",
        ),
    ],
    "deployment": [
        RubricItem(
            skill="Places the table where the latency allows",
            hint="How many lookups does one route need, and how fast is each?",
            mid="Estimates table size and reads per second.",
            senior="Keeps it in router memory and explains how a refresh fits the memory budget.",
            staff="Chooses between double buffering, rolling reloads and sharding with the arithmetic.",
            red_flag="A refresh plan that needs twice the memory the budget gives.",
        ),
        RubricItem(
            skill="Plans the rollout and the rollback",
            hint="What happens between the offline win and all traffic?",
            mid="Shadow then canary.",
            senior="Ramps with rollback criteria on latency, bias and reroutes.",
            staff="Keeps the previous table in the key-value store (not in router memory: two copies exceed the "
            "memory budget), validates each refresh on a drained replica, and rolls back by rolling reload.",
            red_flag="Switches all traffic at once.",
        ),
        RubricItem(
            skill="Gives latency evidence that would hold in production",
            hint="Your p99 was timed in one process; what did that leave out?",
            mid="Quotes p50 and p99 against the SLA, per hop of the request path.",
            senior="Says a one-process benchmark leaves out the network, the load balancer, concurrency and "
            "region-scale time-dependent routing.",
            staff="Plans a load test at peak QPS ({design[problem][capacity][qps_peak]:,.0f}) reading p99.9 on "
            "region-sized graphs, plus per-arm latency tracing in the A/B test.",
            red_flag="Quotes the in-process p99 as proof the SLA holds.",
        ),
    ],
    "monitoring": [
        RubricItem(
            skill="Monitors the error, not only the inputs",
            hint="The speeds shift a little every week; when do you page someone?",
            mid="Runs a drift test on the inputs and watches trip error.",
            senior="Sets thresholds from a calm period's noise, not from a rule of thumb.",
            staff="Monitors per segment and hour, so roadworks are named, and measures recovery after retraining.",
            red_flag="Alerts only on a global input drift statistic.",
        ),
        RubricItem(
            skill="Knows what the label delay and the feedback loop do to monitoring",
            hint="When do you learn a trip's true duration, and who changed the traffic it drove in?",
            mid="Joins actual arrivals back to predictions.",
            senior="Tracks bias by hour and road class as labels arrive.",
            staff="Watches for routing feedback: traffic moved by the ETAs themselves.",
            red_flag="Monitors arrival error only on completed trips that kept the route, without noting that "
            "reroutes and abandonment drop out and that the ETA itself changes who stays in that set.",
        ),
    ],
}
