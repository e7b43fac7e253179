"""Ctrl-C while ``python -m cases.<name>`` or ``python -m framework`` is still importing: one line, exit 130."""

from __future__ import annotations

import signal
import sys
from types import FrameType


def _interrupted(signum: int, frame: FrameType | None) -> None:
    sys.stderr.write("\ninterrupted\n")
    raise SystemExit(130)


def guard_start() -> None:
    """Install a quiet SIGINT handler while a ``python -m`` entry point imports its modules.

    ``python -m`` sets ``sys.argv[0]`` to ``"-m"`` while it imports the package to run, and only
    then; a plain ``import cases`` (tests, notebooks) is left alone. Without this, Ctrl-C during
    the imports of pandas or scikit-learn prints a KeyboardInterrupt traceback. The CLI's
    ``main`` restores Python's default handler once the commands can report an interrupt
    themselves.
    """
    if sys.argv[:1] == ["-m"]:
        signal.signal(signal.SIGINT, _interrupted)
