"""The synthetic data: ``y = f(x, group) + noise`` with a known ``f``, so the oracle predicts ``f`` itself."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

X_MAX = 10.0
# f grows with x but bends (log1p): a straight line fits the training range only roughly and
# drifts further off when x moves beyond it, which the monitoring step shows.
SLOPE = 4.0
OFFSET_SPREAD = 3.0


@dataclass(frozen=True)
class Truth:
    """The generator's truth: one offset per group plus a shared bent curve in ``x``.

    Attributes:
        group_offset: additive effect of each group, indexed by group code.
        noise: standard deviation of the Gaussian noise around ``f`` (mean = median, so ``f`` is
            the best prediction under MAE and RMSE alike).
    """

    group_offset: np.ndarray
    noise: float

    def mean(self, x: np.ndarray, group: np.ndarray) -> np.ndarray:
        """``f(x, group)``: the expected target, what the oracle predicts."""
        return self.group_offset[group] + SLOPE * np.log1p(x)


def make_truth(rng: np.random.Generator, n_groups: int, noise: float) -> Truth:
    """Draw the group offsets of one world."""
    return Truth(group_offset=rng.uniform(-OFFSET_SPREAD, OFFSET_SPREAD, n_groups), noise=noise)


def sample(truth: Truth, rng: np.random.Generator, rows: int, x_shift: float = 0.0, start: int = 0) -> pd.DataFrame:
    """Draw ``rows`` rows in time order: ``t``, ``group``, ``x``, the truth ``f`` and the target ``y``.

    Args:
        truth: the world to sample from.
        rng: the stream to draw from.
        rows: rows to draw.
        x_shift: added to every ``x``; monitoring uses it to inject drift.
        start: ``t`` of the first row (a block's offset in the whole data set).
    """
    group = rng.integers(0, len(truth.group_offset), rows)
    x = rng.uniform(0.0, X_MAX, rows) + x_shift
    f = truth.mean(x, group)
    y = f + rng.normal(0.0, truth.noise, rows)
    return pd.DataFrame({"t": start + np.arange(rows), "group": group, "x": x, "f": f, "y": y})


def sample_block(truth: Truth, seed: int, block: tuple[int, int, int]) -> pd.DataFrame:
    """One block ``(index, first t, end t)`` of the rows, from that block's own random stream.

    Module level and given only plain values, so Dask can ship it to a worker; the rows depend on
    the block, never on which worker draws them.
    """
    from framework.seeding import block_rng

    index, first, end = block
    return sample(truth, block_rng(seed, "rows", index), end - first, start=first)
