"""The deployed model: chosen by the decision metric, with a paired bootstrap, ties to the simpler model."""

from __future__ import annotations

import numpy as np
import pytest

from cases.eta.design import DESIGN as ETA_DESIGN
from framework.ladder import build_ladder, paired_bootstrap

LADDER = ["free_flow", "historical_mean", "gradient_boosting"]
# ETA's roles and decision metric on a fixed three-rung ladder, whatever rungs ETA adds.
DESIGN = ETA_DESIGN.model_copy(
    update={
        "models": ETA_DESIGN.models.model_copy(
            update={"ladder": [m for m in ETA_DESIGN.models.ladder if m.name in [*LADDER, "oracle"]]}
        )
    }
)


def _models(errors: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    return {n: {"trip_mae_s": float(e.mean())} for n, e in errors.items()} | {"oracle": {"trip_mae_s": 0.0}}


def test_paired_bootstrap_interval_covers_the_mean_difference_and_shrinks_with_pairing():
    rng = np.random.default_rng(0)
    shared = rng.normal(50, 20, 2000)  # per-trip difficulty both models share
    a, b = shared + rng.normal(0, 1, 2000), shared + 0.5 + rng.normal(0, 1, 2000)
    d, lo, hi = paired_bootstrap(a - b, np.random.default_rng(1))
    assert lo < d < hi < 0  # b is worse by 0.5 on average: clearly separated once paired
    assert hi - lo < 0.2  # the unpaired spread (~20 per trip) would give an interval ~10x wider
    total, tlo, thi = paired_bootstrap(a - b, np.random.default_rng(1), total=True)
    assert (total, tlo, thi) == pytest.approx((2000 * d, 2000 * lo, 2000 * hi))


def test_a_clear_winner_is_deployed_and_compared_with_every_other_candidate():
    rng = np.random.default_rng(0)
    base = rng.exponential(50, 3000)
    errors = {"free_flow": base * 2, "historical_mean": base, "gradient_boosting": base * 0.8}
    ladder = build_ladder(DESIGN, _models(errors), errors, np.random.default_rng(2))
    assert ladder.best == "gradient_boosting"
    assert (ladder.naive, ladder.baseline, ladder.oracle) == ("free_flow", "historical_mean", "oracle")
    assert [c.model for c in ladder.comparisons] == ["free_flow", "historical_mean"]
    assert all(c.difference > 0 and not c.tie for c in ladder.comparisons)  # both worse (higher MAE)


def test_a_gain_inside_the_interval_is_a_tie_and_the_simpler_model_is_deployed():
    rng = np.random.default_rng(0)
    base = rng.exponential(50, 300)
    noise = rng.normal(0, 5, 300)
    # 0.3 s better on average, with a per-trip spread of 5 s: a standard error of about 0.29 s.
    errors = {"free_flow": base * 2, "historical_mean": base, "gradient_boosting": base - 0.3 + noise - noise.mean()}
    models = _models(errors)
    assert min(LADDER, key=lambda n: models[n]["trip_mae_s"]) == "gradient_boosting"  # the top on the point estimate
    ladder = build_ladder(DESIGN, models, errors, np.random.default_rng(3))
    assert ladder.best == "historical_mean", ladder.comparisons
    tie = next(c for c in ladder.comparisons if c.model == "gradient_boosting")
    assert tie.tie and tie.low <= 0 <= tie.high and tie.difference < 0


def test_missing_rungs_or_units_are_named():
    errors = {"free_flow": np.ones(3), "historical_mean": np.ones(3)}
    with pytest.raises(ValueError, match="gradient_boosting"):
        build_ladder(DESIGN, _models(errors), errors, np.random.default_rng(0))
    models = _models({**errors, "gradient_boosting": np.ones(3)})
    with pytest.raises(ValueError, match="no per-unit decision values for \\['gradient_boosting'\\]"):
        build_ladder(DESIGN, models, errors, np.random.default_rng(0))


def test_a_run_without_oracle_has_none():
    errors = {n: np.ones(10) * (i + 1) for i, n in enumerate(LADDER)}
    models = {n: {"trip_mae_s": float(e.mean())} for n, e in errors.items()}
    assert build_ladder(DESIGN, models, errors, np.random.default_rng(0)).oracle is None


def test_the_climb_compares_each_rung_with_the_one_below():
    rng = np.random.default_rng(0)
    base = rng.exponential(50, 3000)
    errors = {"free_flow": base * 2, "historical_mean": base, "gradient_boosting": base * 0.8}
    ladder = build_ladder(DESIGN, _models(errors), errors, np.random.default_rng(2))
    assert [(c.model, c.versus) for c in ladder.climb] == [
        ("historical_mean", "free_flow"),
        ("gradient_boosting", "historical_mean"),
    ]
    assert all(c.difference < 0 and c.high < 0 for c in ladder.climb)  # each step lowers the MAE beyond doubt


def test_a_pair_of_models_has_one_interval_wherever_it_is_shown():
    rng = np.random.default_rng(0)
    base = rng.exponential(50, 3000)
    errors = {"free_flow": base * 2, "historical_mean": base, "gradient_boosting": base * 0.8}
    ladder = build_ladder(DESIGN, _models(errors), errors, np.random.default_rng(2))
    against_best = next(c for c in ladder.comparisons if c.model == "historical_mean")
    climb = next(c for c in ladder.climb if c.model == "gradient_boosting")
    assert (climb.difference, climb.low, climb.high) == (
        -against_best.difference,
        -against_best.high,
        -against_best.low,
    )


def test_every_candidate_has_an_interval_around_its_own_decision_metric():
    rng = np.random.default_rng(0)
    base = rng.exponential(50, 2000)
    errors = {"free_flow": base * 2, "historical_mean": base, "gradient_boosting": base * 0.8}
    ladder = build_ladder(DESIGN, _models(errors), errors, np.random.default_rng(4))
    assert set(ladder.spread) == set(LADDER)  # the oracle is a bound, not an estimate: no interval
    for name, (low, high) in ladder.spread.items():
        assert low < ladder.models[name]["trip_mae_s"] < high
    widths = {n: high - low for n, (low, high) in ladder.spread.items()}
    assert widths["free_flow"] == pytest.approx(2 * widths["historical_mean"], rel=0.05)  # doubled errors


def test_per_unit_values_that_do_not_add_up_to_the_reported_metric_are_refused():
    errors = {n: np.full(10, 5.0) for n in LADDER}
    models = _models(errors)
    models["historical_mean"]["trip_mae_s"] = 4.0  # the table says 4, the units say 5
    with pytest.raises(ValueError, match="historical_mean: the mean of its per-unit trip_mae_s values is 5"):
        build_ladder(DESIGN, models, errors, np.random.default_rng(0))
