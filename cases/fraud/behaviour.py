"""Behavioural tests of a trained fraud model (CheckList style): directional, invariance, minimum functionality."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from cases.fraud.features import WINDOWS
from framework.results import BehaviouralCheck

Scorer = Callable[[pd.DataFrame], np.ndarray]

MIN_SHARE_UP = 0.9  # a directional check passes when at least this share of rows moves the right way
TOLERANCE = 1e-12


INVARIANCE_ROWS = 200_000  # test rows the id-invariance check rebuilds when the history is not in memory


def amount_times(X: pd.DataFrame, factor: float) -> pd.DataFrame:
    """The same transactions with the amount multiplied, customer averages updated consistently.

    The customer averages include the transaction itself, so they move by
    ``(factor - 1) * amount / count`` of their window.
    """
    out = X.copy()
    extra = (factor - 1.0) * X["amount"]
    out["amount"] = X["amount"] * factor
    for w in WINDOWS:
        if f"customer_avg_amount_{w}d" in X:  # absent in the anonymous mode
            out[f"customer_avg_amount_{w}d"] = X[f"customer_avg_amount_{w}d"] + extra / X[f"customer_nb_tx_{w}d"]
    return out


def risky_terminal(X: pd.DataFrame, risk: float = 0.5, count: float = 10.0) -> pd.DataFrame:
    """The same transactions at a terminal where ``risk`` of the recent labelled transactions were fraud."""
    out = X.copy()
    for w in WINDOWS:
        out[f"terminal_nb_tx_{w}d"] = np.maximum(X[f"terminal_nb_tx_{w}d"], count)
        out[f"terminal_risk_{w}d"] = risk
    return out


def _directional(name: str, before: np.ndarray, after: np.ndarray, what: str) -> BehaviouralCheck:
    if len(before) == 0:  # e.g. every test terminal had a released fraud: nothing to move
        return BehaviouralCheck(name=name, kind="directional", passed=False, detail=f"{what}: no such rows, not tested")
    up = float(np.mean(after > before + TOLERANCE))
    down = float(np.mean(after < before - TOLERANCE))
    passed = bool(after.mean() > before.mean() and down <= 1 - MIN_SHARE_UP)
    detail = (
        f"{what}: mean score {before.mean():.4f} -> {after.mean():.4f}; {up:.1%} of rows up, "
        f"{down:.1%} down (pass: mean up and <= {1 - MIN_SHARE_UP:.0%} down)"
    )
    return BehaviouralCheck(name=name, kind="directional", passed=passed, detail=detail)


def run_checks(
    score: Scorer,
    tx: pd.DataFrame,
    X: pd.DataFrame,
    rows: np.ndarray,
    threshold: float,
    rebuild: Callable[[pd.DataFrame], pd.DataFrame],
    outlier_amount: float,
    rng: np.random.Generator,
    ordinary_amount: float = 100.0,
    reads: tuple[str, ...] | None = None,
    not_applicable: list[str] | None = None,
    whole_history: bool = True,
) -> list[BehaviouralCheck]:
    """Run every behavioural check of the design on ``rows`` (the test window).

    Args:
        score: the model's scoring function on a feature frame.
        tx: all transactions (features need their history).
        X: features of all transactions.
        rows: boolean mask of the rows to test on.
        threshold: the model's alert threshold.
        rebuild: the features of a transaction frame (the invariance check recomputes them).
        outlier_amount: scenario 1 threshold (real data: the training amounts' 99th percentile), for the
            minimum-functionality check.
        rng: randomness for the id permutation.
        ordinary_amount: amounts below it are ordinary purchases (100; real data: the training median).
        reads: the only inputs that move the model's score (None: any); a directional check on an input
            the model does not read cannot apply to it.
        not_applicable: each check left out because it cannot apply to the model gets a reason here.
        whole_history: ``tx`` holds every transaction before the test rows; when it holds only the
            split's days (a simulation too big for memory), the invariance check compares features
            rebuilt from ``tx`` with and without the permutation instead of with ``X``.

    Checks a data mode cannot run (terminal risk without terminals) are left out, not passed; a check with
    no rows to test fails as "not testable", never passes.
    """
    Xt = X[rows]
    base = score(Xt)
    legit = tx.loc[rows, "is_fraud"].to_numpy() == 0
    checks = []

    skipped = not_applicable if not_applicable is not None else []
    # Directional: fivefold amount (the compromised-card pattern) on legitimate transactions.
    if reads is None or "amount" in reads:
        moved = score(amount_times(Xt[legit], 5.0)) if legit.any() else base[legit]
        checks.append(_directional("amount x5 raises the score", base[legit], moved, "legit test rows, amount x5"))
    else:
        skipped.append("amount x5 raises the score: n/a, the deployed model does not read the amount")

    # Directional: the same transactions at a terminal with many recent (released) frauds.
    terminals = "terminal_risk_30d" in Xt
    if terminals and reads is not None and not any(c.startswith("terminal_") for c in reads):
        skipped.append(
            "recent frauds at the terminal raise the score: n/a, the deployed model reads no terminal feature "
            f"(it reads {', '.join(reads) or 'nothing'})"
        )
    elif terminals:
        quiet = legit & (Xt["terminal_risk_30d"].to_numpy() == 0)
        moved = score(risky_terminal(Xt[quiet])) if quiet.any() else base[quiet]
        checks.append(
            _directional(
                "recent frauds at the terminal raise the score",
                base[quiet],
                moved,
                "legit rows at clean terminals, terminal risk set to 0.5",
            )
        )

    # Invariance: renumbering transaction ids (keeping time order) changes no feature and no score.
    if whole_history:
        renamed = tx.assign(transaction_id=rng.permutation(tx["transaction_id"].to_numpy()))
        again, before = score(rebuild(renamed)[rows]), base
    else:  # tx lacks the history: rebuild a bounded slice of test rows with and without the permutation
        sub = tx[rows].iloc[:INVARIANCE_ROWS]
        renamed = sub.assign(transaction_id=rng.permutation(sub["transaction_id"].to_numpy()))
        again, before = score(rebuild(renamed)), score(rebuild(sub))
    diff = float(np.max(np.abs(again - before), initial=0.0))
    checks.append(
        BehaviouralCheck(
            name="invariant to transaction id",
            kind="invariance",
            passed=diff == 0.0,
            detail=f"ids permuted, features rebuilt: max score change {diff:.3g}",
        )
    )

    # Minimum functionality: amount outliers must be alerted.
    outliers = Xt["amount"].to_numpy() > outlier_amount
    caught = float(np.mean(base[outliers] >= threshold)) if outliers.any() else 0.0
    checks.append(
        BehaviouralCheck(
            name="amount outliers are alerted",
            kind="minimum_functionality",
            passed=bool(outliers.any()) and caught >= 0.9,
            detail=f"{int(outliers.sum())} test rows above {outlier_amount:g}: {caught:.1%} alerted (pass >= 90%)"
            if outliers.any()
            else f"0 test rows above {outlier_amount:g}: not testable (no such rows), so not a pass",
        )
    )

    # Minimum functionality: ordinary daytime purchases at clean terminals are rarely alerted.
    ordinary = legit & (Xt["amount"].to_numpy() < ordinary_amount)
    if terminals:
        ordinary &= Xt["terminal_risk_30d"].to_numpy() == 0
    if "is_night" in Xt:
        ordinary &= Xt["is_night"].to_numpy() == 0
    where = (
        f"{' daytime' if 'is_night' in Xt else ''} rows under {ordinary_amount:g}{' at clean terminals' * terminals}"
    )
    false_alarms = float(np.mean(base[ordinary] >= threshold)) if ordinary.any() else 0.0
    checks.append(
        BehaviouralCheck(
            name="ordinary purchases are not alerted",
            kind="minimum_functionality",
            passed=bool(ordinary.any()) and false_alarms <= 0.01,
            detail=f"{int(ordinary.sum())} legit{where}: {false_alarms:.2%} alerted (pass <= 1%)"
            if ordinary.any()
            else f"0 legit{where}: not testable (no such rows), so not a pass",
        )
    )
    return checks
