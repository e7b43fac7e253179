"""Step 4 of the recommendation case: generate (or load) the click logs, clean them and split them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cases.recommendation.artifacts import RecData
from cases.recommendation.blocks import add_counts, clean_log, compute, in_order
from cases.recommendation.config import RecConfig
from cases.recommendation.data_prose import real_prose, synthetic_prose
from cases.recommendation.feedback_modes import detect
from cases.recommendation.generator import LOG_START, make_world
from cases.recommendation.loader import (
    check_memory,
    check_split,
    index_ratings,
    read_ratings_file,
    split_per_user,
)
from framework.case import RunContext
from framework.errors import BadInput
from framework.results import DataResult
from framework.tabular import shown_path


def data(ctx: RunContext[RecConfig]) -> tuple[DataResult, RecData]:
    """Generate (or load) the click logs, clean them and split them by time."""
    if ctx.data_path is not None:
        return _real_data(ctx, ctx.data_path)
    cfg = ctx.config
    world = make_world(cfg, ctx.rng("world"))  # catalogue and tastes: drawn once, small, sent to every block
    log = clean_log(ctx, world, "click_log", "logs", "mess", 0, world.window_s)
    cutoff = LOG_START + np.timedelta64(int(world.window_s * (1 - cfg.test_fraction)), "s")
    if cfg.split == "random":  # drill flaw: the held-out share drawn at random from the whole window
        cleaned, parts = compute(ctx, log.events, log.counts)
        cleaned = in_order(ctx, cleaned)
        held_out = ctx.rng("drill_random_split").random(len(cleaned)) < cfg.test_fraction
        train, test = cleaned[~held_out].reset_index(drop=True), cleaned[held_out].reset_index(drop=True)
        song_clicks = None
    else:  # the time split is per row: partition-wise, then the two windows are collected
        events = log.events
        late = events["timestamp"] >= cutoff
        clicked = events[~late & events["clicked"]]["item"]
        # Song popularity as a reduction over the partitions (integer counts: exact on any engine).
        popular = clicked.value_counts(sort=False) if ctx.engine.is_dask else clicked
        train, test, popular, parts = compute(ctx, events[~late], events[late], popular, log.counts)
        train, test = in_order(ctx, train), in_order(ctx, test)
        song_clicks = _bincount(popular, world.n_items, counted=ctx.engine.is_dask)
    counts = add_counts(parts)
    for what, part in (("training window", train), ("test window", test)):
        ctx.collected(what, part)
    for name, part in (("training", train), ("held-out", test)):
        if not part["clicked"].any():  # too few events for this seed: say which knobs give more
            raise BadInput(
                f"the {name} window has no clicks; raise impressions_per_user or n_users (or move test_fraction)"
            )
    summary = {
        "source": "synthetic JSON click logs",
        "users": world.n_users,
        "songs": world.n_items,
        **counts,
        "batch_rows": counts["lines"],  # raw log lines generated and parsed (the data step's records)
        "batch_partitions": cfg.blocks(),  # blocks of users, one partition each
        "split_at": str(cutoff) if cfg.split == "time" else "random (drill flaw)",
        "train_clicks": int(train["clicked"].sum()),
        "test_clicks": int(test["clicked"].sum()),
        "cleaning_reconciliation": reconcile(counts),
        "prose": synthetic_prose(cfg, reconcile(counts)),
    }
    record = DataResult(train=train, test=test, synthetic=True, time_column="timestamp", summary=summary)
    artifact = RecData(
        synthetic=True,
        world=world,
        users=world.users,
        items=world.items,
        train=train,
        test=test,
        n_genres=cfg.n_genres,
        song_clicks=song_clicks,
    )
    return record, artifact


def _bincount(clicked: pd.Series, n_items: int, counted: bool) -> np.ndarray:
    """Training clicks per song from the clicked items, or from their per-song counts (``counted``: Dask's)."""
    if counted:
        out = np.zeros(n_items, dtype=np.int64)
        out[clicked.index.to_numpy(dtype=np.int64)] = clicked.to_numpy(dtype=np.int64)
        return out
    return np.bincount(clicked.to_numpy(dtype=np.int64), minlength=n_items)


def reconcile(c: dict[str, int]) -> str:
    """Why the cleaning counts differ from the injected ones: each difference traced to lines hit twice."""
    return (
        f"bad JSON {c['bad_json_lines']:,} found = {c['bad_json_injected']:,} injected + {c['duplicated_bad_json']:,} "
        f"retry copies of them; bad timestamps {c['bad_timestamps']:,} = {c['bad_timestamps_injected']:,} injected "
        f"- {c['bad_timestamps_in_bad_json']:,} inside broken JSON + {c['duplicated_bad_timestamps']:,} retry "
        f"copies; duplicates removed {c['duplicates_removed']:,} = {c['duplicates_injected']:,} injected - "
        f"{c['duplicated_bad_json'] + c['duplicated_bad_timestamps']:,} copies already dropped as bad JSON or bad "
        f"timestamps; unknown ids {c['unknown_users'] + c['unknown_songs']:,} = {c['unknown_ids_injected']:,} "
        f"injected - {c['unknown_ids_in_broken_lines']:,} on lines already dropped"
    )


def _real_data(ctx: RunContext[RecConfig], path: Path) -> tuple[DataResult, RecData]:
    """A ratings file: every line an interaction with its feedback mode's confidence, each user's quarter held out."""
    loaded = read_ratings_file(path, ctx.columns)
    ratings = loaded.ratings
    given = ratings["rating"].to_numpy() if loaded.has_rating else None
    feedback = detect(given, ctx.config.feedback, shown_path(path))
    events, users, items = index_ratings(ratings)
    events["confidence"] = feedback.confidence(events["rating"].to_numpy())
    check_memory(path, len(ratings), len(users), len(items), ctx.config.als_factors)
    train, test = split_per_user(events, ctx.rng("split"))
    check_split(train, test, path)
    split = (
        "per-user temporal hold-out (each user's latest 25%)"
        if loaded.has_timestamp
        else "per-user random hold-out (no timestamp column: a random 25% of each user's ratings, seeded by the run)"
    )
    summary = {
        "source": path.name,
        **loaded.reading,
        "ratings": len(ratings),
        "users": len(users),
        "songs": len(items),
        "feedback": feedback.mode,
        "feedback_reason": feedback.reason,
        "confidence": feedback.formula,
        "split": split,
        "warnings": loaded.warnings,
        "cleaning_reconciliation": "a ratings file has no injected mess to reconcile; malformed rows are "
        "reported as warnings",
        "prose": real_prose(
            ctx.config, has_timestamp=loaded.has_timestamp, feedback=feedback.mode, formula=feedback.formula
        ),
    }
    record = DataResult(train=train, test=test, synthetic=False, time_column=None, summary=summary)
    artifact = RecData(synthetic=False, world=None, users=users, items=items, train=train, test=test, n_genres=0)
    return record, artifact
