"""Synthetic music world: users, songs, the true click probability of every pair, and the simulated events."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cases.recommendation.config import RecConfig
from framework.timeunits import SECONDS_PER_DAY

GENRES = (
    "pop",
    "rock",
    "hip-hop",
    "electronic",
    "jazz",
    "classical",
    "country",
    "r&b",
    "indie",
    "latin",
    "metal",
    "folk",
    "soul",
    "reggae",
    "blues",
    "k-pop",
)
LOCATIONS = ("us", "gb", "de", "br", "in", "jp", "se", "mx")
LOG_START = np.datetime64("2024-03-04T00:00:00", "s")
LATENT_DIM = 8
# Logit weights of the true click model: genre taste dominates, then song popularity, then artist affinity.
BASE_LOGIT = -0.3
GENRE_WEIGHT = 1.0
POPULARITY_WEIGHT = 0.8
LATENT_WEIGHT = 0.3
TASTE_FLOOR = 0.02
SIMULATION_BATCH_USERS = 4096
# Listening after a click: seconds played are exponential with a mean that grows with how well the song
# matches the user (its true click probability), capped at the song's length; under 30 s is a skip.
LISTEN_FLOOR_S = 10.0
LISTEN_PER_PROBABILITY_S = 200.0
SONG_SECONDS = 210.0
STREAM_SECONDS = 30.0
# Worlds up to this many (user, song) pairs keep their probability matrix (float32, 4 bytes a pair):
# a run asks for it about twenty times, and the default scale's matrix is ~15 MB.
CACHE_MAX_PAIRS = 20_000_000


@dataclass
class World:
    """The generator's ground truth.

    Attributes:
        users: user metadata (``user_id``, ``age``, ``location``, ``signup_s``); row i is user index i.
        items: the catalogue (``song_id``, ``artist_id``, ``genre``, ``genre_id``, ``release_s``).
        taste: ``(n_users, n_genres)`` genre preference of every user (rows sum to 1).
        user_factors: ``(n_users, LATENT_DIM)`` artist-affinity vectors.
        item_factors: ``(n_items, LATENT_DIM)`` song vectors (artist vector plus noise).
        item_bias: ``(n_items,)`` popularity term of the click logit (Zipf in the popularity rank).
        activity: ``(n_users,)`` relative activity of each user (mean 1).
        n_genres: number of genres.
        window_s: length of the log window in seconds.
    """

    users: pd.DataFrame
    items: pd.DataFrame
    taste: np.ndarray
    user_factors: np.ndarray
    item_factors: np.ndarray
    item_bias: np.ndarray
    activity: np.ndarray
    n_genres: int
    window_s: int
    _probability: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def n_users(self) -> int:
        """Number of users."""
        return len(self.users)

    @property
    def n_items(self) -> int:
        """Number of songs."""
        return len(self.items)

    def click_probability(self, users: np.ndarray | None = None) -> np.ndarray:
        """True probability that each user clicks each song when it is shown (the oracle).

        Args:
            users: user indices (all users when None).

        Returns:
            ``(len(users), n_items)`` float32 probabilities.
        """
        if self.n_users * self.n_items <= CACHE_MAX_PAIRS:
            if self._probability is None:  # the world is never changed after it is drawn: compute once
                self._probability = self._probabilities(np.arange(self.n_users))
            return self._probability.copy() if users is None else self._probability[np.asarray(users)]
        return self._probabilities(np.arange(self.n_users) if users is None else np.asarray(users))

    def _probabilities(self, users: np.ndarray) -> np.ndarray:
        """The click model for ``users``, computed in place (the same operations, in the same order, as a formula)."""
        genre = self.items["genre_id"].to_numpy()
        # log of the (users x genres) taste first, then spread to songs: the same values, 100x fewer logs
        logit = BASE_LOGIT + GENRE_WEIGHT * np.log(self.taste[users] + TASTE_FLOOR)[:, genre]
        logit += POPULARITY_WEIGHT * self.item_bias
        latent = self.user_factors[users] @ self.item_factors.T
        latent /= np.sqrt(LATENT_DIM)
        latent *= LATENT_WEIGHT
        logit += latent
        np.negative(logit, out=logit)
        np.exp(logit, out=logit)
        logit += 1.0
        np.divide(1.0, logit, out=logit)
        return logit.astype(np.float32)


def listen_seconds(p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Seconds played after each click on a song the user clicks with true probability ``p``.

    Exponential with mean ``LISTEN_FLOOR_S + LISTEN_PER_PROBABILITY_S * p``, capped at ``SONG_SECONDS``:
    a better-matching song is played longer, so fewer of its clicks end as skips (< ``STREAM_SECONDS``).

    Args:
        p: true click probability of the clicked song, one entry per click.
        rng: the ``listens`` random stream (its own stream, so no existing draw moves).
    """
    return np.minimum(rng.exponential(LISTEN_FLOOR_S + LISTEN_PER_PROBABILITY_S * np.asarray(p, float)), SONG_SECONDS)


def age_groups_taste_prior(n_genres: int, rng: np.random.Generator) -> np.ndarray:
    """Genre prior of each of the 6 age groups: every group favours three genres."""
    prior = np.full((6, n_genres), 0.5)
    favourites = np.argsort(rng.random((6, n_genres)), axis=1)[:, :3]
    np.put_along_axis(prior, favourites, 3.0, axis=1)
    return prior


def age_group_codes(age: np.ndarray) -> np.ndarray:
    """Age bucket index: <18, 18-24, 25-34, 35-44, 45-54, 55+."""
    return np.searchsorted(np.array([18, 25, 35, 45, 55]), np.asarray(age), side="right")


def make_world(config: RecConfig, rng: np.random.Generator) -> World:
    """Draw users, artists, songs and their latent tastes.

    Args:
        config: sizes and shape parameters.
        rng: the ``world`` random stream.

    Returns:
        The world with its ground truth.
    """
    n_u, n_i, n_a, n_g = config.n_users, config.n_items, config.n_artists, config.n_genres
    window_s = config.days * SECONDS_PER_DAY

    # Artists: every genre gets at least one; artist popularity is lognormal (a few stars).
    artist_genre = rng.permutation(np.arange(n_a) % n_g)
    artist_pop = rng.lognormal(0.0, 1.0, n_a)
    artist_vec = rng.normal(0.0, 1.0, (n_a, LATENT_DIM))
    # Songs: every artist gets at least one song, the rest go to popular artists more often.
    extra = rng.choice(n_a, size=n_i - n_a, p=artist_pop / artist_pop.sum())
    song_artist = rng.permutation(np.concatenate([np.arange(n_a), extra]))
    rank = rng.permutation(n_i) + 1
    log_rank = np.log(rank)
    item_bias = -config.popularity_skew * (log_rank - log_rank.mean())
    item_factors = artist_vec[song_artist] + 0.5 * rng.normal(0.0, 1.0, (n_i, LATENT_DIM))
    items = pd.DataFrame(
        {
            "song_id": [f"s{i:05d}" for i in range(n_i)],
            "artist_id": song_artist,
            "genre": np.array(GENRES)[artist_genre[song_artist]],
            "genre_id": artist_genre[song_artist],
            "release_s": np.zeros(n_i, dtype=np.int64),
        }
    )

    # Users: age and location, then a genre taste drawn around their age group's favourites.
    age = np.clip(np.round(rng.gamma(6.0, 5.5, n_u) + 10), 13, 80).astype(np.int64)
    loc_p = rng.dirichlet(np.full(config.n_locations, 3.0))
    location = np.array(LOCATIONS)[rng.choice(config.n_locations, size=n_u, p=loc_p)]
    prior = age_groups_taste_prior(n_g, rng)[age_group_codes(age)]
    taste = dirichlet_rows(prior * config.taste_concentration, rng)
    is_new = rng.random(n_u) < config.new_user_fraction
    signup = np.where(is_new, rng.integers(0, window_s, n_u), 0)
    users = pd.DataFrame(
        {
            "user_id": [f"u{u:06d}" for u in range(n_u)],
            "age": age,
            "location": location,
            "signup_s": signup.astype(np.int64),
        }
    )
    activity = rng.lognormal(0.0, 0.7, n_u)
    return World(
        users=users,
        items=items,
        taste=taste,
        user_factors=rng.normal(0.0, 1.0, (n_u, LATENT_DIM)),
        item_factors=item_factors,
        item_bias=item_bias,
        activity=activity / activity.mean(),
        n_genres=n_g,
        window_s=window_s,
    )


def dirichlet_rows(alpha: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One Dirichlet draw per row of ``alpha`` (gamma trick, vectorised)."""
    g = rng.gamma(alpha)
    g = np.maximum(g, 1e-12)
    return g / g.sum(axis=1, keepdims=True)


def sample_categorical_rows(weights: np.ndarray, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one column per entry of ``rows`` with probability proportional to that row of ``weights``.

    Uses one ``searchsorted`` over the row-normalised cumulative sums shifted by the row index,
    so there is no loop over rows.

    Args:
        weights: ``(n_rows, n_cols)`` non-negative weights, every row with a positive sum.
        rows: row index of every draw.
        rng: random stream.

    Returns:
        Column index of every draw.
    """
    cum = np.cumsum(weights, axis=1, dtype=np.float64)
    cum /= cum[:, -1:]
    n_rows, n_cols = cum.shape
    flat = (cum + np.arange(n_rows)[:, None]).ravel()
    pos = np.searchsorted(flat, rows + rng.random(len(rows)), side="right")
    return np.minimum(pos - rows * n_cols, n_cols - 1)


def simulate_events(
    world: World,
    config: RecConfig,
    rng: np.random.Generator,
    start_s: int = 0,
    end_s: int | None = None,
    users: np.ndarray | None = None,
) -> pd.DataFrame:
    """Log impressions of the current app and whether each was clicked.

    The current app shows songs roughly in proportion to how much a user likes them
    (plus ``explore`` uniform exploration), so the chance a song is clicked in the logs is
    monotone in the true click probability and ranking by it is optimal offline too.

    Args:
        world: the ground truth.
        config: rates.
        rng: random stream.
        start_s: window start (seconds after ``LOG_START``).
        end_s: window end (default: the world's window).
        users: which users may be active (default: all).

    Returns:
        Frame with ``user``, ``item`` (indices), ``t`` (seconds) and ``clicked``, sorted by time.
    """
    end_s = world.window_s if end_s is None else end_s
    users = np.arange(world.n_users) if users is None else np.asarray(users)
    signup = world.users["signup_s"].to_numpy()[users]
    first = np.maximum(signup, start_s)
    active = np.clip(end_s - first, 0, None) / world.window_s
    n_events = rng.poisson(config.impressions_per_user * world.activity[users] * active)
    user = np.repeat(users, n_events)
    t = np.repeat(first, n_events) + rng.random(user.size) * np.repeat(end_s - first, n_events).clip(0)
    item = np.empty(user.size, dtype=np.int64)
    clicked = np.empty(user.size, dtype=bool)
    offsets = np.r_[0, np.cumsum(n_events)]
    for start in range(0, len(users), SIMULATION_BATCH_USERS):  # bounded memory: one block of p at a time
        block = slice(start, start + SIMULATION_BATCH_USERS)
        p = world.click_probability(users[block])
        lo, hi = offsets[start], offsets[min(start + SIMULATION_BATCH_USERS, len(users))]
        local = np.repeat(np.arange(len(p)), n_events[block])
        chosen = sample_categorical_rows(p, local, rng)
        explore = rng.random(hi - lo) < config.explore
        chosen[explore] = rng.integers(0, world.n_items, int(explore.sum()))
        item[lo:hi] = chosen
        clicked[lo:hi] = rng.random(hi - lo) < p[local, chosen]
    events = pd.DataFrame({"user": user, "item": item, "t": t.astype(np.int64), "clicked": clicked})
    return events.sort_values(["t", "user", "item"], kind="stable", ignore_index=True)


def ratings_sample(world: World, events: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Clicked events as MovieLens-style ratings (1-5 from the true click probability, plus noise).

    Args:
        world: the ground truth.
        events: simulated events.
        rng: random stream.

    Returns:
        Frame ``user_id, item_id, rating, timestamp`` with integer ids from 1, one row per (user, item).
    """
    clicks = events[events["clicked"]].drop_duplicates(["user", "item"])
    u = clicks["user"].to_numpy()
    i = clicks["item"].to_numpy()
    p = world.click_probability()[u, i]
    rating = np.clip(np.round(1 + 6 * p + rng.normal(0, 0.7, len(p))), 1, 5).astype(np.int64)
    return pd.DataFrame(
        {
            "user_id": u + 1,
            "item_id": i + 1,
            "rating": rating,
            "timestamp": clicks["t"].to_numpy() + int(LOG_START.astype(np.int64)),
        }
    )
