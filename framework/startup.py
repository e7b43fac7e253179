"""Ctrl-C while ``python -m cases.<name>`` or ``python -m framework`` is still importing: one line, exit 130."""

from __future__ import annotations

import os
import signal
import sys
import warnings
from types import FrameType


def _interrupted(signum: int, frame: FrameType | None) -> None:
    sys.stderr.write("\ninterrupted\n")
    exit_now(130)


def exit_now(code: int) -> None:
    """Flush and end the process with ``code`` at once.

    After Ctrl-C, CPython 3.11 re-kills itself with SIGINT at exit (return code -2, not 130)
    when the interrupt was ever seen unhandled inside code run through ``PyRun_*``, as some
    C-extension imports do, even if Python code handled it later. Nothing is left to clean
    up by then: the staged output is already removed.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


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


def prepare_main() -> None:
    """What an entry point does first: Python's own Ctrl-C handling back, library warnings silenced.

    The command-line contract is one line per problem; a pandas or numpy warning is noise to a
    user (the case states odd data as its own ``warning:`` lines). ``CASEBOOK_DEBUG=1`` keeps them.
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if not os.environ.get("CASEBOOK_DEBUG"):
        warnings.simplefilter("ignore")
