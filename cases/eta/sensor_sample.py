"""Write the invented sensor-speed samples (``data/eta_sensors*/``): ``python -m cases.eta.sensor_sample``.

Two freeway corridors of ten loop detectors each (sensor ids 400001-400010 and 400011-400020),
joined at both ends, 5-minute mean speeds in mph with weekday rush hours, weekend calm, a few
incidents, zeros for dropped readings (as METR-LA writes them) and empty cells. Nothing is copied
from a public data set.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
START = pd.Timestamp("2024-03-04 00:00:00")  # a Monday
# 18 days: 80% of them (14.4 days) train, two whole weeks (time-of-week history needs a week and a half).
SENSOR_DAYS = 18
SENSORS_PER_CORRIDOR = 10
SPACING_KM = (1.0, 2.2)


def _layout(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sensor ids, corridor, position along it (km) and latitude/longitude of each sensor."""
    n = 2 * SENSORS_PER_CORRIDOR
    ids = np.arange(400001, 400001 + n)
    corridor = np.repeat([0, 1], SENSORS_PER_CORRIDOR)
    gaps = rng.uniform(*SPACING_KM, size=(2, SENSORS_PER_CORRIDOR))
    position = np.concatenate([np.cumsum(g) - g[0] for g in gaps])
    # Corridor 0 runs east, corridor 1 runs north-west back toward its start (a loop of freeways).
    lat = np.where(corridor == 0, 34.05 + 0.002 * rng.standard_normal(n), 34.05 + position / 111.0 * 0.7)
    lon = np.where(corridor == 0, -118.40 + position / 92.0, -118.40 + (position.max() - position) / 92.0 * 0.7)
    return ids, corridor, position, np.column_stack([lat, lon])


def _distances(ids: np.ndarray, corridor: np.ndarray, position: np.ndarray) -> pd.DataFrame:
    """``from,to,cost`` (metres) downstream along each corridor, each sensor to itself (0), and the two joins."""
    rows = []
    for c in (0, 1):
        idx = np.flatnonzero(corridor == c)
        a, b = np.meshgrid(idx, idx, indexing="ij")
        down = position[b] >= position[a]
        rows.append(pd.DataFrame({"from": ids[a[down]], "to": ids[b[down]], "cost": (position[b] - position[a])[down]}))
    last0, first1 = np.flatnonzero(corridor == 0)[-1], np.flatnonzero(corridor == 1)[0]
    last1, first0 = np.flatnonzero(corridor == 1)[-1], np.flatnonzero(corridor == 0)[0]
    joins = pd.DataFrame({"from": ids[[last0, last1]], "to": ids[[first1, first0]], "cost": [1.3, 1.7]})
    out = pd.concat([*rows, joins], ignore_index=True)
    out["cost"] = np.round(out["cost"] * 1000.0, 1)
    return out


def _speeds(rng: np.random.Generator, days: int, n: int) -> pd.DataFrame:
    """5-minute mean speeds (mph): free flow per sensor, weekday rush hours, incidents, noise, gaps."""
    times = pd.date_range(START, periods=days * 288, freq="5min")
    hour = times.hour.to_numpy() + times.minute.to_numpy() / 60.0
    weekday = times.day_of_week.to_numpy() < 5
    free = rng.uniform(58.0, 70.0, n)
    depth = rng.uniform(0.25, 0.65, n)  # how much each sensor slows in the rush
    am = np.exp(-0.5 * ((hour - 8.0) / 0.9) ** 2)
    pm = np.exp(-0.5 * ((hour - 17.5) / 1.2) ** 2)
    rush = np.where(weekday, np.maximum(am, pm), 0.25 * pm)
    speed = free[None, :] * (1.0 - depth[None, :] * rush[:, None])
    for _ in range(days):  # roughly one incident a day: one sensor crawls for 30-90 minutes
        s, t0 = rng.integers(n), rng.integers(len(times) - 18)
        speed[t0 : t0 + rng.integers(6, 18), s] *= rng.uniform(0.15, 0.4)
    speed = np.clip(speed * np.exp(0.06 * rng.standard_normal(speed.shape)), 0.0, 85.0)
    speed = np.round(speed, 1)
    dropped = rng.random(speed.shape) < 0.02
    speed[dropped] = 0.0  # a detector that reports nothing writes 0, as in METR-LA
    frame = pd.DataFrame(speed, columns=[str(i) for i in range(400001, 400001 + n)])
    frame[rng.random(speed.shape) < 0.005] = np.nan
    frame.insert(0, "timestamp", times.strftime("%Y-%m-%d %H:%M:%S"))
    return frame


def write_samples(data_dir: Path = DATA_DIR, seed: int = 12) -> tuple[Path, Path]:
    """Write ``eta_sensors/`` (``SENSOR_DAYS`` days, ``speeds.csv.gz`` + ``distances.csv``) and ``eta_sensors_coords/``
    (3 days, ``speeds.parquet`` + ``sensors.csv``).

    Returns:
        The two folders.
    """
    rng = np.random.default_rng(seed)
    ids, corridor, position, coords = _layout(rng)
    wide = data_dir / "eta_sensors"
    wide.mkdir(parents=True, exist_ok=True)
    _speeds(rng, SENSOR_DAYS, len(ids)).to_csv(
        wide / "speeds.csv.gz", index=False, compression={"method": "gzip", "mtime": 0}
    )
    _distances(ids, corridor, position).to_csv(wide / "distances.csv", index=False)
    coords_dir = data_dir / "eta_sensors_coords"
    coords_dir.mkdir(parents=True, exist_ok=True)
    # The coordinates sample keeps the random stream it was first written with (after a 9-day draw).
    replay = np.random.default_rng(seed)
    _layout(replay)
    _speeds(replay, 9, len(ids))
    short = _speeds(replay, 3, len(ids))
    short["timestamp"] = pd.to_datetime(short["timestamp"])
    short.set_index("timestamp").to_parquet(coords_dir / "speeds.parquet")  # a pandas frame with its time index
    sensors = pd.DataFrame({"sensor_id": ids, "latitude": coords[:, 0].round(6), "longitude": coords[:, 1].round(6)})
    sensors.to_csv(coords_dir / "sensors.csv", index=False)
    return wide, coords_dir


def main() -> None:
    """Command line: write both samples under ``--out`` (default ``data/``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    for folder in write_samples(args.out, args.seed):
        print(folder)


if __name__ == "__main__":
    main()
