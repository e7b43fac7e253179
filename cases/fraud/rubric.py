"""What an interviewer scores at each design step of the fraud case, by level."""

from framework.notes import RubricItem

RUBRIC: dict[str, list[RubricItem]] = {
    "problem": [
        RubricItem(
            skill="Prices both errors before choosing a model: missed fraud, review, false decline",
            hint="What does each kind of mistake cost the issuer, and who pays it?",
            mid="Says a missed fraud loses its amount and an alert costs analyst time.",
            senior="Prices a false decline separately (lost margin, interchange, churn) and notes it can exceed "
            "the fraud it stops.",
            staff="Turns the prices into a constrained objective (minimise loss subject to decline and queue "
            "limits) and names who owns each number: risk, operations, product.",
            red_flag="Optimises accuracy or F1 and never asks what an error costs.",
        ),
        RubricItem(
            skill="Surfaces the label delay and the decision inside the authorisation",
            hint="When does the system learn whether a transaction was fraud, and when must it decide?",
            mid="Knows labels come from chargebacks and investigations, days to weeks later.",
            senior="Treats recent labels as missing, not negative, and sizes the latency budget inside the "
            "authorisation with a rule fallback.",
            staff="Plans for label maturity over months, early signals (disputes, confirmed contact) and "
            "selective labels from its own declines.",
            red_flag="Assumes labels are available at scoring time or that unlabelled means legitimate.",
        ),
        RubricItem(
            skill="Sizes the scoring path and the online state",
            hint="How many authorisations a second at peak, and what must be read for each one?",
            mid="Turns {capacity[requests_per_day]:,.0f} transactions a day into about {capacity[qps_average]:,.0f} "
            "requests a second on average and {capacity[qps_peak]:,.0f} at peak, and about "
            "{capacity[storage_per_day_gb]:,.0f} GB of decision logs a day.",
            senior="Sizes the per-card and per-terminal state as the longest window plus the label delay, and sees "
            "that the feature-store reads, not model compute ({serving[throughput_tx_per_s]:,.0f} transactions a "
            "second on one core here), are the bottleneck.",
            staff="Plans a load test of the networked store at peak with headroom, adds replicas for availability "
            "rather than throughput, and keeps card numbers tokenised in the stores and logs it sizes (PCI scope) "
            "with a reason code logged per decision for customers and regulators.",
            red_flag="Gives no numbers, or sizes model compute and ignores the feature-store reads.",
        ),
    ],
    "metrics": [
        RubricItem(
            skill="Chooses a metric that survives extreme imbalance and says why not accuracy or ROC-AUC",
            hint="What does 'never fraud' score on your metric?",
            mid="Rejects accuracy and picks precision-recall based metrics.",
            senior="Explains that average precision depends on prevalence (compare at equal prevalence, report "
            "lift over it) and that ROC-AUC hides the false alarms per catch.",
            staff="Ties the offline metric to the online one the business reads (fraud loss in basis points, "
            "false-decline rate) and says where they can disagree.",
            red_flag="Reports accuracy or ROC-AUC alone as the headline.",
        ),
        RubricItem(
            skill="Separates ranking quality from the operating point and its guardrails",
            hint="A model ranks well; how do you decide what it does with a given score?",
            mid="Picks a threshold on a validation window, not on test.",
            senior="Reads cost, false-decline rate and review queue at that threshold, says a pick that breaks a "
            "guardrail is a ranker, not a shippable decision, and reads the policy that keeps both guardrails "
            "(here it costs "
            "{testing[slices][decision policy][threshold within both guardrails][expected_cost]:,.0f}).",
            staff="Selects model and policy together under the guardrails, compares that policy with today's "
            "control (amount_rule costs {models[amount_rule][expected_cost]:,.0f} here) and, when it loses, "
            "decides 'do not launch; search the step-up bands under both guardrails on validation'.",
            red_flag="Declares a winner at a threshold that breaks the decline or queue limit. Calibration for "
            "this run: the ladder's pick ({best_model}, expected cost {best[expected_cost]:,.0f}) declines "
            "{guardrails[1][measured]:.2%} of legitimate transactions (limit {guardrails[1][limit]:.2%}) and "
            "{testing[ab_test][review_queue_said]}; if "
            "either is over its limit, shipping it as is earns this red flag.",
        ),
    ],
    "architecture": [
        RubricItem(
            skill="Designs a real-time path inside the authorisation budget that fails safe",
            hint="What answers the authorisation when the model or its feature store is down?",
            mid="Draws feature lookup, scorer and a decision service with a latency budget.",
            senior="Adds replicas, a rule fallback with a timeout and says what the fallback costs in fraud "
            "and false declines.",
            staff="Chooses fail-open or fail-closed per risk segment, bounds the tolerable window, and plans a "
            "load test against the networked store at peak with headroom.",
            red_flag="A single scorer with no fallback, or a batch job for a decision that must be real time.",
        ),
        RubricItem(
            skill="Closes the loop from decisions to labels and experiments",
            hint="How do the investigators' verdicts and the A/B assignment reach the training data?",
            mid="Stores verdicts and chargebacks as labels for retraining.",
            senior="Logs the arm, the score, the action and its propensity with every decision, and shows the "
            "step-up component.",
            staff="Designs label collection that its own declines cannot bias (cardholder confirmation, step-up "
            "outcomes, a random-approve holdout with its propensity) and versions model, features and policy "
            "so any decision can be replayed.",
            red_flag="Trains on the model's own approvals only and never logs what it declined.",
        ),
    ],
    "data": [
        RubricItem(
            skill="Splits by time with a gap of one label delay",
            hint="What would the model know on the first day of the test window?",
            mid="Uses a time split instead of a random one.",
            senior="Leaves a gap of one label delay, drops cards already known to be compromised, and chooses "
            "thresholds on an earlier validation window.",
            staff="Evaluates over several rolling origins and seeds, and resamples by card or terminal so "
            "correlated frauds do not shrink the intervals.",
            red_flag="Shuffles transactions into train and test.",
        ),
        RubricItem(
            skill="Knows the limits of simulated data and what real data would add",
            hint="What does the simulator know that production never will, and what does it lack?",
            mid="Says the simulator's fraud patterns are simplified.",
            senior="Notes its prevalence is far above production and that metrics must be rescaled or read at "
            "equal prevalence.",
            staff="Lists the signals it lacks (device, merchant category, geography, consortium data) and how "
            "they would be validated once real data exists.",
            red_flag="Quotes simulator metrics as production expectations.",
        ),
    ],
    "features": [
        RubricItem(
            skill="Keeps every feature point-in-time correct, labels included",
            hint="When is each input of a terminal's fraud share actually known?",
            mid="Computes windows only over past transactions.",
            senior="Shifts any label-based feature by the label delay and shows that the online store computes "
            "the same value as training.",
            staff="Builds training features by replaying the logged online state and tests parity between the "
            "two paths.",
            red_flag="Uses the current fraud labels of a terminal when scoring a transaction.",
        ),
        RubricItem(
            skill="Chooses behavioural features that describe the fraudster, not the amount alone",
            hint="Which habits of a card change when someone else uses it?",
            mid="Card spending windows and terminal risk.",
            senior="Velocity, distance from usual terminals, time since last use, and why each is cheap to keep "
            "online.",
            staff="Card-merchant graph and consortium signals, with their latency and privacy cost, and features "
            "an adaptive fraudster cannot easily game.",
            red_flag="Only raw transaction fields, or features that cannot be computed within the latency budget.",
        ),
    ],
    "models": [
        RubricItem(
            skill="Climbs a ladder from rules to a simple model to a stronger one",
            hint="What does each rung have to beat, and how do you know it beat it?",
            mid="Compares against a rules baseline and a logistic regression.",
            senior="Uses paired intervals on the same test units and keeps the simpler model when the gap is "
            "inside the interval.",
            staff="Compares at matched operating points under the guardrails, so the verdict is about the model, "
            "not its threshold.",
            red_flag="Jumps to a deep model without a baseline or an interval.",
        ),
        RubricItem(
            skill="Reads the gap to the best possible",
            hint="How far is the deployed model from the best possible, and is that gap reachable?",
            mid="Names the oracle and reads the deployed model's primary metric against it (the ratio in the ladder).",
            senior="Says the oracle reads hidden state (which terminal is compromised right now, whose card the "
            "fraudster holds), so the gap is a bound, not headroom.",
            staff="Estimates real headroom from signals the design lacks (velocity, device, merchant) and says how "
            "to test each: an offline ablation on the same test window, then a shadow run.",
            red_flag="Calls the whole gap to the oracle the achievable gain.",
        ),
        RubricItem(
            skill="Handles imbalance and calibration deliberately",
            hint="If you undersample the legitimate class, what happens to the scores?",
            mid="Uses class weights or undersampling.",
            senior="Recalibrates after undersampling and checks calibration before thresholding on probability "
            "times amount.",
            staff="Explains when a calibrated score matters (policies, step-up bands, reason codes) and when a "
            "ranking suffices.",
            red_flag="Uses the undersampled tree's raw score in p x amount or in a cost-ratio rule (alert when p "
            "exceeds review cost over amount) without prior correction (beta "
            "{testing[slices][calibration][tree_ensemble prior-corrected][beta]:.3g}) or isotonic calibration, or "
            "carries a raw-score threshold between fits with different sampling and does not say so.",
        ),
    ],
    "testing": [
        RubricItem(
            skill="Designs an A/B test on the business metric with the right unit and sizing",
            hint="What is randomised, what is measured, and how long until you can read it?",
            mid="Randomises by card and names a primary metric and guardrails.",
            senior="Sizes with the design effect, unequal allocation and a minimum effect tied to break-even, on "
            "one prevalence basis.",
            staff="Makes fraud loss the primary metric, keeps a true as-is control, and plans label maturity "
            "before the read-out. Scorer note: the reference plan shows what to critique; a senior candidate names "
            "its round minimum lift, its equal-arm formula and its equal-budget control.",
            red_flag="Randomises by transaction, reads the test before labels mature, sizes and launches a "
            "treatment whose expected cost on validation is worse than the control's (here "
            "{testing[slices][decision policy][threshold within both guardrails][expected_cost]:,.0f} on test "
            "against {models[amount_rule][expected_cost]:,.0f}), or sizes on recall when the business pays in "
            "fraud loss.",
        ),
        RubricItem(
            skill="Solves selective labels: declined transactions never show their outcome",
            hint="How will you measure recall in the arm that declines more?",
            mid="Notes that declined frauds never charge back.",
            senior="Uses a random-approve holdout with logged propensities and states its fraud cost and variance.",
            staff="Obtains labels another way (cardholder confirmation, step-up outcomes) or picks a primary "
            "metric that needs no holdout.",
            red_flag="Treats declines without a chargeback as confirmed fraud or as legitimate.",
        ),
        RubricItem(
            skill="Checks slices where the average hides a failure",
            hint="Which fraud pattern or amount band would an overall recall hide?",
            mid="Slices by fraud scenario and amount band, with the legitimate false-alarm rate beside them.",
            senior="Reads each slice's size and uncertainty (a scenario slice with few fraud rows moves a lot "
            "per catch) and merges sparse slices before calling a difference.",
            staff="Ties each failing slice to a behavioural test and a fix (e.g. the compromised-terminal "
            "scenario's recall in the slice table: a terminal-risk test and fresher terminal features).",
            red_flag="Reports only the overall metric.",
        ),
        RubricItem(
            skill="Tests behaviour, not just accuracy",
            hint="Which input changes must move the score, and which must not?",
            mid="Writes directional and invariance checks (amount x5 raises the score; renumbering ids changes "
            "nothing) with a pass bar.",
            senior="Knows a linear model passes sign checks by construction and runs them on the tree, at the "
            "threshold of the policy that would ship.",
            staff="Turns each failing slice or incident into a minimum-functionality test that blocks a release "
            "unless waived with the damage, an owner and a ticket.",
            red_flag="No behavioural test, or a failing one shipped without a word.",
        ),
    ],
    "deployment": [
        RubricItem(
            skill="Rolls out safely: shadow, canary, then ramp",
            hint="What runs before the model touches a real authorisation?",
            mid="Shadow mode comparing scores with the current system.",
            senior="Canary by card with automatic rollback on decline-rate and latency guardrails.",
            staff="Plans the fallback's cost, the fail-open window and who is paged when it triggers.",
            red_flag="Switches all traffic at once with no rollback path.",
        ),
        RubricItem(
            skill="Keeps online and offline consistent and the model fresh",
            hint="What goes wrong if the training features and the serving features differ slightly?",
            mid="Shares feature code between training and serving.",
            senior="Retrains on matured labels on a schedule and checks parity on replayed traffic.",
            staff="Versions features, models and policy together and can reproduce any past decision for an "
            "audit or a dispute.",
            red_flag="Retrains on the latest days as if their missing labels were negative.",
        ),
        RubricItem(
            skill="Gives latency evidence that would hold in production",
            hint="What would convince you the authorisation's latency SLA holds at peak?",
            mid="Reads p50 and p99 against the SLA per hop (scoring p99 {serving[p99_ms]:.3g} ms here against "
            "the {serving[sla_ms]:g} ms SLA).",
            senior="Says a one-process benchmark leaves out the network, the load balancer, concurrency and the "
            "networked feature store, so it is not evidence for production.",
            staff="Plans a load test at peak ({capacity[qps_peak]:,.0f} requests a second) with headroom, read at "
            "p99.9, plus per-arm tracing in the A/B.",
            red_flag="Quotes the in-process p99 as proof the SLA holds.",
        ),
    ],
    "monitoring": [
        RubricItem(
            skill="Monitors without labels first, then with labels",
            hint="What can you watch today, before any chargeback arrives?",
            mid="Score and feature drift (PSI or KS).",
            senior="Daily decline and step-up rates and queue size, which need no labels, plus label-based "
            "metrics once they mature.",
            staff="Alerts against a rolling baseline with an interval, so noise does not page and real shifts do.",
            red_flag="Waits for chargebacks to notice anything.",
        ),
        RubricItem(
            skill="Anticipates an adaptive adversary",
            hint="A fraudster learns your threshold; what would you see?",
            mid="Knows fraud patterns change.",
            senior="Watches recall per fraud pattern and the density of amounts just below the alert.",
            staff="Keeps randomness and rules around the boundary and plans red-team tests of new patterns.",
            red_flag="Treats the fraud distribution as stationary.",
        ),
    ],
}
