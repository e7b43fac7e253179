"""Typed results that each lifecycle step of a case hands back to the runner."""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


class DataResult(_Result):
    """Step 4: the cleaned data, split into train and test.

    Attributes:
        train: training rows (after cleaning).
        test: held-out rows, later in time than ``train`` when ``time_column`` is set.
        time_column: column ordering the split; the conformance check asserts
            ``train[time_column].max() < test[time_column].min()``.
        id_column: column identifying a row; no id may appear in both splits.
        summary: plain numbers for ``metrics.json["data"]`` (row counts, rows dropped...).
    """

    train: pd.DataFrame
    test: pd.DataFrame
    time_column: str | None = None
    id_column: str | None = None
    summary: dict[str, Any] = Field(default_factory=dict)


class LadderResult(_Result):
    """Step 6: every model of the ladder with every offline metric on the held-out split.

    Attributes:
        models: model name -> metric name -> value. Must contain ``naive``,
            ``baseline``, ``best`` and ``"oracle"``.
        naive: name of the naive model.
        baseline: name of the seed's baseline model.
        best: name of the best non-oracle model on the primary metric.
        notes: one line per model explaining what it is.
    """

    models: dict[str, dict[str, float]]
    naive: str
    baseline: str
    best: str
    notes: dict[str, str] = Field(default_factory=dict)


class BehaviouralCheck(_Result):
    """One behavioural test of a trained model (Ribeiro et al., CheckList)."""

    name: str
    kind: str  # "invariance" | "directional" | "minimum_functionality"
    passed: bool
    detail: str


class TestingResult(_Result):
    """Step 7: behavioural checks, slice metrics and the online-test plan."""

    behavioural: list[BehaviouralCheck]
    slices: dict[str, dict[str, dict[str, float]]] = Field(default_factory=dict)
    ab_test: dict[str, Any] = Field(default_factory=dict)


class ServingResult(_Result):
    """Step 8: the measured serving path."""

    p50_ms: float
    p99_ms: float
    sla_ms: float
    requests: int
    extra: dict[str, Any] = Field(default_factory=dict)


class MonitoringResult(_Result):
    """Step 9: drift injected through the generator and what detection saw."""

    scenario: str
    feature_drift: dict[str, dict[str, float]]  # feature -> {"psi", "ks"[, "ks_pvalue"]}
    metric: str  # the model metric watched, e.g. "segment_mae_s"
    metric_before: float
    metric_after: float
    alerts: list[str]
    thresholds: dict[str, float]
    extra: dict[str, Any] = Field(default_factory=dict)


class Plot(_Result):
    """A figure written by a step into the output folder."""

    step: int
    file: str
    caption: str
