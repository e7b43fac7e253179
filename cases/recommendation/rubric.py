"""What an interviewer scores at each design step of the music recommendation case, level by level."""

from framework.notes import RubricItem

RUBRIC: dict[str, list[RubricItem]] = {
    "problem": [
        RubricItem(
            skill="frames the feed as top-k ranking of songs a user will listen to, not a click classifier",
            hint="What exactly is ranked, for whom, and what counts as a success for one slot?",
            mid="states implicit-feedback top-k ranking and names the surface (a discovery feed vs a home feed)",
            senior="separates click from listening (a stream past a threshold, skips) and says which one the "
            "business pays for",
            staff="names the two-sided effect: what the ranking does to artists' exposure and to long-term "
            "retention, and who owns that trade-off",
            red_flag="optimises clicks without asking whether a click turns into listening",
        ),
        RubricItem(
            skill="sizes the system from daily users, feed loads and catalogue size",
            hint="How many requests and how many user-song pairs does a refresh touch?",
            mid="derives QPS and log volume from daily users and requests per user",
            senior="derives cache size and batch scoring volume, and sees that scoring every song per user "
            "does not fit at catalogue scale",
            staff="prices the batch job (core-hours per refresh) and picks the refresh cadence from it",
            red_flag="proposes real-time model inference per request without any capacity arithmetic",
        ),
        RubricItem(
            skill="asks about cold start and repeat listening before designing",
            hint="Which users and songs have no history, and may a song be shown twice?",
            mid="asks how new users and new songs are served",
            senior="uses sign-up metadata or an onboarding taste picker for new users; content features for new songs",
            staff="makes repeat-vs-discovery an explicit product decision with its own metric",
            red_flag="assumes every user and every song has interaction history",
        ),
    ],
    "metrics": [
        RubricItem(
            skill="picks a position-aware offline metric and says why",
            hint="Does a hit in the first slot count the same as one in the tenth?",
            mid="uses NDCG@k or MAP@k rather than accuracy",
            senior="adds coverage and popularity bias so a model cannot win by recommending only hits",
            staff="names exposure bias in logged NDCG (only songs the old feed showed can be hits) and corrects "
            "it: inverse propensity weights from logged propensities, or a slice on the random-exploration "
            "impressions",
            red_flag="uses RMSE on implicit clicks or accuracy over all songs",
        ),
        RubricItem(
            skill="chooses the online decision metric and guardrails",
            hint="What would the team actually ship on, and what must not get worse?",
            mid="names CTR per arm and latency",
            senior="ships on streams or listening time per user; keeps CTR as a diagnostic and skip rate as a "
            "guardrail",
            staff="sets guardrail thresholds before looking at the results and against the control (today's "
            "feed), not against another candidate; adds long-term guardrails (retention holdout, long-tail share "
            "of streams) read per arm with the lower bound of an interval",
            red_flag="calls a guardrail passed when it is an estimate or can only ever be zero, or sets a "
            "guardrail floor relative to another candidate instead of the control. Scorer note: this run's "
            "guardrail table holds only a release check (validity), an estimated budget and a coverage floor set "
            "against the runner-up; a senior candidate says so and names the online guardrail each should become",
        ),
    ],
    "architecture": [
        RubricItem(
            skill="separates the batch path from the request path",
            hint="What runs every few hours and what runs on every feed load?",
            mid="batch scoring into a key-value cache; the API is a lookup",
            senior="adds the latency budget hop by hop, including the A/B assignment, and the fallbacks",
            staff="plans versioned cache keys with a pointer swap, and a re-ranker for in-session signals",
            red_flag="puts a heavy model on the request path with no budget, or draws a request path whose order "
            "contradicts the text (the cache read before the arm is known)",
        ),
        RubricItem(
            skill="logs what training and the A/B test need",
            hint="Where do the training labels come from, and how is an arm tied to a click?",
            mid="logs impressions and clicks",
            senior="logs the arm, the slot, the play duration and the exploration propensity with every event",
            staff="treats the event stream as a contract shared with analytics, with schema checks",
            red_flag="logs clicks without the impression that produced them (arm, list version, slot, "
            "propensity), so CTR per arm and position bias cannot be computed",
        ),
    ],
    "data": [
        RubricItem(
            skill="defines positives and negatives from implicit feedback",
            hint="Is a click that is skipped after a few seconds a positive?",
            mid="uses clicks as positives and says unobserved is not negative",
            senior="uses streams past a threshold as positives, skips as negatives and impressed-not-clicked as "
            "weak negatives",
            staff="weights positives by completion and corrects for exposure (propensities of the old feed)",
            red_flag="treats every unclicked song as a confident negative",
        ),
        RubricItem(
            skill="splits by time and keeps a validation window",
            hint="Which window tunes the model, and which one reports it?",
            mid="splits by time, not at random",
            senior="train, validation and test windows in time order; tuning on validation only",
            staff="repeats the split over several cut-off dates and seeds before trusting a small edge",
            red_flag="random split of interactions, or tuning on the window that is reported",
        ),
    ],
    "features": [
        RubricItem(
            skill="keeps every feature inside the training window",
            hint="Could any count include a click from the evaluation period?",
            mid="computes popularity and histories from training events only",
            senior="computes features point-in-time per event for a ranker",
            staff="shares one feature definition between batch training and serving to avoid skew",
            red_flag="popularity counted over the whole log, test window included",
        ),
        RubricItem(
            skill="knows which features the first model needs and which wait for a ranker",
            hint="Which of these features does collaborative filtering actually read?",
            mid="the click matrix for CF, the segment for cold start",
            senior="presents user, song and context features (time of day, device, session) as a second-stage "
            "ranker over retrieved candidates",
            staff="adds content embeddings for new songs and plans their cost and refresh",
            red_flag="builds features with no consumer (no model, monitor or named later stage) and cannot say "
            "which stage would use them",
        ),
    ],
    "models": [
        RubricItem(
            skill="climbs a ladder from popularity to collaborative filtering",
            hint="What is the simplest list that would already be hard to beat?",
            mid="popularity baseline, then item-CF or ALS",
            senior="compares rungs with a paired interval on the same users, and reads coverage beside NDCG",
            staff="says when a small offline edge is not worth the reach it costs, and carries both to the A/B",
            red_flag="reports a model's win without a baseline or an interval",
        ),
        RubricItem(
            skill="reads the oracle correctly",
            hint="Is the oracle's score a ceiling of logged NDCG?",
            mid="explains the oracle ranks by true click probability",
            senior="says it is a reference, not a bound, for logged NDCG; a bound only for expected CTR",
            staff="uses the gap to decide whether to invest in modelling or in data and exploration",
            red_flag="reports a share of the oracle as the share of what is achievable",
        ),
    ],
    "testing": [
        RubricItem(
            skill="sizes the A/B test before running it",
            hint="Which variance, which minimum effect and which unit of randomisation?",
            mid="randomises by user and computes a sample size from a minimum detectable effect",
            senior="sizes on the per-user metric's variance (or a design effect) with CUPED, runs whole weeks",
            staff="justifies the minimum effect in business terms, plans an A/A check, a sample-ratio check and a "
            "long-term holdout",
            red_flag="sizes the test from the lift seen offline",
        ),
        RubricItem(
            skill="handles the feedback loop and exploration",
            hint="What does a model retrained only on its own recommendations stop seeing?",
            mid="names the degenerate feedback loop",
            senior="adds an exploration slot logged with its propensity and reads its cost in CTR",
            staff="sets an exploration budget and trains off-policy with inverse propensity weights",
            red_flag="claims exploration helps without measuring what it costs",
        ),
        RubricItem(
            skill="checks slices where the average hides a failure",
            hint="Which users could lose while the average NDCG@10 goes up?",
            mid="slices NDCG@10 by user activity bucket (training clicks), cold users apart from warm ones",
            senior="reads each slice's user count and interval, merges sparse buckets, and notes that cold users "
            "get the same segment fallback from every CF model, so no model can win there",
            staff="ties each losing slice to a behavioural test and a fix (light users: a fallback blend tested "
            "on that bucket; cold users: the exact-segment-list check) and keeps the slices in the A/B read-out",
            red_flag="reports only the overall NDCG@10",
        ),
        RubricItem(
            skill="tests behaviour, not just accuracy",
            hint="What must the list do for a user, whatever its NDCG?",
            mid="minimum-functionality, directional and invariance checks (no replayed song; a one-genre user "
            "gets mostly that genre; the list does not depend on the scoring batch)",
            senior="states which failed check blocks a release and runs the checks through the deployed model's "
            "own code path (ALS factors and the cache), not on a toy scorer",
            staff="turns each production incident into a new check and runs the suite on every refresh before "
            "the pointer swap",
            red_flag="no behavioural test, or only the overall offline metric as the release gate",
        ),
    ],
    "deployment": [
        RubricItem(
            skill="makes the batch-to-cache refresh safe",
            hint="What does a reader see halfway through a refresh, or when the job fails?",
            mid="keeps serving the previous lists when the batch job fails",
            senior="writes a new versioned table and swaps a pointer; alerts on a stale refresh",
            staff="validates the new version before the pointer swap (row count, fallback share, NDCG on a canary "
            "slice) and keeps the previous version so a rollback is one pointer write",
            red_flag="overwrites the live cache key by key",
        ),
        RubricItem(
            skill="scales candidate generation to a large catalogue",
            hint="How many songs can one user be scored against every few hours?",
            mid="two stages: retrieval then ranking",
            senior="an approximate nearest-neighbour index with a measured recall against exact retrieval",
            staff="sizes the candidate pool on recall of next listens and the ranker's cost together",
            red_flag="at catalogue scale (millions of songs) scores every song for every user on every refresh",
        ),
        RubricItem(
            skill="gives latency evidence that would hold in production",
            hint="Does the cache-read benchmark show that the feed meets its SLA?",
            mid="states p50 and p99 against the SLA, hop by hop (load balancer, API, arm assignment, cache)",
            senior="says a one-process benchmark of the cache read leaves out the network, the load balancer, "
            "concurrency and a remote Redis, so it is a lower bound, not evidence",
            staff="plans a load test at the peak QPS from the capacity estimate, reading the tail beyond p99, and "
            "per-arm tracing in the A/B so a slower arm shows up as a guardrail",
            red_flag="quotes the in-process p99 as proof the SLA holds",
        ),
    ],
    "monitoring": [
        RubricItem(
            skill="matches each drift test to the feature type",
            hint="What does a KS test mean on a genre code?",
            mid="PSI or chi-square for categories, KS or PSI for numeric features",
            senior="alerts on effect sizes (PSI, KS statistic), not on p-values that shrink with traffic",
            staff="keeps a no-drift control window to calibrate thresholds and false alarms",
            red_flag="runs KS on category codes or alerts on p-values at production volume",
        ),
        RubricItem(
            skill="watches model quality, not only inputs",
            hint="Feature drift fired: are the lists actually worse?",
            mid="tracks NDCG and CTR of the deployed lists per window",
            senior="compares against a no-drift window and measures what a retrain recovers",
            staff="ties retrain triggers to the share of listening on new songs and to business metrics",
            red_flag="retrains on a schedule with no quality signal",
        ),
    ],
}
