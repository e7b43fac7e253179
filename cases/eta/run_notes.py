"""Sentences of the design notes that depend on the data (generated or real) and this run's numbers."""

from __future__ import annotations

from cases.eta.artifacts import EtaData
from framework.results import LadderResult

# Below this ratio of segment MAPEs (lookup / free flow) the lookup "clearly" beats free flow.
CLEAR_WIN_RATIO = 0.75


def run_notes(data: EtaData, ladder: LadderResult, coverage: float, median_cars: float) -> dict[str, str]:
    """The data-dependent sentences the templates of steps 6 and 7 read (``monitoring[run_notes][...]``).

    Args:
        data: the run's data.
        ladder: the model ladder (segment MAPE of the lookup and of free flow).
        coverage: share of (segment, interval) keys the lookup has seen.
        median_cars: median probe cars of a key of the record table.

    Returns:
        ``scope`` (what the trips are), ``jams`` (how long jams last), ``lookup`` (lookup versus free flow),
        ``calibration`` (which trips the p10/p90 quantiles come from).
    """
    if data.synthetic:
        scope = (
            f"trips are routes of {data.trips.table['n_segments'].mean():.1f} segments on a synthetic grid of "
            f"{data.network.n_segments:,} segments"
        )
        jams = "jams in this generator last tens of minutes, long enough for recent probes to read them"
    else:
        scope = (
            f"trips are routes of {data.trips.table['n_segments'].mean():.1f} segments on this data's "
            f"{data.network.n_segments} segments, timed by its own test records"
        )
        jams = "real data: whether its jams last long enough for recent readings to help is what this rung measures"
    base = ladder.models[ladder.baseline]["segment_mape"]
    naive = ladder.models[ladder.naive]["segment_mape"]
    if base >= CLEAR_WIN_RATIO * naive:
        lookup = (
            f"The production lookup {'barely beats' if base < naive else 'does not beat'} free flow on relative "
            f"segment error (segment MAPE {base:.1%} "
            f"against {naive:.1%}): its keys are sparse (median {median_cars:g} cars a key, {coverage:.0%} of keys "
            "seen), so each mean is mostly noise. Shrinking sparse keys toward free flow is a quick, low-risk win "
            "before any ML."
        )
    else:
        lookup = (
            f"The production lookup beats free flow clearly on relative segment error (segment MAPE {base:.1%} "
            f"against {naive:.1%}); {coverage:.0%} of its keys are seen, so shrinking the sparse ones toward the "
            "segment's hour of the week is still a quick, low-risk win before any ML."
        )
    if data.synthetic:
        calibration = "The quantiles come from generated training-window trips scored by the deployed model."
    else:
        calibration = (
            "Real trips walk the training records, so the quantiles come from trips scored out of fold (a lookup "
            "fitted without the trip's own week or day); in sample a key seen once returns the trip's own time "
            "and the band would have zero width."
        )
        if ladder.best not in (ladder.baseline, ladder.naive, "live_traffic"):
            calibration += f" Those are the lookup's ratios, an approximation for the deployed {ladder.best}."
    return {"scope": scope, "jams": jams, "lookup": lookup, "calibration": calibration}
