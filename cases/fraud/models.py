"""The model ladder: never-fraud, amount rule, logistic regression, tree ensemble, oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from cases.fraud.features import FEATURES


def as_matrix(X: pd.DataFrame | np.ndarray) -> np.ndarray:
    """The feature matrix in :data:`FEATURES` order (a frame is reordered; an array is taken as is)."""
    if isinstance(X, pd.DataFrame):
        return X[FEATURES].to_numpy(np.float64)
    return np.asarray(X, dtype=np.float64).reshape(-1, len(FEATURES))


class NeverFraud:
    """Scores every transaction 0: the "99% accurate" model that catches nothing."""

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> NeverFraud:
        """Nothing to learn."""
        self.n_features_in_ = X.shape[1]
        return self

    def score(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Zeros."""
        return np.zeros(len(X))


class AmountRule:
    """The classic rule "alert above an amount": the score is the amount itself."""

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> AmountRule:
        """Nothing to learn; the alert amount is the cost-chosen threshold."""
        self.n_features_in_ = X.shape[1]
        return self

    def score(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """The transaction amount."""
        return as_matrix(X)[:, FEATURES.index("amount")]


class Logistic:
    """Standardised features and an L2 logistic regression (the handbook's baseline).

    Args:
        c: inverse regularisation strength.
    """

    def __init__(self, c: float = 1.0):
        self.c = c

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Logistic:
        """Fit scaler and regression on the training window."""
        self.pipeline_ = make_pipeline(StandardScaler(), LogisticRegression(C=self.c, max_iter=1000))
        self.pipeline_.fit(as_matrix(X), y)
        return self

    def score(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Fraud probability."""
        return self.pipeline_.predict_proba(as_matrix(X))[:, 1]


class TreeEnsemble:
    """Gradient boosting (or a random forest) with the class imbalance handled.

    Boosting keeps every fraud and a random ``negative_fraction`` of the legitimate rows
    (undersampling: as good as class weights here and several times faster, since sklearn
    bins weighted data slowly); the forest uses balanced class weights per tree.

    Args:
        kind: ``"hgb"`` for histogram gradient boosting, ``"rf"`` for a random forest.
        iterations: boosting iterations or trees.
        learning_rate: boosting learning rate.
        max_leaf_nodes: leaves per boosting tree.
        max_depth: depth limit of the forest's trees.
        negative_fraction: share of legitimate rows the booster trains on.
        random_state: seed of the model's own randomness (and of the undersampling).
    """

    def __init__(self, kind: str = "hgb", iterations: int = 150, learning_rate: float = 0.05,
                 max_leaf_nodes: int = 15, max_depth: int = 12, negative_fraction: float = 0.2,
                 random_state: int = 0):
        self.kind = kind
        self.iterations = iterations
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.max_depth = max_depth
        self.negative_fraction = negative_fraction
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> TreeEnsemble:
        """Fit on the training window with the imbalance handled."""
        matrix, y = as_matrix(X), np.asarray(y)
        if self.kind == "rf":
            self.model_ = RandomForestClassifier(
                n_estimators=self.iterations, max_depth=self.max_depth, class_weight="balanced_subsample",
                min_samples_leaf=2, n_jobs=1, random_state=self.random_state)
        else:
            self.model_ = HistGradientBoostingClassifier(
                max_iter=self.iterations, learning_rate=self.learning_rate, max_leaf_nodes=self.max_leaf_nodes,
                early_stopping=False, random_state=self.random_state)
            keep = (y == 1) | (np.random.default_rng(self.random_state).random(len(y)) < self.negative_fraction)
            matrix, y = matrix[keep], y[keep]
        # One thread: on a shared 2-core machine OpenMP spin-waiting makes boosting 4x slower.
        with threadpool_limits(1):
            self.model_.fit(matrix, y)
        return self

    def score(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Fraud score (a reweighted probability: only the ranking is meaningful).

        Callers scoring row by row should hold ``threadpool_limits(1)`` around their loop:
        entering it costs milliseconds, and unlimited OpenMP threads on one row spike latency.
        """
        return self.model_.predict_proba(as_matrix(X))[:, 1]


def oracle_scores(tx: pd.DataFrame, compromised_terminals: pd.DataFrame | None, outlier_amount: float) -> np.ndarray:
    """The simulator's truth turned into scores (1 = fraud).

    The oracle knows what no model can: which terminals were compromised and when, and
    which transactions of a compromised card the fraudster made (the ``scenario`` column),
    besides the outlier rule. On real data (no scenario knowledge) it is the perfect
    ranking of the test labels.

    Args:
        tx: transactions with ``terminal_id``, ``day``, ``amount``, ``scenario`` (or only ``is_fraud``).
        compromised_terminals: terminal_id, start_day, end_day; None for real data.
        outlier_amount: scenario 1 threshold.
    """
    if compromised_terminals is None or "scenario" not in tx:
        return tx["is_fraud"].to_numpy(np.float64)
    windows = compromised_terminals.rename(columns={"terminal_id": "t"})
    probe = pd.DataFrame({"row": np.arange(len(tx)), "t": tx["terminal_id"].to_numpy(), "day": tx["day"].to_numpy()})
    hits = probe.merge(windows, on="t")
    hits = hits[(hits["day"] >= hits["start_day"]) & (hits["day"] < hits["end_day"])]
    on_terminal = np.zeros(len(tx), dtype=bool)
    on_terminal[hits["row"].to_numpy()] = True
    fraudster = tx["scenario"].to_numpy() >= 3  # card abuse (and drift bursts) by the fraudster
    # Card-abuse amounts were multiplied; the outlier rule applies to the original amount.
    outlier = (tx["amount"].to_numpy() > outlier_amount) & ~fraudster
    return (on_terminal | fraudster | outlier).astype(np.float64)


def choose_threshold(y: np.ndarray, scores: np.ndarray, amounts: np.ndarray, review_cost: float) -> float:
    """The alert threshold minimising missed-fraud amount plus review cost.

    Every distinct score is a candidate (alert when ``score >= threshold``), plus "alert on
    nothing" (returned as ``inf``).

    Args:
        y: labels of the validation window.
        scores: model scores there.
        amounts: transaction amounts (lost when a fraud is missed).
        review_cost: cost of one alert.
    """
    order = np.argsort(-scores, kind="mergesort")
    s = scores[order]
    fraud_amount = np.where(y[order] == 1, amounts[order], 0.0)
    last = np.r_[np.flatnonzero(np.diff(s) != 0), len(s) - 1]  # end of each run of tied scores
    caught = np.cumsum(fraud_amount)[last]
    cost = fraud_amount.sum() - caught + (last + 1) * review_cost
    best = int(np.argmin(cost))
    if cost[best] >= fraud_amount.sum():
        return float("inf")
    return float(s[last[best]])
