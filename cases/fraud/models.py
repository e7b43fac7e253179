"""The model ladder: never-fraud, amount rule, logistic regression, tree ensemble, oracle."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from cases.fraud.features import FEATURES


def as_matrix(X: pd.DataFrame | np.ndarray, columns: list[str] | None = None) -> np.ndarray:
    """The feature matrix in ``columns`` order (:data:`FEATURES` by default; an array is taken as is)."""
    columns = FEATURES if columns is None else columns
    if isinstance(X, pd.DataFrame):
        return X[columns].to_numpy(np.float64)
    return np.asarray(X, dtype=np.float64).reshape(-1, len(columns))


def columns_of(X: pd.DataFrame | np.ndarray) -> list[str]:
    """The feature names a model is fitted on: a frame's columns (the data mode's), else :data:`FEATURES`."""
    return [str(c) for c in X.columns] if isinstance(X, pd.DataFrame) else list(FEATURES)


class NeverFraud:
    """Scores every transaction 0: the "99% accurate" model that catches nothing."""

    reads: tuple[str, ...] = ()  # no input moves its score

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> NeverFraud:
        """Nothing to learn."""
        self.n_features_in_ = X.shape[1]
        return self

    def score(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Zeros."""
        return np.zeros(len(X))


class AmountRule:
    """The classic rule "alert above an amount": the score is the amount itself."""

    reads: tuple[str, ...] = ("amount",)  # the only input that moves its score

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> AmountRule:
        """Nothing to learn; the alert amount is the cost-chosen threshold."""
        self.n_features_in_ = X.shape[1]
        self.columns_ = columns_of(X)
        return self

    def score(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """The transaction amount."""
        columns = getattr(self, "columns_", FEATURES)
        return as_matrix(X, columns)[:, columns.index("amount")]


class Logistic:
    """Standardised features and an L2 logistic regression (the handbook's baseline).

    Args:
        c: inverse regularisation strength.
    """

    def __init__(self, c: float = 1.0):
        self.c = c

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Logistic:
        """Fit scaler and regression on the training window."""
        self.columns_ = columns_of(X)
        self.pipeline_ = make_pipeline(StandardScaler(), LogisticRegression(C=self.c, max_iter=1000))
        self.pipeline_.fit(as_matrix(X, self.columns_), y)
        return self

    def score(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Fraud probability."""
        return self.pipeline_.predict_proba(as_matrix(X, self.columns_))[:, 1]


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

    def __init__(
        self,
        kind: str = "hgb",
        iterations: int = 150,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 15,
        max_depth: int = 12,
        negative_fraction: float = 0.2,
        random_state: int = 0,
    ):
        self.kind = kind
        self.iterations = iterations
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.max_depth = max_depth
        self.negative_fraction = negative_fraction
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> TreeEnsemble:
        """Fit on the training window with the imbalance handled."""
        self.columns_ = columns_of(X)
        matrix, y = as_matrix(X, self.columns_), np.asarray(y)
        if self.kind == "rf":
            self.model_ = RandomForestClassifier(
                n_estimators=self.iterations,
                max_depth=self.max_depth,
                class_weight="balanced_subsample",
                min_samples_leaf=2,
                n_jobs=1,
                random_state=self.random_state,
            )
        else:
            self.model_ = HistGradientBoostingClassifier(
                max_iter=self.iterations,
                learning_rate=self.learning_rate,
                max_leaf_nodes=self.max_leaf_nodes,
                early_stopping=False,
                random_state=self.random_state,
            )
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
        return self.model_.predict_proba(as_matrix(X, self.columns_))[:, 1]


def oracle_scores(tx: pd.DataFrame, compromised_terminals: pd.DataFrame, outlier_amount: float) -> np.ndarray:
    """The simulator's truth turned into scores (1 = fraud).

    The oracle knows what no model can: which terminals were compromised and when, and
    which transactions of a compromised card the fraudster made (the ``scenario`` column),
    besides the outlier rule. (On real data the oracle is the perfect ranking of the test
    labels; the models step builds that itself.)

    Args:
        tx: simulated transactions with ``terminal_id``, ``day``, ``amount`` and ``scenario``.
        compromised_terminals: terminal_id, start_day, end_day.
        outlier_amount: scenario 1 threshold.
    """
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


LadderModel = NeverFraud | AmountRule | Logistic | TreeEnsemble
"""Every trained rung of the ladder: ``fit(X, y)`` and ``score(X)``."""


def choose_threshold(y: np.ndarray, scores: np.ndarray, amounts: np.ndarray, review_cost: float) -> float:
    """The alert threshold minimising missed-fraud amount plus review cost.

    Every distinct score is a candidate (alert when ``score >= threshold``), plus "alert on
    nothing" (returned as ``inf``). A scorer that gives every row the same score ranks nothing:
    alerting on it would decline all traffic blindly, so it alerts nothing.

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
    if len(last) <= 1:  # a constant scorer (never_fraud) cannot rank: it alerts nothing
        return float("inf")
    caught = np.cumsum(fraud_amount)[last]
    cost = fraud_amount.sum() - caught + (last + 1) * review_cost
    best = int(np.argmin(cost))
    if cost[best] >= fraud_amount.sum():
        return float("inf")
    return float(s[last[best]])


class CompiledBoosting:
    """A fitted histogram-boosting classifier flattened into arrays for one-row scoring.

    sklearn walks its trees one Python call per tree (~8 us each): with hundreds of trees a
    single transaction costs milliseconds. Here every tree advances one level per numpy
    step, so a row costs about (max depth) vectorised steps. Leaf values are added in
    sklearn's order, so scores equal ``predict_proba`` bit for bit.

    Args:
        model: a fitted binary ``HistGradientBoostingClassifier`` on numeric features.
    """

    def __init__(self, model: HistGradientBoostingClassifier):
        trees = [p[0].nodes for p in model._predictors]  # binary: one tree per iteration
        if any(t["is_categorical"].any() for t in trees):
            raise ValueError("categorical splits are not supported")
        sizes = np.array([len(t) for t in trees])
        offsets = np.r_[0, np.cumsum(sizes)[:-1]]
        nodes = np.concatenate(trees)
        shift = np.repeat(offsets, sizes)
        self.roots_ = offsets
        self.feature_ = nodes["feature_idx"].astype(np.intp)
        self.threshold_ = nodes["num_threshold"].astype(np.float64)
        self.missing_left_ = nodes["missing_go_to_left"].astype(bool)
        self.leaf_ = nodes["is_leaf"].astype(bool)
        self.left_ = np.where(self.leaf_, np.arange(len(nodes)), nodes["left"] + shift)
        self.right_ = np.where(self.leaf_, np.arange(len(nodes)), nodes["right"] + shift)
        self.value_ = nodes["value"].astype(np.float64)
        self.depth_ = int(nodes["depth"].max(initial=0))
        self.baseline_ = float(np.ravel(model._baseline_prediction)[0])

    def score(self, X: np.ndarray) -> np.ndarray:
        """Fraud probability of each row of an (n, n_features) array."""
        x = np.atleast_2d(np.asarray(X, dtype=np.float64))
        node = np.broadcast_to(self.roots_, (len(x), len(self.roots_))).copy()
        rows = np.arange(len(x))[:, None]
        for _ in range(self.depth_):  # every tree moves one level per step; leaves stay put
            v = x[rows, self.feature_[node]]
            go_left = np.where(np.isnan(v), self.missing_left_[node], v <= self.threshold_[node])
            node = np.where(go_left, self.left_[node], self.right_[node])
        leaves = self.value_[node]
        # Sequential sum from the baseline, tree by tree, as sklearn accumulates.
        raw = np.cumsum(np.column_stack([np.full(len(x), self.baseline_), leaves]), axis=1)[:, -1]
        return expit(raw)


class CompiledLinear:
    """A fitted standardise + logistic regression pipeline as three arrays for one-row scoring.

    sklearn validates every call (about a millisecond per row); a served transaction needs only
    ``expit(((x - mean) / scale) @ coef + intercept)``.

    Args:
        pipeline: a fitted ``StandardScaler`` + binary ``LogisticRegression`` pipeline.
    """

    def __init__(self, pipeline: Any):
        scaler, regression = pipeline[0], pipeline[-1]
        self.mean_ = np.asarray(scaler.mean_, dtype=np.float64)
        self.scale_ = np.asarray(scaler.scale_, dtype=np.float64)
        self.coef_ = np.asarray(regression.coef_, dtype=np.float64).ravel()
        self.intercept_ = float(np.ravel(regression.intercept_)[0])

    def score(self, X: np.ndarray) -> np.ndarray:
        """Fraud probability of each row of an (n, n_features) array."""
        x = np.atleast_2d(np.asarray(X, dtype=np.float64))
        return expit((x - self.mean_) / self.scale_ @ self.coef_ + self.intercept_)


def online_model(model: LadderModel) -> LadderModel | CompiledBoosting | CompiledLinear:
    """The fastest exact scorer of a ladder model for one-row requests (boosting and the linear model as arrays)."""
    if isinstance(model, TreeEnsemble) and isinstance(model.model_, HistGradientBoostingClassifier):
        return CompiledBoosting(model.model_)
    if isinstance(model, Logistic):
        return CompiledLinear(model.pipeline_)
    return model
