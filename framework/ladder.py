"""The model ladder's roles and the deployed model: decision metric, paired bootstrap, a tie to the simpler."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from framework.results import Comparison, LadderResult
from framework.specs import CaseDesign

BOOTSTRAP_RESAMPLES = 1000
LEVEL = 0.95
# Resampled values held in memory at once: resamples are drawn in blocks of this many values.
_BLOCK_VALUES = 20_000_000


def resampled_means(
    units: Mapping[str, np.ndarray], rng: np.random.Generator, resamples: int = BOOTSTRAP_RESAMPLES
) -> dict[str, np.ndarray]:
    """Each model's mean over the same bootstrap resamples of the test units.

    Every model is averaged over the *same* resampled users, trips or transactions, so the
    difference of two models' resampled means is the paired bootstrap of their difference
    (Efron and Tibshirani, ch. 13), and all pairs share one set of draws.

    Args:
        units: model -> per-unit values, all on the same units in the same order.
        rng: the run's ``bootstrap`` stream.
        resamples: bootstrap resamples.
    """
    arrays = {name: np.asarray(v, float) for name, v in units.items()}
    n = len(next(iter(arrays.values()), ()))
    if n == 0:
        return {name: np.zeros(resamples) for name in arrays}
    block = max(1, _BLOCK_VALUES // n)
    index = np.int32 if n < 2**31 else np.int64  # half the memory traffic of int64 indices
    parts: dict[str, list[np.ndarray]] = {name: [] for name in arrays}
    for start in range(0, resamples, block):
        draw = rng.integers(0, n, (min(block, resamples - start), n), dtype=index)
        for name, values in arrays.items():
            parts[name].append(values[draw].mean(axis=1))
    return {name: np.concatenate(p) for name, p in parts.items()}


def _interval(point: float, means: np.ndarray, scale: float) -> tuple[float, float, float]:
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(point * scale), float(low * scale), float(high * scale)


def paired_bootstrap(
    diff: np.ndarray, rng: np.random.Generator, *, total: bool = False, resamples: int = BOOTSTRAP_RESAMPLES
) -> tuple[float, float, float]:
    """The difference of two models on the same test units, with a percentile bootstrap interval.

    Args:
        diff: per-unit metric contribution of model A minus that of model B.
        rng: the run's ``bootstrap`` stream.
        total: the metric is a sum over units (expected cost), not a mean.
        resamples: bootstrap resamples.

    Returns:
        ``(difference, low, high)`` at the 95% level.
    """
    diff = np.asarray(diff, float)
    if len(diff) == 0:
        return 0.0, 0.0, 0.0
    means = resampled_means({"diff": diff}, rng, resamples)["diff"]
    return _interval(float(diff.mean()), means, len(diff) if total else 1)


def _check_units_match(units: Mapping[str, np.ndarray], values: Mapping[str, float], metric: str, total: bool) -> None:
    """The per-unit values must add up to the reported metric, or the intervals describe another number."""
    for name, per_unit in units.items():
        implied = float(per_unit.sum() if total else per_unit.mean()) if len(per_unit) else 0.0
        if not np.isclose(implied, values[name], rtol=1e-6, atol=1e-9):
            how = "sum" if total else "mean"
            raise ValueError(
                f"{name}: the {how} of its per-unit {metric} values is {implied:.6g} but the ladder reports "
                f"{values[name]:.6g}; pass the per-unit contributions of the reported metric"
            )


def build_ladder(
    design: CaseDesign,
    models: Mapping[str, Mapping[str, float]],
    decision_units: Mapping[str, np.ndarray],
    rng: np.random.Generator,
    notes: Mapping[str, str] | None = None,
) -> LadderResult:
    """The ladder result with roles from the design and the deployed model chosen by the decision metric.

    The top candidate is the one best on the decision metric. Walking from the simplest
    candidate up, the first whose paired bootstrap interval against the top contains 0 is a
    tie, and the simpler model is deployed: a gain the data cannot show is not worth the
    complexity.

    Args:
        design: the case design (ladder roles, decision metric and its direction).
        models: model name -> offline metric -> value, every ladder model except possibly the oracle.
        decision_units: candidate name -> per-unit contribution to the decision metric (per
            user, trip or transaction), all on the same test units in the same order.
        rng: the run's ``bootstrap`` stream.
        notes: one line per model.

    Raises:
        ValueError: a ladder model or a candidate's units are missing (a case bug, named).
    """
    ladder = [m.name for m in design.models.ladder]
    oracles = design.models.names("oracle")
    missing = [n for n in ladder if n not in models and n not in oracles]
    if missing:
        raise ValueError(f"the ladder lacks model(s) {missing} that the design names; score every rung")
    candidates = [n for n in ladder if n not in oracles]
    lacking = [n for n in candidates if n not in decision_units]
    if lacking:
        raise ValueError(f"no per-unit decision values for {lacking}: pass one array per candidate model")
    metric = design.metrics.decision_metric
    sign = 1.0 if metric.higher_is_better else -1.0
    top = max(candidates, key=lambda n: (sign * models[n][metric.name], -candidates.index(n)))
    total = metric.aggregate == "sum"

    # One set of resamples for every model: each pair's interval is fixed, wherever it is shown.
    units = {n: np.asarray(decision_units[n], float) for n in candidates}
    _check_units_match(units, {n: models[n][metric.name] for n in candidates}, metric.name, total)
    means = resampled_means(units, rng)
    scale = len(next(iter(units.values()))) if total else 1

    def compare(name: str, versus: str) -> Comparison:
        point = float(units[name].mean() - units[versus].mean())
        d, lo, hi = _interval(point, means[name] - means[versus], scale)
        return Comparison(
            model=name, versus=versus, metric=metric.name, difference=d, low=lo, high=hi, tie=bool(lo <= 0 <= hi)
        )

    best = top
    for name in candidates[: candidates.index(top)]:
        if compare(name, top).tie:
            best = name
            break
    comparisons = [compare(n, best) for n in candidates if n != best]
    climb = [compare(upper, lower) for lower, upper in zip(candidates, candidates[1:], strict=False)]
    spread = {n: list(_interval(0.0, means[n], scale)[1:]) for n in candidates}
    present = [n for n in ladder if n in models]
    oracle = next((n for n in oracles if n in models), None)
    return LadderResult(
        models={n: dict(models[n]) for n in present},
        naive=design.models.names("naive")[-1],
        baseline=design.models.names("baseline")[0],
        best=best,
        oracle=oracle,
        decision_metric=metric.name,
        comparisons=comparisons,
        climb=climb,
        spread=spread,
        notes=dict(notes or {}),
    )
