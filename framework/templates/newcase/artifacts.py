"""What the case's steps hand each other: the data with its truth, the features, the fitted ladder."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .features import Featurizer
from .generator import Truth
from .models import LinearModel


@dataclass(frozen=True)
class NewcaseData:
    """Step 4's rows, split by time.

    Attributes:
        train: the earlier rows.
        test: the later rows (the held-out window).
        synthetic: True for generated data: the one fact later steps branch on (the oracle
            and the drift scenario need the generator's truth).
        truth: the generator's world, which monitoring samples drifted rows from.
    """

    train: pd.DataFrame
    test: pd.DataFrame
    synthetic: bool
    truth: Truth


@dataclass(frozen=True)
class NewcaseFeatures:
    """Step 5's fitted feature pipeline and the feature matrices of both splits."""

    featurizer: Featurizer
    train: np.ndarray
    test: np.ndarray


@dataclass(frozen=True)
class NewcaseModels:
    """Step 6's fitted candidates and every ladder model's test-window predictions (the oracle's included)."""

    fitted: dict[str, LinearModel]
    predictions: dict[str, np.ndarray]
