"""Feedback modes of a ratings file: explicit scores, implicit counts or binary clicks, and their ALS confidence.

==========  =====================================================  =============================
mode        detected when                                          confidence (ALS weight)
==========  =====================================================  =============================
binary      the file has no rating column (each line is a click)   1.0
explicit    every rating lies in [0, 10] with at most 20 distinct  1.0 (every rating is an
            values (1-5 stars, half stars, 1-10 scores); also any  interaction, as the ranking
            rating that is not a non-negative count                protocol treats it)
implicit    non-negative whole counts beyond that scale (plays,    1 + log1p(count): log-scaled,
            listens, clicks per pair)                              so heavy users do not dominate
==========  =====================================================  =============================

``--set feedback=explicit|implicit|binary`` overrides the detection (``auto`` detects).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from framework.errors import BadInput

MODES = ("auto", "explicit", "implicit", "binary")
SCALE_MAX = 10.0  # a rating scale ends here (1-5 stars, 0.5 steps, 1-10 scores)
SCALE_DISTINCT = 20  # at most this many distinct values on a rating scale (0.5-10 in half steps)
FORMULAS = {
    "binary": "1.0 (every line is one click)",
    "explicit": "1.0 (every rating is an interaction, as the ranking protocol treats it)",
    "implicit": "1 + log1p(count) (log-scaled play counts)",
}


@dataclass(frozen=True)
class Feedback:
    """How a ratings file's third column is read.

    Attributes:
        mode: ``explicit``, ``implicit`` or ``binary``.
        reason: how the mode was chosen (detected from the values, or set with ``--set feedback=``).
        formula: the confidence formula, as the report states it.
    """

    mode: str
    reason: str
    formula: str

    def confidence(self, rating: np.ndarray) -> np.ndarray:
        """The ALS confidence weight of each interaction (``rating`` as given; NaN when there is none)."""
        if self.mode == "implicit":
            return 1.0 + np.log1p(np.maximum(rating, 0.0))
        return np.ones(len(rating), dtype=np.float64)


def detect(rating: np.ndarray | None, override: str, where: str) -> Feedback:
    """The feedback mode of a file's ratings (``None`` when it has no rating column).

    Args:
        rating: the parsed ratings, or None.
        override: the ``feedback`` config value (``auto`` detects).
        where: the file, for messages.

    Raises:
        BadInput: an override the data cannot support (explicit or implicit without a rating
            column; implicit with negative values).
    """
    if rating is None:
        if override in ("explicit", "implicit"):
            raise BadInput(f"{where}: feedback={override} needs a rating column and the file has none")
        reason = "no rating column: every line is a click" if override == "auto" else "set with --set feedback=binary"
        return Feedback("binary", reason, FORMULAS["binary"])
    if override != "auto":
        if override == "implicit" and (rating < 0).any():
            raise BadInput(f"{where}: feedback=implicit needs non-negative counts; the file has negative ratings")
        return Feedback(override, f"set with --set feedback={override}", FORMULAS[override])
    distinct = np.unique(rating)
    low, high = float(distinct[0]), float(distinct[-1])
    if low >= 0 and high <= SCALE_MAX and len(distinct) <= SCALE_DISTINCT:
        reason = f"ratings on a small scale ({len(distinct)} distinct values from {low:g} to {high:g})"
        return Feedback("explicit", reason, FORMULAS["explicit"])
    if low >= 0 and bool(np.all(distinct == np.floor(distinct))):
        reason = f"non-negative whole counts up to {high:,.0f} ({len(distinct):,} distinct values): play counts"
        return Feedback("implicit", reason, FORMULAS["implicit"])
    reason = f"ratings from {low:g} to {high:g} are not whole non-negative counts, so they are read as scores"
    return Feedback("explicit", reason, FORMULAS["explicit"])
