"""Step 9: shift ``x`` through the generator; detect it in the inputs (PSI, KS) and in the deployed model's error."""

from __future__ import annotations

from framework import metrics
from framework.case import RunContext
from framework.drift import Alert, Thresholds, drift_alerts, drift_table, metric_alert
from framework.results import LadderResult, MonitoringResult

from .artifacts import NewcaseData, NewcaseFeatures, NewcaseModels
from .config import NewcaseConfig
from .design import DESIGN
from .generator import sample

WATCHED = ["x", "group"]


def monitoring(
    ctx: RunContext[NewcaseConfig],
    data: NewcaseData,
    features: NewcaseFeatures,
    ladder: LadderResult,
    trained: NewcaseModels,
) -> MonitoringResult:
    """Compare a drifted window and a calm one with the test window; the calm one must raise no alert."""
    thresholds = Thresholds.from_spec(DESIGN.monitoring)
    primary = DESIGN.metrics.primary_metric
    score = getattr(metrics, primary.function)
    model = trained.fitted[ladder.best]
    reference = data.test
    before = ladder.models[ladder.best][primary.name]

    # Drifted rows come from the generator's truth: a real-data run would compare recent traffic instead.
    def watch(shift: float, stream: str) -> tuple[dict[str, dict[str, float]], float, list[Alert]]:
        window = sample(data.truth, ctx.rng(stream), len(reference), x_shift=shift)
        table = drift_table(reference, window, WATCHED)
        after = float(score(window["y"].to_numpy(), model.predict(features.featurizer.frame(window))))
        alerts = drift_alerts(table, thresholds)
        alert = metric_alert(primary.name, before, after, primary.higher_is_better, thresholds)
        return table, after, alerts + ([alert] if alert else [])

    table, after, alerts = watch(ctx.config.drift_shift, "monitoring/drift")
    _, calm_after, calm_alerts = watch(0.0, "monitoring/calm")
    return MonitoringResult(
        scenario=f"x shifts up by {ctx.config.drift_shift:g}",
        feature_drift=table,
        metric=primary.name,
        metric_before=before,
        metric_after=after,
        alerts=alerts,
        thresholds=thresholds.as_dict(),
        extra={"calm_metric_after": calm_after, "no_drift_alerts": [a.message for a in calm_alerts]},
    )
