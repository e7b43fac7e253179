"""Steps 4 and 5 of the fraud case: simulate or load transactions, split them by time, build point-in-time features."""

from __future__ import annotations

from typing import Any

import pandas as pd

from cases.fraud import checks, fraud_rate
from cases.fraud.artifacts import FraudData, FraudFeatures
from cases.fraud.config import FraudConfig
from cases.fraud.design import REVIEW_CAPACITY_SHARE
from cases.fraud.evaluation import CARD_K
from cases.fraud.features import FEATURES, WINDOWS, build_features
from cases.fraud.fraud_rate import REALISTIC_FRAUD_RATE
from cases.fraud.loader import check_classes, load_transactions
from cases.fraud.simulator import SCENARIO_NAMES, SimParams, simulate
from cases.fraud.split import random_split, split
from framework.case import RunContext
from framework.results import DataResult, FeaturesResult

# What the oracle reads on real data, where nothing was compromised on purpose.
NO_COMPROMISED_TERMINALS = pd.DataFrame({"terminal_id": [], "start_day": [], "end_day": []})


def data(ctx: RunContext[FraudConfig]) -> tuple[DataResult, FraudData]:
    """Simulate (or load) transactions and split them by time with a label-delay gap."""
    cfg = ctx.config
    warnings: list[str] = []
    source = ctx.data_path.name if ctx.data_path is not None else None
    extra: dict[str, Any] = {}
    if ctx.data_path is not None:
        tx = load_transactions(ctx.data_path, warnings)
        check_classes(tx, ctx.data_path)
        n_days = int(tx["day"].max()) + 1
        compromised = NO_COMPROMISED_TERMINALS
    else:
        sim = simulate(SimParams.from_config(cfg), ctx.rng)
        tx = sim.transactions
        checks.check_simulation(tx, cfg)
        n_days = cfg.n_days
        compromised = sim.compromised_terminals
        counts = tx["scenario"].value_counts()
        for code in (1, 2, 3):
            extra[f"frauds_{SCENARIO_NAMES[code].replace(' ', '_')}"] = int(counts.get(code, 0))
        extra["compromised_terminals"] = len(sim.compromised_terminals)
        extra["compromised_cards"] = len(sim.compromised_cards)
    windows = checks.split_windows(cfg, n_days, source)
    main, val = split(tx, windows), split(tx, windows.shifted(cfg.delay_days + cfg.test_days))
    if cfg.split_mode == "random":  # the new-pipeline drill: a flaw on purpose, from its own random stream
        main = random_split(tx, windows, ctx.rng("random_split_drill"))
    checks.check_windows(tx, main, val, source)
    warnings += checks.config_warnings(cfg, tx)
    fraud = FraudData(tx=tx, split=main, val_split=val, synthetic=source is None, compromised_terminals=compromised)

    y = tx["is_fraud"].to_numpy()
    extra |= rate_summary(cfg, fraud.synthetic)
    summary: dict[str, Any] = {
        "source": "simulator" if fraud.synthetic else "real data",
        "transactions": len(tx),
        "customers": int(tx["customer_id"].nunique()),
        # Card precision@k investigates k cards a day: that is this share of the simulated portfolio.
        "investigated_cards_per_day": CARD_K,
        "investigated_share_of_cards": CARD_K / max(int(tx["customer_id"].nunique()), 1),
        "review_capacity_share": REVIEW_CAPACITY_SHARE,
        "terminals": int(tx["terminal_id"].nunique()),
        "days": n_days,
        "frauds": int(y.sum()),
        "fraud_rate": float(y.mean()),
        "train_window_days": f"{windows.train_start}-{windows.train_end - 1}",
        "gap_days (label delay)": f"{windows.train_end}-{windows.test_start - 1}",
        "test_window_days": f"{windows.test_start}-{windows.test_end - 1}",
        "validation_fit_days": f"{val.windows.train_start}-{val.windows.train_end - 1}",
        "validation_window_days": f"{val.windows.test_start}-{val.windows.test_end - 1}",
        "validation_note": "the validation window covers the training window's days but is scored by the "
        "validation fit (earlier days): thresholds come from that fit's scores and carry to the main fit",
        "test_rows_removed_known_compromised": main.removed_known,
        "test_cards_removed_known_compromised": main.removed_cards,
        "train_frauds": int(y[main.train].sum()),
        "test_frauds": int(y[main.test].sum()),
        "test_fraud_rate": float(y[main.test].mean()),
        # The accuracy paradox in one number: "never fraud" is right this often on the test window.
        "test_accuracy_of_never_fraud": float(1 - y[main.test].mean()),
        **extra,
    }
    if not fraud.synthetic:
        summary["oracle"] = "none: real data has no generator truth, and the test labels are no model"
    else:
        summary["oracle"] = (
            "the simulator's truth, which reads what no deployable model can see (which terminal is compromised "
            "right now, which transactions a fraudster made); its score is a bound, so the deployed model's "
            "ratio to it is not headroom: real headroom is what new signals (velocity, device, merchant) add"
        )
    if warnings:
        summary["warnings"] = warnings
    record = DataResult(
        train=tx[main.train],
        test=tx[main.test],
        synthetic=fraud.synthetic,
        time_column="timestamp",
        id_column="transaction_id",
        summary=summary,
    )
    return record, fraud


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
    delay = cfg.delay_days if cfg.terminal_risk_delay_days is None else cfg.terminal_risk_delay_days
    X = build_features(data.tx, delay)
    summary = {
        "n_features": len(FEATURES),
        "features": ", ".join(FEATURES),
        "windows_days": ", ".join(str(w) for w in WINDOWS),
        "terminal_windows_shifted_by_days": delay,
        "rows_featurised": len(X),
    }
    return FeaturesResult(summary=summary), FraudFeatures(X=X)
