"""Run configuration of the case: every knob bounded, with small/default/large/xl presets."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from framework.case import CaseConfig

# Peak memory, bytes: the interpreter with numpy, pandas and matplotlib loaded, then per generated row
# its frame columns and per row and feature column the float64 matrices (train, test, lstsq's copy).
# Fitted to peak RSS (/usr/bin/time -f %M; estimate / measured): 1M rows 0.58 / 0.63 GB, 2M rows with
# 1 group 0.71 / 0.64 GB, 1M rows with 200 groups 3.3 / 3.1 GB. Measure again when the pipeline changes.
BASE_BYTES = 250e6
BYTES_PER_ROW = 200
BYTES_PER_ROW_FEATURE = 14


class NewcaseConfig(CaseConfig):
    """Knobs of the case; the field defaults are the ``default`` scale.

    Attributes:
        rows: generated rows, in time order.
        block_rows: rows per generated block (each from its own random stream); the data depend on
            it, never on the number of workers, and every preset but ``xl`` is one block.
        n_groups: distinct groups (the categorical input); each has its own offset in the truth.
        noise: standard deviation of the noise around the truth (the oracle's irreducible error).
        test_fraction: share of the latest rows held out as the test window.
        serving_requests: requests timed one at a time against the serving predictor.
        drift_shift: how far the monitoring scenario shifts the numeric input ``x``.
        train_on_test: drill flaw: fit the models on the test rows too (off by default).
        clean_test_labels: drill flaw: score against the noise-free target ``f`` instead of ``y``.
        score_on_train: drill flaw: report the models' metrics on the training rows.
    """

    rows: int = Field(default=20_000, ge=200, le=5_000_000)
    block_rows: int = Field(default=1_000_000, ge=1_000, le=5_000_000)
    n_groups: int = Field(default=8, ge=1, le=1_000)
    noise: float = Field(default=1.0, ge=0, le=100)
    test_fraction: float = Field(default=0.2, ge=0.05, le=0.5)
    serving_requests: int = Field(default=500, ge=10, le=100_000)
    drift_shift: float = Field(default=3.0, ge=0, le=100)
    train_on_test: bool = False
    clean_test_labels: bool = False
    score_on_train: bool = False

    size_keys: ClassVar[tuple[str, ...]] = ("rows", "n_groups")

    scales: ClassVar[dict[str, dict[str, Any]]] = {
        "small": {"rows": 4_000, "serving_requests": 200},
        "default": {},
        "large": {"rows": 1_000_000, "serving_requests": 2_000},
        "xl": {"rows": 5_000_000, "serving_requests": 2_000},  # five blocks: run it with --engine dask
    }

    def estimated_peak_bytes(self) -> int:
        """Rough peak memory of a run: the frames plus the one-hot feature matrices (``rows x (1 + n_groups)``)."""
        per_row = BYTES_PER_ROW + BYTES_PER_ROW_FEATURE * (1 + self.n_groups)
        return int(BASE_BYTES + self.rows * per_row)
