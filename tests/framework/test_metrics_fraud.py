"""Tests of the fraud case's metric appended to framework.metrics."""

import numpy as np
import pytest

from framework.metrics import card_precision_at_k, card_precision_at_k_blocked


def test_blocked_card_not_counted_again():
    # Card 1 is fraudulent on both days and top-ranked: caught on day 0, blocked on day 1.
    days = [0, 0, 1, 1]
    cards = [1, 2, 1, 2]
    y = [1, 0, 1, 0]
    s = [0.9, 0.1, 0.9, 0.1]
    assert card_precision_at_k(days, cards, y, s, k=1) == 1.0
    assert card_precision_at_k_blocked(days, cards, y, s, k=1) == 0.5


def test_missed_fraud_card_is_not_blocked():
    # Card 1 ranks below card 2 on day 0 (k=1), so it is not caught and counts on day 1.
    days = [0, 0, 1]
    cards = [1, 2, 1]
    y = [1, 0, 1]
    s = [0.2, 0.9, 0.5]
    assert card_precision_at_k_blocked(days, cards, y, s, k=1) == 0.5


def test_equals_unblocked_without_repeat_frauds_and_divides_by_k():
    rng = np.random.default_rng(0)
    days = np.repeat(np.arange(5), 40)
    cards = np.tile(np.arange(40), 5) + 100 * days  # a new set of cards every day
    y = (rng.random(200) < 0.1).astype(int)
    s = rng.random(200)
    expected = card_precision_at_k(days, cards, y, s, k=10)
    assert card_precision_at_k_blocked(days, cards, y, s, k=10) == pytest.approx(expected)
    assert card_precision_at_k_blocked([0], [1], [1], [1.0], k=4) == 0.25


def test_rejects_bad_input():
    with pytest.raises(ValueError):
        card_precision_at_k_blocked([0], [1], [1], [1.0], k=0)
    with pytest.raises(ValueError):
        card_precision_at_k_blocked([0, 1], [1], [1], [1.0])
