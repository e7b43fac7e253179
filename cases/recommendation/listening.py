"""Music metrics beyond clicks: streams (>= 30 s played) and skips (< 30 s) of every simulated A/B click."""

from __future__ import annotations

import numpy as np

from cases.recommendation.generator import STREAM_SECONDS, World, listen_seconds, sample_categorical_rows
from cases.recommendation.models import BATCH_USERS
from framework.abtest import difference_test, ratio_ci

MUSIC_SLICE = "music metrics: streams (30 s or more) and skips per A/B arm (clicks are the proxy)"


def feed_song_probabilities(
    world: World, users: np.ndarray, counts: np.ndarray, explore: float, rng: np.random.Generator
) -> np.ndarray:
    """True click probability of the song behind each click on today's feed, ``counts[i]`` clicks of ``users[i]``.

    Today's feed shows song ``s`` with chance ``q_s`` (affinity plus ``explore`` uniform), so a click
    lands on ``s`` with chance proportional to ``q_s p_s``: each click's song is drawn from that.
    """
    distinct, row = np.unique(users, return_inverse=True)
    per_user = np.bincount(row, weights=counts, minlength=len(distinct)).astype(np.int64)
    out = []
    for start in range(0, len(distinct), BATCH_USERS):  # batches bound the (users x catalogue) block
        p = world.click_probability(distinct[start : start + BATCH_USERS]).astype(np.float64)
        q = (1 - explore) * p / p.sum(axis=1, keepdims=True) + explore / p.shape[1]
        n = per_user[start : start + BATCH_USERS]
        local = np.repeat(np.arange(len(p)), n)
        song = sample_categorical_rows(q * p, local, rng)
        out.append(p[local, song])
    return np.concatenate(out) if out else np.zeros(0)


def arm_row(owner: np.ndarray, seconds: np.ndarray, n_users: int, impressions: np.ndarray) -> dict[str, float]:
    """Clicks, streams, skips, skip rate (delta-method CI over users) and streams per slot of one arm.

    Args:
        owner: arm-local user of each click.
        seconds: seconds played of each click.
        n_users: users in the arm.
        impressions: slots shown per user of the arm.
    """
    clicks = np.bincount(owner, minlength=n_users)
    skips = np.bincount(owner, weights=seconds < STREAM_SECONDS, minlength=n_users)
    rate, se, lo, hi = ratio_ci(skips, clicks) if clicks.sum() else (float("nan"),) * 4
    streams = clicks.sum() - skips.sum()
    return {
        "users": float(n_users),
        "clicks": float(clicks.sum()),
        "streams": float(streams),
        "skips": float(skips.sum()),
        "skip_rate": rate,
        "skip_rate_se": se,
        "skip_rate_ci_low": lo,
        "skip_rate_ci_high": hi,
        "click_rate_per_slot": float(clicks.sum() / max(impressions.sum(), 1)),
        "stream_rate_per_slot": float(streams / max(impressions.sum(), 1)),
        "mean_seconds_played": float(seconds.mean()) if len(seconds) else float("nan"),
    }


def music_table(
    world: World,
    population: np.ndarray,
    treated: np.ndarray,
    per_slot: np.ndarray,
    impressions: np.ndarray,
    treatment_song_p: np.ndarray,
    explore: float,
    rng: np.random.Generator,
) -> dict[str, dict[str, float]]:
    """Streams, skips and skip rate of today's feed (control) and the deployed feed (treatment) of the A/B test.

    Every simulated click gets a listen duration from the generator (:func:`listen_seconds`), longer for
    songs that match the user better; the click draws themselves are the A/B test's.

    Args:
        world: the generator's truth.
        population: world user of every simulated user.
        treated: arm of every simulated user.
        per_slot: ``(n, k)`` clicks of every slot.
        impressions: slots shown per simulated user.
        treatment_song_p: ``(n_world_users, k)`` true click probability of each deployed-list song.
        explore: today's feed's uniform share.
        rng: the ``listens`` random stream.

    Returns:
        Rows ``today's feed (control)``, ``deployed feed (treatment)`` and ``treatment minus control``.
    """
    control, treatment = np.flatnonzero(~treated), np.flatnonzero(treated)
    # Treatment: the clicked slot's song is known, so is its true probability.
    t_counts = per_slot[treatment]
    t_owner = np.repeat(np.repeat(np.arange(len(treatment)), per_slot.shape[1]), t_counts.ravel())
    t_p = np.repeat(treatment_song_p[population[treatment]].ravel(), t_counts.ravel())
    # Control: today's feed draws its songs at random, so each click's song is drawn too.
    c_counts = per_slot[control].sum(axis=1)
    c_users = population[control]
    order = np.argsort(c_users, kind="stable")  # feed_song_probabilities returns clicks grouped by user id
    c_owner = np.repeat(order, c_counts[order])
    c_p = feed_song_probabilities(world, c_users, c_counts, explore, rng)
    seconds = listen_seconds(np.concatenate([c_p, t_p]), rng)
    rows = {
        "today's feed (control)": arm_row(c_owner, seconds[: len(c_p)], len(control), impressions[control]),
        "deployed feed (treatment)": arm_row(t_owner, seconds[len(c_p) :], len(treatment), impressions[treatment]),
    }
    a, b = rows["today's feed (control)"], rows["deployed feed (treatment)"]
    se_a, se_b = a.pop("skip_rate_se"), b.pop("skip_rate_se")  # kept out of the table: its columns are shared
    diff = difference_test(a["skip_rate"], se_a, b["skip_rate"], se_b)

    def relative(key: str) -> float:
        return b[key] / a[key] - 1 if a[key] > 0 else float("nan")

    lifts = {
        "clicks_vs_control": relative("click_rate_per_slot"),
        "streams_vs_control": relative("stream_rate_per_slot"),
    }
    a.update({"clicks_vs_control": 0.0, "streams_vs_control": 0.0})
    b.update(lifts)
    rows["treatment minus control"] = {
        **{k: b[k] - a[k] for k in a if k not in lifts},
        "skip_rate_ci_low": diff["ci_low"],
        "skip_rate_ci_high": diff["ci_high"],
        **lifts,
    }
    return rows


def music_reading(rows: dict[str, dict[str, float]]) -> str:
    """The music table in one sentence, its direction read from the numbers."""
    a, b, d = rows["today's feed (control)"], rows["deployed feed (treatment)"], rows["treatment minus control"]
    if d["skip_rate_ci_low"] > 0:
        verdict = "its clicks are skipped more often, so streams gain less (or lose more) than clicks do"
    elif d["skip_rate_ci_high"] < 0:
        verdict = "its clicks are also skipped less often, so streams gain more (or lose less) than clicks do"
    else:
        verdict = "the skip rates are tied within the interval, so streams move with clicks"
    return (
        f"clicks are only the proxy: today's feed's {a['clicks']:,.0f} clicks gave {a['streams']:,.0f} streams "
        f"({STREAM_SECONDS:.0f} s or more) and {a['skips']:,.0f} skips, skip rate {a['skip_rate']:.1%}; the "
        f"deployed feed's {b['clicks']:,.0f} clicks gave {b['streams']:,.0f} streams and {b['skips']:,.0f} skips, "
        f"skip rate {b['skip_rate']:.1%} (difference {100 * d['skip_rate']:+.1f} points, interval "
        f"{100 * d['skip_rate_ci_low']:+.1f} to {100 * d['skip_rate_ci_high']:+.1f}). Streams per slot shown move "
        f"{d['streams_vs_control']:+.0%} against {d['clicks_vs_control']:+.0%} for clicks: {verdict}"
    )
