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


def block_rng(seed: int, stream: str, block: int) -> np.random.Generator:
    """The generator of one block of a stream: block ``b`` of ``"transactions"`` is ``"transactions/b"``.

    Blocks are fixed by the data (e.g. 2,000 customers each), never by the number of workers,
    so every engine and every cluster draws the same numbers for the same block.

    Args:
        seed: the run's seed.
        stream: the stream's name.
        block: the block's index.
    """
    return stream_rng(seed, f"{stream}/{block}")
