"""Selective labels: declined transactions never get a chargeback, so only approved ones are labelled.

The deployed model (the champion) declines what it alerts. Evaluating anything on the labels that
come back then sees only the frauds the champion missed. A random-approve holdout (approve a small
share ``h`` of the alerted transactions anyway, and watch their labels) restores an unbiased view:
every labelled alerted row stands for ``1 / h`` alerted rows (inverse propensity weighting).
"""

from __future__ import annotations

import numpy as np

QUANTILES = (0.05, 0.95)


def _estimates(y: np.ndarray, alerted: np.ndarray, challenger: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted fraud rate, champion alert precision and challenger recall (rows with weight 0 are unlabelled).

    A figure with nothing to measure it on (no labelled alert, no labelled fraud) is NaN.
    """
    fraud = (y == 1) * w
    total, frauds = w.sum(), fraud.sum()
    alerted_w = (alerted * w).sum()
    return np.array(
        [
            frauds / total if total > 0 else np.nan,
            (fraud * alerted).sum() / alerted_w if alerted_w > 0 else np.nan,
            (fraud * challenger).sum() / frauds if frauds > 0 else np.nan,
        ]
    )


def holdout_runs(
    y: np.ndarray, alerted: np.ndarray, challenger: np.ndarray, share: float, draws: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """IPW estimates (draws x 3, as :func:`_estimates`) and labelled alerts per draw of random holdouts.

    Only the alerted rows' weights change between draws (0 or ``1 / share``), so every sum is the
    fixed sum over approved rows plus a matrix product over the alerted ones.
    """
    fraud = y == 1
    a_fraud = fraud[alerted].astype(np.float64)
    picks = (rng.random((draws, int(alerted.sum()))) < share).astype(np.float64)
    labelled = picks.sum(axis=1)
    weight = labelled / share
    caught = picks @ a_fraud / share
    total = (~alerted).sum() + weight
    frauds = fraud[~alerted].sum() + caught
    by_challenger = (fraud & ~alerted & challenger).sum() + picks @ (a_fraud * challenger[alerted]) / share
    with np.errstate(invalid="ignore", divide="ignore"):
        runs = np.column_stack(
            [
                np.where(total > 0, frauds / total, np.nan),
                np.where(weight > 0, caught / weight, np.nan),
                np.where(frauds > 0, by_challenger / frauds, np.nan),
            ]
        )
    return runs, labelled


def selective_labels(
    y: np.ndarray,
    champion_alerted: np.ndarray,
    challenger_alerted: np.ndarray,
    holdouts: dict[str, float],
    draws: int,
    rng: np.random.Generator,
) -> dict[str, dict[str, float]]:
    """Fraud rate, the champion's alert precision and a challenger's recall, estimated several ways.

    ``all labels`` is the truth (a simulator has it; production never does). ``no chargeback = legit`` is the naive
    production table: a declined fraud never charges back, so it is counted legitimate.
    ``approved only`` drops the declined rows: the champion's precision cannot be measured at all
    (reported as 0 with 0 labelled alerts) and the challenger is scored on the frauds the champion
    missed. Each holdout (IPW) approves a random share ``h`` of the alerts, weights each labelled
    one by ``1 / h``, and reports the mean and the 5th and 95th percentiles over ``draws`` random
    holdouts. The weighted sums are unbiased; their ratios (precision, recall) are biased when a
    holdout labels only a few alerts, and a draw that labels none has no precision (left out).

    Args:
        y: labels of the window.
        champion_alerted: what the deployed model declines.
        challenger_alerted: what a challenger would alert.
        holdouts: name -> share of the champion's alerts approved to observe their labels.
        draws: random holdouts simulated per share.
        rng: randomness of the holdouts.

    Returns:
        Estimate name ("<holdout name>, mean|low|high" for the holdouts; low and high are the
        5th and 95th percentiles over the draws) -> {fraud_rate, champion_precision,
        challenger_recall, labelled_alerts}.
    """
    alerted = champion_alerted.astype(bool)
    challenger = challenger_alerted.astype(bool)
    ones = np.ones(len(y))
    names = ("fraud_rate", "champion_precision", "challenger_recall")

    def row(values: np.ndarray, n_labelled: float) -> dict[str, float]:
        out = {k: float(v) if np.isfinite(v) else 0.0 for k, v in zip(names, values, strict=True)}
        return {**out, "labelled_alerts": float(n_labelled)}

    table = {
        "all labels": row(_estimates(y, alerted, challenger, ones), alerted.sum()),
        "no chargeback = legit": row(_estimates(np.where(alerted, 0, y), alerted, challenger, ones), alerted.sum()),
        "approved only": row(_estimates(y, alerted, challenger, (~alerted).astype(np.float64)), 0),
    }
    for name, share in holdouts.items():
        runs, labelled = holdout_runs(y, alerted, challenger, share, draws, rng)
        for stat, q in (("mean", None), ("low", QUANTILES[0]), ("high", QUANTILES[1])):
            values = np.full(3, np.nan)
            for j in range(3):
                col = runs[:, j][np.isfinite(runs[:, j])]
                if len(col):
                    values[j] = col.mean() if q is None else np.quantile(col, q)
            n = labelled.mean() if q is None else np.quantile(labelled, q)
            table[f"{name}, {stat}"] = row(values, float(n) if draws else 0.0)
    return table
