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

    Blocks are fixed by the data (e.g. 5,000 customers each), never by the number of workers,
    so every engine and every cluster draws the same numbers for the same block. Block 0 draws
    from the stream itself: a data set that fits in one block (every preset up to ``large``) is
    exactly the data set the unblocked generator drew, so its recorded model numbers still hold.

    Args:
        seed: the run's seed.
        stream: the stream's name.
        block: the block's index.
    """
    return stream_rng(seed, stream if block == 0 else f"{stream}/{block}")
