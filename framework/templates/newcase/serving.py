"""Step 8: ship the deployed model as a JSON artifact, reload it and time real predictions one request at a time."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import numpy as np

from framework.case import RunContext
from framework.results import LadderResult, Measured, ServingResult

from .artifacts import NewcaseData, NewcaseFeatures, NewcaseModels
from .config import NewcaseConfig
from .design import DESIGN
from .features import Featurizer
from .models import LinearModel


@dataclass(frozen=True)
class Predictor:
    """What the prediction service holds: the feature pipeline and the model, rebuilt from the artifact."""

    featurizer: Featurizer
    model: LinearModel

    @classmethod
    def from_artifact(cls, text: str) -> Predictor:
        """Load the JSON artifact a registry would hand the service (no pickle: it cannot run code)."""
        doc = json.loads(text)
        return cls(Featurizer.from_dict(doc["featurizer"]), LinearModel.from_dict(doc["model"]))

    def predict_one(self, x: float, group: int) -> float:
        """One request: one row through the same features and model as the offline batch."""
        row = self.featurizer.transform(np.array([x]), np.array([group]))
        return float(self.model.predict(row)[0])


def deployment(
    ctx: RunContext[NewcaseConfig],
    data: NewcaseData,
    features: NewcaseFeatures,
    ladder: LadderResult,
    trained: NewcaseModels,
) -> ServingResult:
    """Serve test rows one at a time through the reloaded artifact; latency per request and agreement with batch."""
    artifact = json.dumps({"featurizer": features.featurizer.to_dict(), "model": trained.fitted[ladder.best].to_dict()})
    predictor = Predictor.from_artifact(artifact)
    n = min(ctx.config.serving_requests, len(data.test))
    requests = data.test.iloc[:n]
    xs, groups = requests["x"].tolist(), requests["group"].tolist()
    latencies_ms = np.empty(n)
    served = np.empty(n)
    for i, (x, group) in enumerate(zip(xs, groups, strict=True)):  # one request at a time, as traffic arrives
        start = time.perf_counter()
        served[i] = predictor.predict_one(x, group)
        latencies_ms[i] = (time.perf_counter() - start) * 1000
    batch = trained.predictions[ladder.best][:n]
    return ServingResult(
        p50_ms=round(float(np.percentile(latencies_ms, 50)), 4),
        p99_ms=round(float(np.percentile(latencies_ms, 99)), 4),
        sla_ms=DESIGN.problem.constraints.latency_sla_ms,
        requests=n,
        extra={
            "model": ladder.best,
            "artifact_bytes": len(artifact.encode()),
            "max_abs_diff_vs_batch": float(np.max(np.abs(served - batch))),
        },
        guardrails=Measured(
            values={"p99_ms": float(np.percentile(latencies_ms, 99))}, details={"p99_ms": f"{n} requests"}
        ),
    )
