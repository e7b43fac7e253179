"""Run configuration of the music recommendation case: every knob, validated, with small/default/large presets."""

from __future__ import annotations

from typing import Any, ClassVar

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
        serving_requests: lookups timed against the SQLite cache.
        unknown_request_fraction: share of those lookups for users not in the cache.
        drift_new_item_fraction: songs released in the drifted period, relative to the catalogue.
        drift_taste_shift: weight of a trending genre mixed into every user's taste after the drift.
        drift_new_user_fraction: burst of new users in the drifted period, relative to the user base.
    """

    n_users: int = Field(default=3000, ge=50, le=100_000)
    n_items: int = Field(default=1200, ge=50, le=50_000)
    n_artists: int = Field(default=150, ge=4)
    n_genres: int = Field(default=12, ge=2, le=16)
    n_locations: int = Field(default=6, ge=1, le=8)
    days: int = Field(default=28, ge=2, le=365)
    test_fraction: float = Field(default=0.2, gt=0, lt=0.9)
    impressions_per_user: float = Field(default=120.0, gt=1)
    explore: float = Field(default=0.1, ge=0, le=1)
    new_user_fraction: float = Field(default=0.1, ge=0, lt=1)
    taste_concentration: float = Field(default=0.1, gt=0)
    popularity_skew: float = Field(default=0.6, ge=0, le=3)
    duplicate_fraction: float = Field(default=0.02, ge=0, lt=0.5)
    mixed_case_fraction: float = Field(default=0.03, ge=0, lt=0.5)
    stray_space_fraction: float = Field(default=0.03, ge=0, lt=0.5)
    epoch_timestamp_fraction: float = Field(default=0.05, ge=0, lt=0.5)
    bad_timestamp_fraction: float = Field(default=0.005, ge=0, lt=0.5)
    bad_json_fraction: float = Field(default=0.003, ge=0, lt=0.5)
    unknown_id_fraction: float = Field(default=0.003, ge=0, lt=0.5)
    knn_neighbours: int = Field(default=200, ge=1)
    als_factors: int = Field(default=16, ge=1, le=256)
    als_regularization: float = Field(default=20.0, ge=0)
    als_alpha: float = Field(default=5.0, gt=0)
    als_iterations: int = Field(default=10, ge=1, le=100)
    ab_sessions_per_user: float = Field(default=5.0, gt=0)
    serving_requests: int = Field(default=2000, ge=10)
    unknown_request_fraction: float = Field(default=0.1, ge=0, le=1)
    drift_new_item_fraction: float = Field(default=0.2, ge=0, le=2)
    drift_taste_shift: float = Field(default=0.5, ge=0, le=1)
    drift_new_user_fraction: float = Field(default=0.3, ge=0, le=5)

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
    }

    @model_validator(mode="after")
    def _consistent_catalogue(self) -> RecConfig:
        # Every genre needs an artist and every artist a song, or the generator leaves holes.
        if not self.n_genres <= self.n_artists <= self.n_items:
            raise ValueError(
                f"need n_genres <= n_artists <= n_items, got {self.n_genres}, {self.n_artists}, {self.n_items}"
            )
        return self
