"""The nine-step design of the case, as data: a generic regression problem to replace with yours."""

from framework.architecture import ArchitectureSpec, Component, Flow
from framework.notes import FollowUp
from framework.specs import (
    CaseDesign,
    ClarifyingQuestion,
    Constraints,
    DataSource,
    DataSpec,
    DeploymentSpec,
    FeatureDef,
    FeatureSpec,
    Guardrail,
    MetricsSpec,
    ModelDef,
    ModelSpec,
    MonitoringSpec,
    OfflineMetric,
    OnlineMetric,
    ProblemSpec,
    TestingSpec,
)

from .drills import DRILLS
from .rubric import RUBRIC

PROBLEM = ProblemSpec(
    rubric=RUBRIC["problem"],
    business_goal="Predict a numeric outcome for each request (a delivery time, a price, a demand) so the "
    "product can act on it before the outcome is known.",
    ml_task="Regression: the expected outcome y from a numeric signal x and the request's group.",
    inputs=["numeric signal x", "group of the request (e.g. region)"],
    outputs=["predicted outcome y"],
    constraints=Constraints(
        daily_active_users=1_000_000,
        requests_per_user_per_day=5,
        peak_to_average=3,
        latency_sla_ms=100,
        logged_events_per_day=5e6,
        bytes_per_event=200,
        retention_days=365,
    ),
    clarifying_questions=[
        ClarifyingQuestion(
            question="What decision does the prediction drive?",
            assumed_answer="One product decision per request; over- and under-prediction cost the same.",
        ),
        ClarifyingQuestion(
            question="When is the true outcome known?",
            assumed_answer="Shortly after the request, so every request becomes a labelled row.",
        ),
        ClarifyingQuestion(
            question="How fast must a prediction be?",
            assumed_answer="p99 under 100 ms inside the backend, at the peak QPS of the capacity estimate.",
        ),
    ],
    assumptions=[
        "x and the group are known when the request arrives; y is logged later as the label.",
        "The relation between inputs and outcome changes slowly, so a daily retrain is enough.",
    ],
    talking_points=[
        "Frame it as regression on request-time inputs only: anything known later would leak the label.",
        "The capacity estimate turns users and requests per day into average and peak QPS.",
    ],
    tradeoffs=[
        "A point prediction (simple to serve and evaluate) versus a predictive interval (tells the product "
        "how sure we are, but needs a quantile or probabilistic model)."
    ],
    follow_ups=[
        FollowUp(
            question="Why regression and not classification into buckets?",
            answer="The product needs the number itself; buckets throw away order and resolution.",
        ),
        FollowUp(
            question="What would change the framing?",
            answer="An asymmetric cost (late is worse than early) turns MAE into a quantile loss.",
        ),
    ],
)

METRICS = MetricsSpec(
    rubric=RUBRIC["metrics"],
    offline=[
        OfflineMetric(
            name="mae",
            function="mae",
            higher_is_better=False,
            description="Mean absolute error on the test window, in the outcome's units.",
        ),
        OfflineMetric(
            name="rmse",
            function="rmse",
            higher_is_better=False,
            description="Root mean squared error: punishes large misses more than MAE.",
        ),
        OfflineMetric(
            name="p90_abs_error",
            function="p90_absolute_error",
            higher_is_better=False,
            description="90th percentile of absolute error: the tail users remember.",
        ),
    ],
    online=[
        OnlineMetric(name="live error", description="Absolute error of predictions once the outcome is logged."),
        OnlineMetric(name="business KPI", description="The product metric the prediction is meant to move."),
    ],
    guardrails=[
        Guardrail(name="p99_ms", description="p99 prediction latency", limit=100, unit="ms"),
        Guardrail(
            name="out_of_range_share",
            description="predictions outside the range seen in training",
            limit=0,
            unit="share",
        ),
    ],
    primary="mae",
    talking_points=[
        "MAE is in the outcome's own units and matches a symmetric cost of being wrong.",
        "RMSE and p90 show whether a model trades many small errors for a few large ones.",
    ],
    tradeoffs=["MAE treats every miss alike; RMSE favours models that avoid large misses at some cost on average."],
    follow_ups=[
        FollowUp(
            question="How do offline and online metrics connect?",
            answer="Live error is MAE computed on logged outcomes, the same formula on later data.",
        ),
        FollowUp(
            question="Which model is deployed?",
            answer="The simplest one whose MAE the paired bootstrap cannot tell from the best.",
        ),
    ],
)

ARCHITECTURE = ArchitectureSpec(
    rubric=RUBRIC["architecture"],
    components=[
        Component(id="events", label="Request and outcome logs", kind="source", group="Data sources"),
        Component(id="ingestion", label="Event ingestion", kind="stream", group="Data pipeline"),
        Component(id="feature_table", label="Feature and label table", kind="storage", group="Data pipeline"),
        Component(id="training", label="Model training", kind="training", group="Offline training"),
        Component(id="registry", label="Model registry", kind="registry", group="Offline training"),
        Component(
            id="feature_store", label="Online feature store", kind="kv_store", group="Online serving", latency_ms=5
        ),
        Component(
            id="prediction_service",
            label="Prediction service",
            kind="service",
            group="Online serving",
            latency_ms=20,
        ),
        Component(
            id="load_balancer", label="Load balancer", kind="load_balancer", group="Online serving", latency_ms=2
        ),
        Component(id="app", label="Product app", kind="client"),
        Component(id="monitoring", label="Drift + error monitoring", kind="monitoring", group="Monitoring"),
        Component(id="alerting", label="Alerting", kind="alerting", group="Monitoring"),
    ],
    flows=[
        Flow(source="events", target="ingestion", label="events"),
        Flow(source="ingestion", target="feature_table", label="rows + labels"),
        Flow(source="feature_table", target="training", label="train window"),
        Flow(source="training", target="registry", label="model artifact"),
        Flow(source="registry", target="prediction_service", label="model"),
        Flow(source="feature_table", target="feature_store", label="group features"),
        Flow(source="feature_store", target="prediction_service", label="features", serving=True),
        Flow(source="prediction_service", target="load_balancer", label="prediction", serving=True),
        Flow(source="load_balancer", target="app", label="response", serving=True),
        Flow(source="prediction_service", target="monitoring", label="predictions"),
        Flow(source="feature_table", target="monitoring", label="outcomes"),
        Flow(source="monitoring", target="alerting", label="alerts"),
    ],
    talking_points=[
        "Offline: logs -> feature and label table -> training -> registry.",
        "Online: the service loads the registered model and scores each request within the SLA.",
    ],
    tradeoffs=[
        "Online scoring per request (fresh inputs, model on the request path) versus precomputed "
        "predictions in a key-value store (fastest, but only for inputs known in advance)."
    ],
    follow_ups=[
        FollowUp(
            question="Where is the single point of failure?",
            answer="The prediction service: run several replicas behind the load balancer with a fallback value.",
        ),
        FollowUp(
            question="What dominates the latency budget?",
            answer="The service itself; the feature lookup and the load balancer add a few milliseconds.",
        ),
    ],
)

DATA = DataSpec(
    rubric=RUBRIC["data"],
    sources=[
        DataSource(
            name="request log",
            description="One row per request with its inputs and, later, its outcome",
            fields=["t", "group", "x", "y"],
        )
    ],
    generator="y = f(x, group) + Gaussian noise with a known f (a group offset plus a bent curve in x); "
    "the generator keeps f, which is the oracle.",
    real_data_format="None yet: read CSV/Parquet with the fields above through framework.dataload.load_table "
    "(roles, aliases, --columns).",
    cleaning=["generated rows are clean; a real-data loader drops rows with a missing input or outcome"],
    split="By time: the latest rows are the test window, never a random split.",
    talking_points=[
        "A generator with a known truth tells us how far every model is from the best possible.",
        "Split by time so the test window is the future the model has not seen.",
    ],
    tradeoffs=["Synthetic data (known truth, any size) versus real logs (real quirks, but no oracle)."],
    follow_ups=[
        FollowUp(
            question="Why not a random split?",
            answer="Rows close in time are alike; a random split leaks the future and overstates accuracy.",
        ),
        FollowUp(
            question="How much data is enough?",
            answer="Until the learning curve of the stronger model flattens on the test window.",
        ),
    ],
)

FEATURES = FeatureSpec(
    rubric=RUBRIC["features"],
    features=[
        FeatureDef(name="x", description="the numeric signal, standardised with the training mean and spread"),
        FeatureDef(name="group", description="one-hot code of the request's group"),
    ],
    leakage_guards=["the scaling is fitted on the training rows only", "no feature uses the outcome y"],
    talking_points=[
        "Every statistic a feature uses is fitted on train only, then applied to test and serving alike.",
        "The same featurizer object runs offline and in the serving predictor, so they cannot drift apart.",
    ],
    tradeoffs=["One-hot groups (simple, exact) versus target encoding (compact for many groups, but leak-prone)."],
    follow_ups=[
        FollowUp(
            question="What about a group never seen in training?",
            answer="Its one-hot row is all zeros, so the model predicts for the average group.",
        ),
        FollowUp(
            question="Which feature would you add next?",
            answer="Recent outcomes of the same group, computed point-in-time from the log.",
        ),
    ],
)

MODELS = ModelSpec(
    rubric=RUBRIC["models"],
    ladder=[
        ModelDef(name="global_mean", role="naive", description="the training mean of y for every request"),
        ModelDef(name="group_mean", role="baseline", description="the training mean of y per group"),
        ModelDef(name="least_squares", role="stronger", description="linear least squares on x and the group"),
        ModelDef(name="oracle", role="oracle", description="the generator's f(x, group): only the noise is left"),
    ],
    talking_points=[
        "Each rung must beat the one below on the test window; the oracle shows the irreducible noise.",
        "The gap between the deployed model and the oracle is what better modelling can still win.",
    ],
    tradeoffs=["A linear model is fast and explainable but misses curvature in x that a tree model would catch."],
    follow_ups=[
        FollowUp(
            question="What would you try after least squares?",
            answer="Gradient-boosted trees on the same features, to capture the bend in x.",
        ),
        FollowUp(
            question="How do you know a gain is real?",
            answer="A paired bootstrap of per-request errors; a gain inside the interval is a tie.",
        ),
    ],
)

TESTING = TestingSpec(
    rubric=RUBRIC["testing"],
    behavioural=[
        "scoring a batch in another order gives the same predictions",
        "a larger x never lowers the prediction",
        "the deployed model beats the naive model in every group",
    ],
    slices=["group"],
    online_test="A/B by user: absolute error per request as the primary online metric, sized with the "
    "two-sample formula at 80% power for the offline gain over the baseline.",
    talking_points=[
        "Behavioural tests catch what an average hides: a wrong direction, an order dependence.",
        "Error by group shows who the model serves worst.",
    ],
    tradeoffs=["Offline tests are free on every release; an A/B test measures the real effect but costs traffic."],
    follow_ups=[
        FollowUp(
            question="What does a failed directional test mean?",
            answer="The model learned a relation the domain rules out: block the release and inspect the data.",
        ),
        FollowUp(
            question="How long does the A/B test run?",
            answer="Units per arm from the sample size, divided by the daily traffic each arm gets.",
        ),
    ],
)

DEPLOYMENT = DeploymentSpec(
    rubric=RUBRIC["deployment"],
    mode="online",
    description="The registered model is shipped as a JSON artifact (features + weights); the prediction "
    "service loads it and scores each request as it arrives.",
    store="JSON model artifact (stand-in for a model registry)",
    talking_points=[
        "Latency is measured one request at a time, as traffic arrives, and compared with the SLA.",
        "The served predictions are checked to equal the offline batch predictions.",
    ],
    tradeoffs=["A JSON artifact (safe to load, portable) versus a pickle (any model, but loading runs code)."],
    follow_ups=[
        FollowUp(
            question="How does it scale to the peak QPS?",
            answer="The service is stateless: add replicas behind the load balancer.",
        ),
        FollowUp(
            question="How do you roll out a new model?",
            answer="Shadow it on live traffic, then canary a small share before the full switch.",
        ),
    ],
)

MONITORING = MonitoringSpec(
    rubric=RUBRIC["monitoring"],
    drift_scenarios=["the numeric input x shifts upward", "a calm window with no change (must stay silent)"],
    detectors=["PSI and KS on x, PSI on the group", "MAE of the deployed model on the recent window"],
    talking_points=[
        "Drift is injected through the generator, so detection is tested against a known cause.",
        "A calm window must raise no alert: alerts that cry wolf get muted.",
    ],
    tradeoffs=[
        "Input drift alerts early but also on harmless shifts; the error on recent data is the real signal "
        "but waits for outcomes, so both are watched."
    ],
    follow_ups=[
        FollowUp(
            question="What do you do after an alert?",
            answer="Find the shifted input, check the error on recent data, retrain on a recent window.",
        ),
        FollowUp(
            question="Why a PSI threshold of {monitoring[thresholds][psi]:g}?",
            answer="The usual rule of thumb for a significant shift; KS and the metric confirm it.",
        ),
    ],
)

DESIGN = CaseDesign(
    drills=DRILLS,
    name="newcase",
    title="New case",
    summary="A starter regression case: predict y from x and a group; replace it with your problem.",
    problem=PROBLEM,
    metrics=METRICS,
    architecture=ARCHITECTURE,
    data=DATA,
    features=FEATURES,
    models=MODELS,
    testing=TESTING,
    deployment=DEPLOYMENT,
    monitoring=MONITORING,
)
