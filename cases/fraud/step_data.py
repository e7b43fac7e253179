"""Steps 4 and 5 of the fraud case: simulate or load transactions, split them by time, build point-in-time features."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cases.fraud import checks, fraud_rate, mode_prose, modes, scale
from cases.fraud.artifacts import FraudData, FraudFeatures
from cases.fraud.config import FraudConfig
from cases.fraud.design import REVIEW_CAPACITY_SHARE
from cases.fraud.evaluation import CARD_K
from cases.fraud.features import WINDOWS
from cases.fraud.fraud_rate import REALISTIC_FRAUD_RATE
from cases.fraud.loader import check_classes, read_transactions
from cases.fraud.simulator import SCENARIO_NAMES, empty_transactions
from cases.fraud.split import Windows, random_split, split
from framework.case import RunContext
from framework.guards import quote
from framework.results import DataResult, FeaturesResult

SMALL_TEST_FRAUDS = 30  # fewer frauds than this in the test window: a small-sample warning

# What the oracle reads on real data, where nothing was compromised on purpose.
NO_COMPROMISED_TERMINALS = pd.DataFrame({"terminal_id": [], "start_day": [], "end_day": []})


def data(ctx: RunContext[FraudConfig]) -> tuple[DataResult, FraudData]:
    """Simulate (or load) transactions and split them by time with a label-delay gap."""
    cfg = ctx.config
    warnings: list[str] = []
    source = ctx.data_path.name if ctx.data_path is not None else None
    extra: dict[str, Any] = {}
    reading: dict[str, Any] = {}
    mode = modes.CUSTOMER_TERMINAL
    given: tuple[str, ...] = ()
    totals: dict[str, Any] = {}
    sim: Simulated | None = None
    if ctx.data_path is not None:
        # A file is read whole into memory on either engine: its loader checks its size.
        real = read_transactions(ctx.data_path, warnings, dict(ctx.columns) or None)
        tx, mode, given = real.tx, real.mode, tuple(real.given)
        check_classes(tx, ctx.data_path)
        compromised = NO_COMPROMISED_TERMINALS
        windows, split_rule = checks.fit_windows(cfg, tx["time_s"].to_numpy(), ctx.data_path.name)
        reading = real.summary | {"mode": mode, "mode_note": modes.SAYS[mode]}
        if given:
            reading["feature_columns"] = list(given)
    else:
        sim = _simulated(ctx)
        tx, compromised, extra = sim.tx, sim.compromised, sim.extra
        totals |= sim.totals
        windows, split_rule = sim.windows, ""
    n_days = int(tx["day"].max()) + 1 if source else cfg.n_days
    main = split(tx, windows)
    val = split(tx, windows.shifted(windows.delay_days + windows.test_days))
    if cfg.split_mode == "random":  # the new-pipeline drill: a flaw on purpose, from its own random stream
        main = random_split(tx, windows, ctx.rng("random_split_drill"))
    checks.check_windows(tx, main, val, source)
    if not totals:  # real data: the file is in memory whole
        totals = whole_totals(tx)
    if mode != modes.ANONYMOUS:
        warnings += checks.config_warnings(cfg, totals["customers"])
    amounts = amount_cuts(cfg, tx["amount"].to_numpy()[main.train], source is None)
    fraud = FraudData(
        tx=tx,
        split=main,
        val_split=val,
        synthetic=source is None,
        compromised_terminals=compromised,
        mode=mode,
        given=given,
        delay_days=windows.delay_in_days if source else cfg.delay_days,
        outlier_amount=amounts["outlier"],
        ordinary_amount=amounts["ordinary"],
        amount_bands=amounts["bands"],
        frame=sim.frame if sim else None,
        keep=sim.keep if sim else None,
        n_blocks=sim.n_blocks if sim else 1,
        replay=sim.replay if sim else None,
        replay_start=sim.replay_start if sim else 0,
    )
    if source:
        extra["split_windows"] = split_rule
        extra["amount_thresholds"] = amounts["said"]

    y = tx["is_fraud"].to_numpy()
    extra |= rate_summary(cfg, fraud.synthetic)
    summary: dict[str, Any] = {
        "source": "simulator" if fraud.synthetic else "real data",
        **reading,
        "transactions": totals["transactions"],
    }
    if fraud.has_cards:
        summary |= {
            "customers": totals["customers"],
            # Card precision@k investigates k cards a day: that is this share of the simulated portfolio.
            "investigated_cards_per_day": CARD_K,
            "investigated_share_of_cards": CARD_K / max(totals["customers"], 1),
        }
    summary["review_capacity_share"] = REVIEW_CAPACITY_SHARE
    if fraud.has_terminals:
        summary["terminals"] = totals["terminals"]
    summary |= {
        "days": n_days,
        "frauds": totals["frauds"],
        "fraud_rate": totals["frauds"] / max(totals["transactions"], 1),
        "train_window_days": windows.shown(windows.train_start, windows.train_end),
        "gap_days (label delay)": windows.shown(windows.train_end, windows.test_start),
        "test_window_days": windows.shown(windows.test_start, windows.test_end),
        "validation_fit_days": val.windows.shown(val.windows.train_start, val.windows.train_end),
        "validation_window_days": val.windows.shown(val.windows.test_start, val.windows.test_end),
        "validation_note": "the validation window covers the training window's days but is scored by the "
        "validation fit (earlier days): thresholds come from that fit's scores and carry to the main fit",
        "train_frauds": int(y[main.train].sum()),
        "test_frauds": int(y[main.test].sum()),
        "test_fraud_rate": float(y[main.test].mean()),
        # The accuracy paradox in one number: "never fraud" is right this often on the test window.
        "test_accuracy_of_never_fraud": float(1 - y[main.test].mean()),
        **extra,
    }
    if fraud.has_cards:
        test_tx = tx[main.test]
        cards_a_day = test_tx[["day", "customer_id"]].drop_duplicates().shape[0] / max(test_tx["day"].nunique(), 1)
        summary["test_cards_per_day"] = cards_a_day
        if summary["investigated_share_of_cards"] > 1:  # k above the whole portfolio: a share would mislead
            summary.pop("investigated_share_of_cards")
        summary["test_rows_removed_known_compromised"] = main.removed_known
        summary["test_cards_removed_known_compromised"] = main.removed_cards
    else:
        summary["card_precision"] = "absent: an anonymous file names no cards, so no card can be ranked or blocked"
    summary |= mode_prose.data_sentences(summary, windows, fraud.has_cards, fraud.has_terminals, fraud.delay_days)
    if not fraud.synthetic:
        summary["oracle"] = "none: real data has no generator truth, and the test labels are no model"
    else:
        summary["oracle"] = (
            "the simulator's truth, which reads what no deployable model can see (which terminal is compromised "
            "right now, which transactions a fraudster made); its score is a bound, so the deployed model's "
            "ratio to it is not headroom: real headroom is what new signals (velocity, device, merchant) add"
        )
    test_frauds = summary["test_frauds"]
    if test_frauds < SMALL_TEST_FRAUDS:
        summary["small_sample"] = (
            f"the test window holds only {test_frauds} fraud(s) in {int(main.test.sum()):,} rows: every recall, "
            "precision and cost difference between models rests on them, and differences inside the ladder's "
            "intervals are not differences"
        )
        warnings.append(f"{quote(source, 40) if source else 'simulation'}: {summary['small_sample']}")
    if warnings:
        summary["warnings"] = warnings
    # What the data and features steps processed (every generated or loaded row), for the throughput figure.
    summary["batch_rows"] = totals["transactions"]
    if sim is not None:
        summary["customer_blocks"] = sim.n_blocks
        summary["batch_partitions"] = sim.n_blocks
        summary["rows_in_memory"] = len(tx)
    record = DataResult(
        train=tx[main.train],
        test=tx[main.test],
        synthetic=fraud.synthetic,
        time_column="timestamp",
        id_column="transaction_id",
        summary=summary,
    )
    return record, fraud


@dataclass(frozen=True)
class Simulated:
    """The simulated data set: the whole frame on the engine and what the later steps hold in memory."""

    frame: Any
    n_blocks: int
    keep: scale.Keep
    tx: pd.DataFrame
    compromised: pd.DataFrame
    windows: Windows
    totals: dict[str, Any]
    extra: dict[str, Any]
    replay: pd.DataFrame
    replay_start: int


def _simulated(ctx: RunContext[FraudConfig]) -> Simulated:
    """Simulate on the engine; collect the split's days and the serving replay's history; count the rest there."""
    cfg, engine = ctx.config, ctx.engine
    frame, schedules, n_blocks = scale.transactions(ctx)
    meta = empty_transactions(cfg.start_date)
    windows = checks.split_windows(cfg, cfg.n_days, None)
    keep = scale.Keep.of(windows, windows.shifted(windows.delay_days + windows.test_days), cfg.split_mode == "random")
    kept = scale.on_partitions(engine, frame, functools.partial(scale.select_rows, keep=keep), meta)
    # Whole-data counts: per partition on the engine (partitions hold whole customers), summed here,
    # in the same pass over the data as the kept rows.
    counts = scale.on_partitions(engine, frame, scale.block_counts, scale.block_counts(meta))
    seen = scale.on_partitions(engine, frame, scale.unique_terminals, scale.unique_terminals(meta))
    got = engine.compute(kept, counts, seen)
    tx = scale.finish(got[0], meta)
    totals = scale.totals(got[1], got[2])
    if totals["transactions"] == 0:
        checks.check_simulation(tx, cfg)
    ctx.collected(
        "split windows", tx, "the validation-fit, training and test days, and every earlier fraud the split needs"
    )
    extra: dict[str, Any] = {}
    for code in (1, 2, 3):
        extra[f"frauds_{SCENARIO_NAMES[code].replace(' ', '_')}"] = totals["scenarios"][code]
    extra["compromised_terminals"] = len(schedules.terminals)
    extra["compromised_cards"] = len(schedules.cards)
    totals.pop("scenarios")
    replay, replay_start = _replay_rows(ctx, frame, tx, windows, meta)
    return Simulated(
        frame=frame,
        n_blocks=n_blocks,
        keep=keep,
        tx=tx,
        compromised=schedules.terminals.rename(columns={"entity": "terminal_id"}),
        windows=windows,
        totals=totals,
        extra=extra,
        replay=replay,
        replay_start=replay_start,
    )


def _replay_rows(
    ctx: RunContext[FraudConfig], frame: Any, tx: pd.DataFrame, windows: Windows, meta: pd.DataFrame
) -> tuple[pd.DataFrame, int]:
    """The serving replay's requests (the first of the test window) after the history of their cards and terminals.

    Returns:
        The frame to replay and the position of its first request.
    """
    cfg = ctx.config
    start = int(np.argmax(windows.periods(tx) >= windows.test_start))
    requests = tx.iloc[start : start + min(cfg.serving_requests, len(tx) - start)]
    if requests.empty:
        return requests.reset_index(drop=True), 0
    lo, hi = scale.history_span(int(requests["time_s"].iloc[0]), cfg.delay_days)
    cards, terminals = np.unique(requests["customer_id"]), np.unique(requests["terminal_id"])
    pick = functools.partial(scale.history_rows, lo=lo, hi=hi, customers=cards, terminals=terminals)
    history = scale.collect(ctx.engine, scale.on_partitions(ctx.engine, frame, pick, meta), meta)
    return pd.concat([history, requests], ignore_index=True), len(history)


def whole_totals(tx: pd.DataFrame) -> dict[str, Any]:
    """Counts over a data set held in memory whole (real data)."""
    return {
        "transactions": len(tx),
        "frauds": int(tx["is_fraud"].sum()),
        "customers": int(tx["customer_id"].nunique()) if "customer_id" in tx else 0,
        "terminals": int(tx["terminal_id"].nunique()) if "terminal_id" in tx else 0,
    }


def rate_summary(cfg: FraudConfig, synthetic: bool) -> dict[str, Any]:
    """How this run's fraud rate was set, and the command for the realistic ~0.1% option."""
    out: dict[str, Any] = {
        "realistic_fraud_rate": REALISTIC_FRAUD_RATE,
        "realistic_fraud_rate_command": f"python -m cases.fraud run --set fraud_rate={REALISTIC_FRAUD_RATE:g}",
    }
    if not synthetic:
        out["fraud_rate_setting"] = "real data: the file's own fraud rate"
        return out
    expected = fraud_rate.expected_rate(cfg.model_dump())["total"]
    out["expected_fraud_rate"] = expected
    out["fraud_rate_setting"] = (
        f"the handbook's scenario rates (expected {expected:.2%}); --set fraud_rate scales them"
        if cfg.fraud_rate is None
        else f"fraud_rate={cfg.fraud_rate:g}: terminals and cards compromised per day and the outlier amount "
        f"rescaled so every scenario shrinks alike (expected {expected:.2%})"
    )
    return out


def features(ctx: RunContext[FraudConfig], data: FraudData) -> tuple[FeaturesResult, FraudFeatures]:
    """Point-in-time features of every transaction (the windows need the history before the training window)."""
    cfg = ctx.config
    # The terminal-risk drill shortens this shift; by default it is the label delay.
    delay = data.delay_days if cfg.terminal_risk_delay_days is None else cfg.terminal_risk_delay_days
    if data.frame is None:  # real data: the whole file is in memory
        X = modes.build(data.tx, delay, data.mode, data.given)
    else:
        X = scale.features(ctx.engine, data.frame, data.n_blocks, data.keep, delay, data.tx)
        ctx.collected("features of the split windows", X)
    names = list(X.columns)
    summary: dict[str, Any] = {"n_features": len(names), "features": ", ".join(names)}
    if data.mode != modes.ANONYMOUS:
        summary["windows_days"] = ", ".join(str(w) for w in WINDOWS)
    if data.has_terminals:
        summary["terminal_windows_shifted_by_days"] = delay
    if data.mode != modes.CUSTOMER_TERMINAL:
        summary["mode"] = modes.SAYS[data.mode]
    windows_days = summary.get("windows_days")
    summary["features_said"] = mode_prose.features_said(names, windows_days, data.has_terminals, data.given)
    summary["patterns_said"] = mode_prose.patterns_said(
        data.synthetic, ctx.config.outlier_amount, ctx.config.card_amount_factor, data.has_cards
    )
    summary["rows_featurised"] = len(X)
    return FeaturesResult(summary=summary), FraudFeatures(X=X)


# Synthetic amount cut-offs: the simulator's own (scenario 1's outlier amount, today's slices).
ORDINARY_AMOUNT = 100.0
SYNTHETIC_BANDS = (0.0, 50.0, 100.0, 220.0, float("inf"))
OUTLIER_QUANTILE = 0.99


def amount_cuts(cfg: FraudConfig, train_amounts: Any, synthetic: bool) -> dict[str, Any]:
    """Amount cut-offs of the rules and slices: the simulator's on synthetic data, the training window's on real data.

    Real data: outliers are above the 99th percentile of training amounts, ordinary purchases below
    the median, and the slices cut at the median, 90th and 99th percentiles.
    """
    if synthetic:
        return {"outlier": cfg.outlier_amount, "ordinary": ORDINARY_AMOUNT, "bands": SYNTHETIC_BANDS, "said": ""}
    q50, q90, q99 = (round(float(v), 2) for v in np.quantile(train_amounts, [0.5, 0.9, OUTLIER_QUANTILE]))
    edges = sorted({0.0, q50, q90, q99})
    said = (
        f"from the training window's amounts: outliers above the 99th percentile {q99:,.2f} (behavioural check, "
        f"serving's rule fallback), ordinary purchases below the median {q50:,.2f}, slices cut at the median, 90th "
        "and 99th percentiles"
    )
    return {"outlier": q99, "ordinary": q50, "bands": (*edges, float("inf")), "said": said}
