"""The SQLite real-time scorer matches the batch pipeline and is fast enough."""

from __future__ import annotations

import numpy as np
import pytest

from cases.fraud.artifacts import FraudData, FraudFeatures, FraudModels
from cases.fraud.serving import OnlineScorer, as_transactions, replay
from framework.timeunits import SECONDS_PER_DAY


def test_deployment_step_matches_batch_within_sla(small_run, small_ctx):
    result = small_run.records["deployment"]
    assert result.extra["model"] == small_run.records["models"].best
    # Latency and batch agreement are read on the requests a model scored (before the drill kills both).
    assert result.requests == result.extra["standby_failed_at_request"] < small_ctx.config.serving_requests
    assert result.extra["max_abs_score_diff_vs_batch"] <= 1e-9
    assert result.p50_ms <= result.p99_ms <= 10 * result.sla_ms  # generous: the machine is shared
    assert result.extra["labels_released_during_replay"] > 0


def test_online_features_equal_batch_features(small_run, small_ctx):
    data, X = small_run.get(FraudData), small_run.get(FraudFeatures).X
    tx = data.tx
    start = int(np.argmax(tx["day"].to_numpy() >= data.split.windows.test_start))
    scorer = OnlineScorer(lambda x: x[:, 0], small_ctx.config.delay_days, ":memory:")
    # The replay frame: the requests after their cards' and terminals' history (tx holds only the split's days).
    frame, first = data.replay, data.replay_start
    assert frame["transaction_id"].iloc[first + 50] == tx["transaction_id"].iloc[start + 50]
    replay(scorer, frame, first, 50, small_ctx.config.delay_days)
    nxt = as_transactions(frame.iloc[first + 50 : first + 51])[0]
    online = scorer.features(nxt)[0]
    np.testing.assert_allclose(online, X.iloc[start + 50].to_numpy(), rtol=1e-10, atol=1e-10)


def test_released_label_raises_terminal_risk():
    scorer = OnlineScorer(lambda x: x[:, -1], delay_days=1, path=":memory:")
    day = SECONDS_PER_DAY
    scorer.load_history([("a", "c1", "t1", 0, 10.0, None), ("b", "c2", "t1", 10, 20.0, None)])
    probe = as_transactions_row("p", "c3", "t1", 2 * day, 30.0)
    assert scorer.features(probe)[0][-1] == 0.0  # labels unknown: no risk yet
    scorer.record_label("a", 1)
    assert scorer.features(probe)[0][-1] == 0.5  # one fraud among the terminal's two transactions


def as_transactions_row(tid, cust, term, t, amount):
    from cases.fraud.serving import Transaction

    return Transaction(tid, cust, term, t, amount, weekday=0, hour=12)


def test_compiled_boosting_equals_sklearn_bit_for_bit(small_run):
    from threadpoolctl import threadpool_limits

    from cases.fraud.features import FEATURES
    from cases.fraud.models import CompiledBoosting, TreeEnsemble

    model = small_run.get(FraudModels).fitted["tree_ensemble"]
    assert isinstance(model, TreeEnsemble)
    X = small_run.get(FraudFeatures).X[FEATURES].to_numpy(copy=True)[:5000]
    X[::7, 0] = np.nan  # missing values follow the learnt default direction too
    with threadpool_limits(1):
        expected = model.model_.predict_proba(X)[:, 1]
    assert np.array_equal(CompiledBoosting(model.model_).score(X), expected)


def test_serving_measures_its_guardrails_with_a_failed_scorer(small_run, small_ctx):
    from cases.fraud.design import DESIGN

    result = small_run.records["deployment"]
    assert result.sla_ms == DESIGN.problem.constraints.latency_sla_ms  # the one SLA of the design
    g = result.guardrails
    assert g.values["scoring_p99_ms"] == result.p99_ms
    assert 0 < g.values["failover_drill"] <= 1
    served = result.extra["served_by"]
    n = small_ctx.config.serving_requests
    # The primary answers until it is killed, the standby until it is killed too, the rule fallback after.
    assert served["scorer_a"] == result.extra["failed_at_request"] > 0
    assert served["scorer_a"] + served["scorer_b"] == result.extra["standby_failed_at_request"]
    assert served["scorer_a"] + served["scorer_b"] + served["rule_fallback"] == n
    assert served["scorer_b"] > 0 and served["rule_fallback"] > 0 and result.extra["failovers"] == 2
    # A drill of n requests supports no four-nines claim: the rule of three bounds the failure rate by 3/n.
    assert result.extra["drill_requests"] == n and result.extra["drill_failures"] == 0
    assert result.extra["failure_rate_upper_95"] == pytest.approx(3 / n)
    assert result.extra["failure_rate_upper_95"] > 1 - 0.9999
    assert result.extra["requests_for_four_nines"] >= 30_000


def test_failover_falls_back_to_the_rule_when_no_replica_answers():
    from cases.fraud.features import FEATURES
    from cases.fraud.serving import Failover, Replica

    a, b = Replica("scorer_a", lambda x: np.full(len(x), 0.3)), Replica("scorer_b", lambda x: np.full(len(x), 0.4))
    router = Failover([a, b], fallback_amount=100.0)
    x = np.zeros((1, len(FEATURES)))
    x[0, FEATURES.index("amount")] = 150.0
    assert router(x)[0] == 0.3
    a.up = False
    assert router(x)[0] == 0.4
    b.up = False
    assert router(x)[0] == 1.0  # large amount: the rule sends it to review
    assert dict(router.served) == {"scorer_a": 1, "scorer_b": 1, "rule_fallback": 1} and router.failovers == 2


def test_compiled_linear_scores_equal_the_pipeline(small_run):
    from cases.fraud.features import FEATURES
    from cases.fraud.models import CompiledLinear, Logistic

    model = small_run.get(FraudModels).fitted["logistic_regression"]
    assert isinstance(model, Logistic)
    X = small_run.get(FraudFeatures).X[FEATURES].to_numpy(copy=True)[:5000]
    compiled = CompiledLinear(model.pipeline_)
    assert np.allclose(compiled.score(X), model.score(X), rtol=0, atol=1e-12)
    one = compiled.score(X[3])  # one served transaction
    assert one.shape == (1,) and abs(one[0] - model.score(X[3:4])[0]) < 1e-12
