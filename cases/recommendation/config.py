"""Run configuration of the music recommendation case: every knob, validated, with small/default/large presets."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from framework.case import CaseConfig


class RecConfig(CaseConfig):
    """Knobs of the recommendation case; the field defaults are the ``default`` scale.

    Attributes:
        n_users: users in the metadata table (existing plus those who sign up during the log window).
        n_items: songs in the catalogue.
        n_artists: artists; every song belongs to one artist and the artist's genre.
        n_genres: music genres (at most 16).
        n_locations: distinct user locations (countries, at most 8).
        days: length of the click-log window in days.
        test_fraction: share of the time axis held out (the latest days) for evaluation.
        impressions_per_user: mean logged impressions of a user active for the whole window.
        explore: share of logged impressions shown uniformly at random (the rest follow the user's taste).
        new_user_fraction: share of users who sign up during the window (late ones are cold-start).
        taste_concentration: Dirichlet concentration of user genre tastes (lower = more focused users).
        popularity_skew: Zipf exponent of song popularity (the long tail).
        duplicate_fraction: share of log lines emitted twice (client retries).
        mixed_case_fraction: share of lines whose ids are upper-cased.
        stray_space_fraction: share of lines whose ids carry stray spaces.
        epoch_timestamp_fraction: share of lines from a legacy client logging epoch seconds.
        bad_timestamp_fraction: share of lines with an unparsable or out-of-window timestamp.
        bad_json_fraction: share of lines truncated into invalid JSON.
        unknown_id_fraction: share of lines naming a user or song missing from the metadata/catalogue.
        knn_neighbours: neighbours kept per song by item-based collaborative filtering.
        als_factors: latent factors of implicit ALS.
        als_regularization: L2 penalty of implicit ALS.
        als_alpha: confidence weight of a click in implicit ALS (c = 1 + alpha * clicks).
        als_iterations: alternating least-squares sweeps.
        ab_sessions_per_user: mean feed views per user during the simulated A/B test.
        ab_top_slot_attention: chance that a user looks at the first slot of a feed view (position bias:
            slot k is looked at with this chance / log2(1 + k), the NDCG discount); a looked-at song is
            clicked with its true probability, so feed CTRs land at a few percent.
        ab_min_detectable_lift: smallest relative CTR lift the A/B test must detect, chosen before the
            test (never the lift observed offline).
        ab_traffic_share: most daily active users one arm may take; the test runs whole weeks at it or less.
        ab_icc_floor: smallest within-user click correlation the plan assumes even when the pre-period
            measures less (simulated users share no mood, device or day effects; real ones do).
        ab_assumed_ctr: feed CTR the plan assumes when there is no pre-period to measure it (real data).
        ab_assumed_icc: within-user correlation of clicks the plan assumes on real data.
        new_song_share_alert: share of clicks on songs the model never saw above which monitoring asks
            for a retrain (new songs are counted, not tested for drift).
        new_song_warmup_days: days of plays after the drift's release that rank new songs for the new-song
            fallback (popularity within the user's genres); its NDCG is scored on the rest of the drift window.
        retrieval_sizes: candidate pool sizes N of the two-stage measurement (ALS top-N, then ranking);
            sizes not below the catalogue are skipped (a quarter and a half of a small catalogue stand in).
        retrieval_users: evaluation users the retrieval stage is measured on (the first ones; bounds memory).
        ann_cells: k-means cells of the IVF approximate nearest-neighbour index over ALS item factors.
        ann_nprobes: cells probed per query, one measured row each (ascending; values not below ann_cells dropped).
        feedback_rounds: retraining rounds of the simulated feedback loop (0 skips it).
        feedback_users: users in that loop (the first ones).
        feedback_als_iterations: ALS sweeps of each retraining in the loop (fewer than the ladder's: cheap).
        serving_requests: lookups timed against the SQLite cache.
        unknown_request_fraction: share of those lookups for users not in the cache.
        drift_new_item_fraction: songs released in the drifted period, relative to the catalogue.
        drift_taste_shift: weight of a trending genre mixed into every user's taste after the drift.
        drift_new_user_fraction: burst of new users in the drifted period, relative to the user base.
        split: how the log is split; ``time`` (the default: the last days held out) or ``random`` (a
            drill's flaw: events held out at random, so training sees the future).
        popularity_window: clicks the popularity baseline counts; ``train`` (the default) or
            ``train_and_test`` (a drill's flaw: held-out clicks leak into the popularity counts).
        categorical_drift_test: how categorical features are compared by monitoring; ``shares`` (the
            default: PSI over category shares and chi-square) or ``ks`` (a drill's flaw: their codes
            compared as numbers, PSI on quantile bins and KS).
        block_users: users per generation block: each block's listening and raw log lines draw from
            that block's own random streams, so the data never depends on the number of workers; every
            preset up to ``large`` is one block (the unblocked draws), ``xl`` many.
        feedback: how a ``--data`` file's rating column is read (``auto``: detected; ``explicit`` scores,
            ``implicit`` play counts used as log-scaled ALS confidence, ``binary`` clicks); see feedback_modes.
    """

    n_users: int = Field(default=3000, ge=50, le=100_000)
    n_items: int = Field(default=1200, ge=50, le=10_000)
    n_artists: int = Field(default=150, ge=4, le=10_000)
    n_genres: int = Field(default=12, ge=2, le=16)
    n_locations: int = Field(default=6, ge=1, le=8)
    days: int = Field(default=28, ge=2, le=365)
    test_fraction: float = Field(default=0.2, ge=0.05, le=0.8)
    impressions_per_user: float = Field(default=120.0, ge=2, le=1000)
    explore: float = Field(default=0.1, ge=0, le=1)
    new_user_fraction: float = Field(default=0.1, ge=0, le=0.9)
    taste_concentration: float = Field(default=0.1, ge=0.001, le=100)
    popularity_skew: float = Field(default=0.6, ge=0, le=3)
    duplicate_fraction: float = Field(default=0.02, ge=0, lt=0.5)
    mixed_case_fraction: float = Field(default=0.03, ge=0, lt=0.5)
    stray_space_fraction: float = Field(default=0.03, ge=0, lt=0.5)
    epoch_timestamp_fraction: float = Field(default=0.05, ge=0, lt=0.5)
    bad_timestamp_fraction: float = Field(default=0.005, ge=0, lt=0.5)
    bad_json_fraction: float = Field(default=0.003, ge=0, lt=0.5)
    unknown_id_fraction: float = Field(default=0.003, ge=0, lt=0.5)
    knn_neighbours: int = Field(default=200, ge=1, le=10_000)
    als_factors: int = Field(default=16, ge=1, le=64)
    als_regularization: float = Field(default=20.0, ge=0.01, le=10_000)
    als_alpha: float = Field(default=5.0, ge=0.01, le=1000)
    als_iterations: int = Field(default=10, ge=1, le=50)
    ab_sessions_per_user: float = Field(default=5.0, ge=0.1, le=1000)
    ab_top_slot_attention: float = Field(default=0.2, gt=0, le=1)
    ab_min_detectable_lift: float = Field(default=0.02, ge=0.01, le=1)
    ab_traffic_share: float = Field(default=0.01, gt=0, le=0.5)
    ab_assumed_ctr: float = Field(default=0.03, gt=0, lt=0.5)
    ab_assumed_icc: float = Field(default=0.01, ge=0, le=1)
    ab_icc_floor: float = Field(default=0.01, ge=0, le=1)
    new_song_share_alert: float = Field(default=0.05, gt=0, le=1)
    new_song_warmup_days: float = Field(default=1.0, gt=0, le=30)
    retrieval_sizes: tuple[int, ...] = (100, 200, 500)  # ascending
    retrieval_users: int = Field(default=500, ge=10, le=100_000)
    ann_cells: int = Field(default=32, ge=2, le=4096)
    ann_nprobes: tuple[int, ...] = (1, 2, 4, 8)  # ascending
    feedback_rounds: int = Field(default=3, ge=0, le=20)
    feedback_users: int = Field(default=400, ge=10, le=100_000)
    feedback_als_iterations: int = Field(default=3, ge=1, le=50)
    serving_requests: int = Field(default=2000, ge=10, le=1_000_000)
    unknown_request_fraction: float = Field(default=0.1, ge=0, le=1)
    drift_new_item_fraction: float = Field(default=0.2, ge=0, le=2)
    drift_taste_shift: float = Field(default=0.5, ge=0, le=1)
    drift_new_user_fraction: float = Field(default=0.3, ge=0, le=5)
    split: Literal["time", "random"] = "time"
    popularity_window: Literal["train", "train_and_test"] = "train"
    categorical_drift_test: Literal["shares", "ks"] = "shares"
    feedback: Literal["auto", "explicit", "implicit", "binary"] = "auto"
    block_users: int = Field(default=10_000, ge=10, le=100_000)

    scales: ClassVar[dict[str, dict[str, Any]]] = {
        "small": {
            "n_users": 500,
            "n_items": 300,
            "n_artists": 40,
            "n_genres": 8,
            "impressions_per_user": 80.0,
            "knn_neighbours": 50,
            "als_iterations": 6,
            "serving_requests": 300,
            "ann_cells": 8,
            "ann_nprobes": (1, 2, 4),
        },
        "default": {},
        "large": {
            "n_users": 10_000,
            "n_items": 3000,
            "n_artists": 400,
            "n_genres": 16,
            "impressions_per_user": 150.0,
            "knn_neighbours": 300,
            "als_factors": 32,
            "serving_requests": 5000,
        },
        # ~20M log lines: fewer users than large's impressions would need (140k), more impressions each, so
        # the per-user work after the data step (ALS, scoring, the A/B simulation) grows 10x, not 14x; the
        # catalogue stays large's 3,000 songs so EASE's dense songs x songs solve stays seconds; 16 ALS factors.
        "xl": {
            "n_users": 100_000,
            "n_items": 3000,
            "n_artists": 400,
            "n_genres": 16,
            "impressions_per_user": 200.0,
            "knn_neighbours": 300,
            "als_factors": 16,
            "serving_requests": 5000,
            "block_users": 5000,
        },
    }

    # The knobs that drive memory (log lines, EASE's songs x songs matrices, ALS Gram blocks).
    size_keys: ClassVar[tuple[str, ...]] = ("n_users", "impressions_per_user", "n_items", "als_factors")

    @model_validator(mode="after")
    def _consistent_catalogue(self) -> RecConfig:
        # Every genre needs an artist and every artist a song, or the generator leaves holes.
        if not self.n_genres <= self.n_artists <= self.n_items:
            raise ValueError(
                f"need n_genres <= n_artists <= n_items, got {self.n_genres}, {self.n_artists}, {self.n_items}"
            )
        return self

    @model_validator(mode="after")
    def _enough_but_not_too_many_events(self) -> RecConfig:
        # Too few impressions leave no held-out click to score; too many take many minutes and GiBs.
        held_out = self.n_users * self.impressions_per_user * self.test_fraction
        if held_out < MIN_HELD_OUT_IMPRESSIONS:
            raise ValueError(
                f"n_users x impressions_per_user x test_fraction = {held_out:,.0f} held-out impressions, fewer than "
                f"{MIN_HELD_OUT_IMPRESSIONS}: raise impressions_per_user, n_users or test_fraction"
            )
        if self.log_lines() > MAX_LOG_LINES:
            raise ValueError(
                f"about {self.log_lines():,.0f} log lines in one window, more than {MAX_LOG_LINES:,}: lower n_users or "
                "impressions_per_user (or drift_new_user_fraction x test_fraction)"
            )
        block = self.log_lines() * min(self.block_users, self.n_users) / self.n_users
        if block > MAX_BLOCK_LOG_LINES:  # one block is parsed in one worker's memory
            raise ValueError(
                f"about {block:,.0f} log lines per block of {self.block_users:,} users, more than "
                f"{MAX_BLOCK_LOG_LINES:,}: lower block_users"
            )
        return self

    @model_validator(mode="after")
    def _warmup_inside_window(self) -> RecConfig:
        # The new-song fallback learns from the warm-up and is scored on the rest of the held-out window.
        if self.new_song_warmup_days >= self.days * self.test_fraction:
            raise ValueError(
                f"new_song_warmup_days = {self.new_song_warmup_days:g} leaves nothing of the "
                f"{self.days * self.test_fraction:g}-day monitoring window to score: lower it"
            )
        return self

    @model_validator(mode="after")
    def _ann_probes(self) -> RecConfig:
        # The ANN table compares at least two nprobe values, each probing fewer cells than the index has.
        probes = self.ann_nprobes
        if len(probes) < 2 or list(probes) != sorted(set(probes)) or probes[0] < 1 or probes[-1] >= self.ann_cells:
            raise ValueError(
                f"ann_nprobes = {probes} must be at least two ascending values from 1 to below ann_cells = "
                f"{self.ann_cells}"
            )
        if self.ann_cells > self.n_items:
            raise ValueError(f"ann_cells = {self.ann_cells} exceeds n_items = {self.n_items}: lower it")
        return self

    @model_validator(mode="after")
    def _als_finishes(self) -> RecConfig:
        # Each ALS sweep solves an f x f system per user and per song; beyond this it runs for many minutes.
        work = self.als_iterations * (self.n_users + self.n_items) * self.als_factors**2
        if work > MAX_ALS_WORK:
            raise ValueError(
                f"als_iterations x (n_users + n_items) x als_factors^2 = {work:.1e}, more than {MAX_ALS_WORK:.0e} "
                "(a very slow ALS fit): lower als_iterations or als_factors"
            )
        return self

    def log_lines(self) -> float:
        """Expected raw log lines of the largest window: the training log or the drifted monitoring window."""
        per_user = self.impressions_per_user * (1 + self.duplicate_fraction)
        drift_window = self.n_users * (1 + self.drift_new_user_fraction) * per_user * self.test_fraction
        return max(self.n_users * per_user, drift_window)

    def blocks(self) -> int:
        """Generation blocks of the training log (users split in runs of ``block_users``)."""
        return -(-self.n_users // self.block_users)

    def estimated_peak_bytes(self) -> int:
        """Peak memory of a synthetic run in one process (pandas; see :func:`peak_bytes`).

        A log of several blocks is the shape written to the Parquet data cache (``xl``): in one process
        the whole raw log table is held beside its Arrow copy while it is written, on top of the parsing.
        On Dask the runner skips this check: a worker holds one block, the client the clean events.
        """
        base = peak_bytes(self.n_users, self.n_items, self.log_lines(), self.als_factors, self.knn_neighbours)
        cached = RAW_TABLE_BYTES_PER_LINE * self.n_users * self.impressions_per_user if self.blocks() > 1 else 0
        return int(base + cached)


# Calibrated with `/usr/bin/time -f %M` (peak RSS) on runs that vary one driver at a time.
BASE_BYTES = 270 * 2**20  # interpreter, numpy/pandas/scipy/matplotlib
BYTES_PER_LOG_LINE = 700  # JSON text, its lines, the decoded frame and the clean events
KNN_BLOCK_ITEMS = 1024  # songs whose similarity rows ItemKNN computes at once (models.KNN_BLOCK_ITEMS)
KNN_BLOCK_COPIES = 6  # a block's sparse product, its dense rows, the outer product, -sim, argpartition indices
KNN_ENTRY_BYTES = 24  # a kept neighbour: float64 value + int32 index, twice while the blocks are stacked
EASE_MAX_ITEMS = 10_000  # above this EASE is skipped: its songs x songs matrices alone would be GiBs
EASE_COPIES = 3  # measured peak of an EASE fit: 2.05 songs x songs floats (X'X sparse then dense, inverted in place)
SCORE_BATCH = 2048  # users scored at once (models.BATCH_USERS)
SCORE_COPIES = 10  # a batch's scores, the oracle's logit temporaries and top-k's
MAX_LOG_LINES = 30_000_000  # 1.5x the xl preset (on Dask; pandas is refused by the memory check long before)
MAX_BLOCK_LOG_LINES = 3_000_000  # one block's lines parsed at once by one worker: ~2 GiB
RAW_TABLE_BYTES_PER_LINE = 400  # a raw line as a Python string in a frame (~170 B) and its Arrow copy for Parquet
MIN_HELD_OUT_IMPRESSIONS = 200
MAX_ALS_WORK = 6e8  # 4.5x the large preset: about 5 minutes of ALS on 2 cores (xl: 16 factors, 2.6e8)


def peak_bytes(n_users: int, n_items: int, rows: float, factors: int, neighbours: int = 300) -> int:
    """Rough peak memory of a run: fixed cost, per log line, item-CF's blocks, EASE and ALS.

    Item-CF never holds a dense songs x songs matrix: it computes ``KNN_BLOCK_ITEMS`` similarity rows at a
    time and keeps ``neighbours`` entries per song. EASE holds dense songs x songs matrices, and only runs
    up to ``EASE_MAX_ITEMS`` songs (above that it is skipped, so it costs nothing).

    Args:
        n_users: users.
        n_items: songs in the catalogue.
        rows: log lines (synthetic) or ratings (real data) of the largest window.
        factors: ALS latent factors (ALS keeps an ``f x f`` outer product per user or song).
        neighbours: neighbours item-CF keeps per song.
    """
    block = min(KNN_BLOCK_ITEMS, n_items)
    knn = KNN_BLOCK_COPIES * 8 * block * n_items + KNN_ENTRY_BYTES * min(neighbours, n_items) * n_items
    ease = EASE_COPIES * 8 * n_items**2 if n_items <= EASE_MAX_ITEMS else 0
    # Scoring a batch of users holds several score rows of the whole catalogue.
    scores = SCORE_COPIES * 8 * min(SCORE_BATCH, n_users) * n_items
    # ALS: the other side's f x f outer products, and a batch's Gram blocks, right-hand sides and solve.
    rows_solved = max(n_users, n_items)
    als = 8 * factors**2 * (2 * rows_solved + 3 * min(SCORE_BATCH, rows_solved))
    return int(BASE_BYTES + BYTES_PER_LOG_LINE * rows + max(knn, ease) + scores + als)
