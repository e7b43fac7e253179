"""Named random streams: every draw of a run comes from ``(seed, stream name)``, so adding one never shifts another."""

from __future__ import annotations

import zlib

import numpy as np


def stream_rng(seed: int, stream: str) -> np.random.Generator:
    """A generator for one named stream of a run.

    Args:
        seed: the run's seed.
        stream: a stable name such as ``"network"`` or ``"monitor/customers"``.
    """
    return np.random.default_rng([seed, zlib.crc32(stream.encode())])
