"""Weather: trip MAE of every model on rain days and dry days, and the sentence the notes quote."""

from __future__ import annotations

import numpy as np

from cases.eta.artifacts import EtaData
from cases.eta.evaluation import slice_table
from cases.eta.traffic import INTERVALS_PER_DAY

RAIN, DRY = "rain days", "dry days"


def rain_flags(data: EtaData) -> np.ndarray | None:
    """True for every test trip that departs on a rain day; None on real data (no weather known)."""
    if not data.synthetic:
        return None
    day_factor = data.world().day_factor
    day = data.trips.table["departure_interval"].to_numpy(np.int64) // INTERVALS_PER_DAY
    inside = day < day_factor.size
    return inside & (day_factor[np.minimum(day, max(day_factor.size - 1, 0))] > 1.0)


def weather_slices(data: EtaData, predictions: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """``{"rain days" | "dry days": {model: trip MAE, "n_trips": count}}``; empty on real data."""
    rain = rain_flags(data)
    if rain is None:
        return {}
    labels = np.where(rain, RAIN, DRY)
    return slice_table(data.trips.table["duration_s"].to_numpy(), predictions, labels, "trips")


def weather_note(by_weather: dict[str, dict[str, float]], baseline: str, live: str, best: str) -> str:
    """What this run's weather slice says (a sentence for the notes, true whichever way it falls)."""
    if RAIN not in by_weather or DRY not in by_weather:
        return (
            "This run has no rain day among its test trips (or no weather at all: real data without a weather "
            "feed), so there is no weather slice to read."
        )
    rain, dry = by_weather[RAIN], by_weather[DRY]
    gain_rain, gain_dry = rain[baseline] - rain[live], dry[baseline] - dry[live]
    verdict = (
        "the live rung gains more on rain days, because a rainy day is congestion that persists all day"
        if gain_rain > gain_dry
        else "the live rung does not gain more on rain days here"
    )
    return (
        f"On rain days ({rain['n_trips']:.0f} test trips) the deployed {best} errs by {rain[best]:.1f} s against "
        f"{dry[best]:.1f} s on dry days ({dry['n_trips']:.0f} trips); history loses {rain[baseline]:.1f} s versus "
        f"{dry[baseline]:.1f} s and the live rung {rain[live]:.1f} s versus {dry[live]:.1f} s, so {verdict}. A "
        "weather feed (rain now, forecast for the trip) is a feature for the booster; the table cannot hold it."
    )
