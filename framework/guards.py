"""Input guards every case shares: brief quoting of bad values, memory estimates, plausible timestamps, raw files."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from framework.errors import BadInput

if TYPE_CHECKING:  # numpy is imported lazily: the CLI's bad-flag path must stay light
    import numpy as np

    from framework.case import CaseConfig

QUOTE_LIMIT = 60
# The window every time-stamped data file must fall in: before 1970 there were no Unix-time logs,
# and a date after 2100 is a unit mistake (milliseconds or microseconds read as seconds).
EARLIEST = dt.datetime(1970, 1, 1)
LATEST = dt.datetime(2100, 1, 1)
_LATEST_S = int((LATEST - EARLIEST).total_seconds())
# Share of the available memory a run may plan to use: the estimate is rough, leave head-room.
MEMORY_HEADROOM = 0.8
_SNIFF_BYTES = 1 << 16


def quote(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)`` cut to ``limit`` characters, saying how long it was, for one-line errors.

    A 300-digit number or a 10 MB line must not be echoed back whole.
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 3]}... ({len(text):,} characters)"


def brief(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis (no quotes, unlike :func:`quote`)."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def gib(n_bytes: float) -> str:
    """A byte count in GiB with one decimal."""
    return f"{n_bytes / 2**30:.1f} GiB"


def available_memory_bytes() -> int | None:
    """Memory the kernel says a new process can use without swapping (``MemAvailable``), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(config: CaseConfig, available: int | None = None, fix: str = "", engine: str = "pandas") -> None:
    """Refuse a config whose estimated peak memory exceeds what this machine has, before any work.

    Args:
        config: the validated case config; its ``estimated_peak_bytes()`` is the estimate.
        available: bytes available (read from the machine when None).
        fix: another way out, appended to "lower <knobs>" (e.g. "or run with --engine dask").
        engine: on ``dask`` only the client's share (:meth:`CaseConfig.estimated_client_bytes`) is checked.

    Raises:
        BadInput: with the estimate, the memory available and the knobs that drive it.
    """
    knobs = ", ".join(f"{k}={quote(getattr(config, k), 24)}" for k in type(config).size_keys) or "the sizes"
    if engine == "dask":
        need, what = config.estimated_client_bytes(), "this config on --engine dask (what the run keeps in memory)"
    else:
        need, what = config.estimated_peak_bytes(), "this config"
    refuse_over_memory(need, what, f"lower {knobs} {fix}".strip(), available)


def refuse_over_memory(need: float, what: str, fix: str, available: int | None = None) -> None:
    """Refuse work whose estimated peak memory exceeds :data:`MEMORY_HEADROOM` of what is available.

    Args:
        need: the estimated peak in bytes.
        what: the subject of the message, e.g. ``"this config"`` or ``"'tx.csv' (80 MiB)"``.
        fix: what to do instead, e.g. ``"pass a smaller extract"``.
        available: bytes available (read from the machine when None).

    Raises:
        BadInput: ``<what> needs about X GiB of memory, more than the Y GiB available; <fix>``.
    """
    available = available_memory_bytes() if available is None else available
    if available is None or need <= MEMORY_HEADROOM * available:
        return
    raise BadInput(f"{what} needs about {gib(need)} of memory, more than the {gib(available)} available; {fix}"[:300])


def check_epoch_seconds(seconds: np.ndarray, where: str) -> None:
    """Refuse Unix timestamps outside 1970-2100, naming milliseconds when that is the likely mistake.

    Args:
        seconds: finite Unix times in seconds (any numeric dtype).
        where: the file and column, for the message.

    Raises:
        BadInput: naming the first implausible value.
    """
    import numpy as np

    values = np.asarray(seconds, dtype=np.float64)
    if values.size == 0:
        return
    bad = (values < 0) | (values >= _LATEST_S) | ~np.isfinite(values)
    if not bad.any():
        return
    first = values[np.flatnonzero(bad)[0]]
    shown = f"{first:.0f}" if np.isfinite(first) and abs(first) < 1e21 else quote(float(first), 24)
    # Unix seconds of 1973 times 1000 (or 10^6) still land before 2100: the likely unit mistakes.
    if 1e11 <= first < _LATEST_S * 1000:
        raise BadInput(f"{where}: timestamp {shown} looks like milliseconds; give Unix seconds")
    if 1e14 <= first < _LATEST_S * 1_000_000:
        raise BadInput(f"{where}: timestamp {shown} looks like microseconds; give Unix seconds")
    side = "after 2100" if first >= _LATEST_S else "before 1970" if first < 0 else "not a number"
    raise BadInput(f"{where}: timestamp {shown} is {side} (outside 1970-2100 as Unix seconds)")


def check_datetimes(values: Any, where: str) -> None:
    """Refuse parsed date-times outside 1970-2100 (a century ahead, year 1000 or 9999).

    Args:
        values: a pandas datetime Series or DatetimeIndex (NaT ignored).
        where: the file and column, for the message.

    Raises:
        BadInput: naming the earliest or latest implausible value.
    """
    import pandas as pd

    stamps = pd.Series(values).dropna()
    if stamps.empty:
        return
    low, high = stamps.min(), stamps.max()
    if low < pd.Timestamp(EARLIEST):
        raise BadInput(f"{where}: timestamp {low} is before 1970; check the date column")
    if high >= pd.Timestamp(LATEST):
        raise BadInput(f"{where}: timestamp {high} is after 2100; check the date column")


def screen_text_file(path: Path, where: str | None = None) -> None:
    """Refuse a text data file that starts with NUL bytes or is not text at all, before a parser sees it.

    Compressed and columnar files (``.gz``, ``.parquet``) are left to their readers.

    Raises:
        BadInput: naming the file.
    """
    name = where or str(path)
    if path.suffix.lower() in (".gz", ".parquet", ".pq", ".zip", ".bz2", ".xz"):
        return
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError as exc:
        raise BadInput(f"{name}: cannot be read ({exc.strerror})") from None
    if b"\x00" in head:
        raise BadInput(f"{name}: contains NUL bytes, so it is not a text table (a binary or damaged file?)")
