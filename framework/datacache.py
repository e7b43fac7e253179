"""Generated data cached as partitioned Parquet, keyed by case, seed, scale and config, reused when they match."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from framework.case import RunContext

CACHE_ENV = "CASEBOOK_CACHE"  # tests and people with a bigger disk point this elsewhere
CACHED_SCALES: tuple[str, ...] = ("xl",)  # smaller scales regenerate in seconds
COMPLETE = "_COMPLETE"  # written last: a folder without it is a half-written cache and is rebuilt


def cache_root() -> Path:
    """``$CASEBOOK_CACHE``, else ``data/cache`` in the repository (git-ignored)."""
    override = os.environ.get(CACHE_ENV)
    return Path(override) if override else Path(__file__).resolve().parents[1] / "data" / "cache"


def cache_key(ctx: RunContext[Any], version: str) -> str:
    """16 hex digits of the SHA-256 of everything the generated rows depend on.

    Args:
        ctx: the run (its case, seed, scale and whole config go into the key).
        version: the generator's version; bump it when its code changes what it draws.
    """
    identity = {
        "case": ctx.case,
        "seed": ctx.seed,
        "scale": ctx.scale,
        "config": ctx.config.model_dump(mode="json"),
        "version": version,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


def part_name(index: int) -> str:
    """A partition's file name; zero-padded so every reader lists the files in partition order."""
    return f"part-{index:05d}.parquet"


def cached_frame(
    ctx: RunContext[Any], name: str, make: Callable[[], Any], version: str, say: Callable[[str], None] = print
) -> Any:
    """``make()``'s rows, written once as partitioned Parquet and read back from there when cached.

    At scales in :data:`CACHED_SCALES` the rows are written under
    ``<cache>/<case>/<seed>-<scale>-<key>/<name>/``; a later run with the same case, seed, scale,
    config and generator version reads them instead of generating again, and says so. Other
    scales return ``make()`` unchanged.

    Args:
        ctx: the run (its engine decides pandas or Dask frames).
        name: the table's name, e.g. ``"transactions"``.
        make: builds the frame (pandas or Dask, per ``ctx.engine``).
        version: the generator's version (see :func:`cache_key`).
        say: where the reuse or the write is announced.
    """
    if ctx.scale not in CACHED_SCALES:
        return make()
    folder = cache_root() / ctx.case / f"seed{ctx.seed}-{ctx.scale}-{cache_key(ctx, version)}" / name
    if (folder / COMPLETE).exists():
        say(f"data: reusing {name} cached at {folder} (same case, seed, scale, generator and every config value)")
        ctx.data_from_cache = True
        return read_parquet_folder(ctx, folder)
    staging = folder.with_name(f"{name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)  # our own leftover from a killed run, never a user's folder
    write_parquet_folder(ctx, make(), staging)
    (staging / COMPLETE).write_text("")
    shutil.rmtree(folder, ignore_errors=True)  # a half-written cache of ours (no COMPLETE marker)
    staging.rename(folder)
    say(f"data: {name} generated and cached at {folder}")
    return read_parquet_folder(ctx, folder)


def write_parquet_folder(ctx: RunContext[Any], frame: Any, folder: Path) -> None:
    """Write one Parquet file per partition (one file on pandas) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    if ctx.engine.is_dask:
        frame.to_parquet(str(folder), name_function=part_name, write_index=False)
    else:
        frame.to_parquet(folder / part_name(0), index=False)


def read_parquet_folder(ctx: RunContext[Any], folder: Path) -> Any:
    """The rows of a cached folder: a Dask frame (one partition per file) or a pandas frame."""
    files = sorted(str(p) for p in folder.glob("part-*.parquet"))
    if ctx.engine.is_dask:
        import dask.dataframe as dd

        return dd.read_parquet(files)
    import pandas as pd

    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
