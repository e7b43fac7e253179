"""Synthetic music world: users, songs, the true click probability of every pair, and raw JSON click logs."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from cases.recommendation.config import RecConfig

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
SECONDS_PER_DAY = 86_400
LATENT_DIM = 8
# Logit weights of the true click model: genre taste dominates, then song popularity, then artist affinity.
BASE_LOGIT = -0.3
GENRE_WEIGHT = 1.0
POPULARITY_WEIGHT = 0.8
LATENT_WEIGHT = 0.3
TASTE_FLOOR = 0.02
SIMULATION_BATCH_USERS = 4096


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
        users = np.arange(self.n_users) if users is None else np.asarray(users)
        genre = self.items["genre_id"].to_numpy()
        affinity = np.log(self.taste[users][:, genre] + TASTE_FLOOR)
        latent = self.user_factors[users] @ self.item_factors.T / np.sqrt(LATENT_DIM)
        logit = BASE_LOGIT + GENRE_WEIGHT * affinity + POPULARITY_WEIGHT * self.item_bias + LATENT_WEIGHT * latent
        return (1.0 / (1.0 + np.exp(-logit))).astype(np.float32)


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
    taste = _dirichlet_rows(prior * config.taste_concentration, rng)
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


def _dirichlet_rows(alpha: np.ndarray, rng: np.random.Generator) -> np.ndarray:
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


def to_json_lines(events: pd.DataFrame, world: World, config: RecConfig, rng: np.random.Generator) -> tuple[str, dict]:
    """Serialise events as raw JSON lines with the mess real logs have.

    Mess injected (each on an independent random subset): client-retry duplicates, upper-cased
    ids, stray spaces, epoch-second timestamps from a legacy client, bad timestamps, unknown
    users/songs and truncated (invalid JSON) lines.

    Args:
        events: simulated events (``user``, ``item``, ``t``, ``clicked``).
        world: the ground truth (for ids).
        config: mess rates.
        rng: the ``mess`` random stream.

    Returns:
        The text (one JSON object per line) and the number of lines of each injected kind.
    """
    n = len(events)
    user = world.users["user_id"].to_numpy(dtype=object)[events["user"].to_numpy()]
    song = world.items["song_id"].to_numpy(dtype=object)[events["item"].to_numpy()]
    t = events["t"].to_numpy()
    iso = np.datetime_as_string(LOG_START + t.astype("timedelta64[s]"), unit="s").astype(object) + "Z"
    ts = '"' + iso + '"'

    def pick(fraction: float) -> np.ndarray:
        return rng.random(n) < fraction

    epoch = pick(config.epoch_timestamp_fraction)
    ts[epoch] = (t[epoch] + int(LOG_START.astype(np.int64))).astype(str).astype(object)
    bad_ts = pick(config.bad_timestamp_fraction)
    garbage = np.array(['"not-a-date"', '""', '"2024-13-45T99:00:00Z"', '"1970-01-01T00:00:00Z"', "null"], dtype=object)
    ts[bad_ts] = garbage[rng.integers(0, len(garbage), int(bad_ts.sum()))]
    unknown = pick(config.unknown_id_fraction)
    unknown_user = unknown & (rng.random(n) < 0.5)
    user[unknown_user] = "u9" + pd.Series(rng.integers(0, 99_999, int(unknown_user.sum()))).astype(str).str.zfill(6)
    song[unknown & ~unknown_user] = "s9" + pd.Series(
        rng.integers(0, 99_999, int((unknown & ~unknown_user).sum()))
    ).astype(str).str.zfill(5)
    upper = pick(config.mixed_case_fraction)
    user[upper] = pd.Series(user[upper], dtype=object).str.upper().to_numpy(dtype=object)
    song[upper] = pd.Series(song[upper], dtype=object).str.upper().to_numpy(dtype=object)
    spaces = pick(config.stray_space_fraction)
    user[spaces] = " " + user[spaces] + "  "
    song[spaces] = "\\t" + song[spaces] + " "  # an escaped tab: valid JSON, decodes to whitespace
    clicked = np.where(events["clicked"].to_numpy(), "true", "false").astype(object)
    as_int = pick(0.02)  # another client sends 1/0 instead of true/false
    clicked[as_int] = np.where(events["clicked"].to_numpy()[as_int], "1", "0")
    lines = (
        '{"user": "' + user + '", "song": "' + song.astype(object) + '", "ts": ' + ts + ', "clicked": ' + clicked + "}"
    )
    bad_json = pick(config.bad_json_fraction)
    cut = pd.Series(lines[bad_json], dtype=object)
    lines[bad_json] = (cut.str.slice(0, 25) + cut.str.slice(-5, -3)).to_numpy(dtype=object)
    dup = pick(config.duplicate_fraction)
    order = np.argsort(np.concatenate([np.arange(n), np.flatnonzero(dup)]), kind="stable")
    lines = np.concatenate([lines, lines[dup]])[order]
    counts = {
        "lines": int(len(lines)),
        "duplicates_injected": int(dup.sum()),
        "bad_json_injected": int(bad_json.sum()),
        "bad_timestamps_injected": int(bad_ts.sum()),
        "unknown_ids_injected": int(unknown.sum()),
        "mixed_case_injected": int(upper.sum()),
        "stray_spaces_injected": int(spaces.sum()),
    }
    return "\n".join(lines.tolist()) + "\n", counts


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
    new_taste = _dirichlet_rows(np.full((n_new_users, world.n_genres), config.taste_concentration), rng)
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
