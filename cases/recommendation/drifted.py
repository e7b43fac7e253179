"""The drift step 9 injects: the generator's world after new songs, a trending genre and a burst of new users."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from cases.recommendation.config import RecConfig
from cases.recommendation.generator import LATENT_DIM, World, dirichlet_rows


def drifted_world(world: World, config: RecConfig, rng: np.random.Generator) -> World:
    """The world after drift: new songs, a trending genre pulling every taste, a burst of new users.

    Args:
        world: the world before the drift.
        config: drift sizes.
        rng: the ``drift`` random stream.

    Returns:
        A new world whose first users/songs are the old ones.
    """
    n_new_items = int(round(world.n_items * config.drift_new_item_fraction))
    n_new_users = int(round(world.n_users * config.drift_new_user_fraction))
    trending = int(rng.integers(0, world.n_genres))
    # New songs come from existing artists but skew to the trending genre and are hot on release.
    artists = world.items[["artist_id", "genre_id", "genre"]].drop_duplicates("artist_id")
    trend_artists = artists[artists["genre_id"] == trending]["artist_id"].to_numpy()
    pick = np.where(
        rng.random(n_new_items) < 0.6,
        rng.choice(trend_artists, n_new_items),
        rng.choice(artists["artist_id"].to_numpy(), n_new_items),
    )
    genre_of = world.items.drop_duplicates("artist_id").set_index("artist_id")
    artist_vec = pd.DataFrame(world.item_factors).groupby(world.items["artist_id"].to_numpy()).mean()
    new_items = pd.DataFrame(
        {
            "song_id": [f"s{i:05d}" for i in range(world.n_items, world.n_items + n_new_items)],
            "artist_id": pick,
            "genre": genre_of.loc[pick, "genre"].to_numpy(),
            "genre_id": genre_of.loc[pick, "genre_id"].to_numpy(),
            "release_s": np.full(n_new_items, world.window_s, dtype=np.int64),
        }
    )
    new_factors = artist_vec.loc[pick].to_numpy() + 0.5 * rng.normal(0.0, 1.0, (n_new_items, LATENT_DIM))
    new_bias = np.quantile(world.item_bias, 0.8) + 0.5 * rng.normal(0.0, 1.0, n_new_items)
    # New users: a young-skewed marketing burst; everyone's taste moves toward the trending genre.
    age = np.clip(np.round(rng.gamma(4.0, 4.0, n_new_users) + 12), 13, 80).astype(np.int64)
    locs = world.users["location"].to_numpy()
    new_users = pd.DataFrame(
        {
            "user_id": [f"u{u:06d}" for u in range(world.n_users, world.n_users + n_new_users)],
            "age": age,
            "location": rng.choice(locs, n_new_users),
            "signup_s": np.full(n_new_users, world.window_s, dtype=np.int64),
        }
    )
    new_taste = dirichlet_rows(np.full((n_new_users, world.n_genres), config.taste_concentration), rng)
    taste = np.vstack([world.taste, new_taste])
    taste = (1 - config.drift_taste_shift) * taste
    taste[:, trending] += config.drift_taste_shift
    activity = np.concatenate([world.activity, rng.lognormal(0.0, 0.7, n_new_users)])
    return replace(
        world,
        users=pd.concat([world.users, new_users], ignore_index=True),
        items=pd.concat([world.items, new_items], ignore_index=True),
        taste=taste,
        user_factors=np.vstack([world.user_factors, rng.normal(0.0, 1.0, (n_new_users, LATENT_DIM))]),
        item_factors=np.vstack([world.item_factors, new_factors]),
        item_bias=np.concatenate([world.item_bias, new_bias]),
        activity=activity,
    )
