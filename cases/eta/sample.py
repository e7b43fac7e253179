"""Write a small real-data-format sample (``data/eta_sample/``) from the generator: ``python -m cases.eta.sample``."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from cases.eta.data import generate_probes, inject_invalid
from cases.eta.network import SEGMENT_COLUMNS, grid_network
from cases.eta.traffic import INTERVAL_S, INTERVALS_PER_WEEK, build_traffic, draw_incidents

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data" / "eta_sample"
START = pd.Timestamp("2024-03-04 00:00:00")  # a Monday


def write_sample(out_dir: Path = SAMPLE_DIR, seed: int = 0, rows: int = 3, cols: int = 3, weeks: int = 2) -> Path:
    """Generate a small data set and write it in the loader's format.

    Args:
        out_dir: folder to write ``records.parquet`` and ``segments.csv`` into.
        seed: generator seed.
        rows: grid rows.
        cols: grid columns.
        weeks: weeks of probe data.

    Returns:
        ``out_dir``.
    """
    rng = np.random.default_rng(seed)
    network = grid_network(rows, cols, 0.8, 3, 2, rng)
    end = weeks * INTERVALS_PER_WEEK
    traffic = build_traffic(network.segments, 1.0, rng).with_incidents(
        draw_incidents(network.n_segments, 0, end, 0.5, rng)
    )
    records, _ = inject_invalid(generate_probes(traffic, 0, end, 0.3, rng), 0.002, rng)
    # Real feeds carry ids that are not 0..n-1: offset them so the loader's relabelling is exercised.
    out = pd.DataFrame(
        {
            "segment_id": records["segment_id"] + 1000,
            "timestamp": START + pd.to_timedelta(records["interval_index"] * INTERVAL_S, unit="s"),
            "car_count": records["car_count"].astype(np.int32),
            "avg_speed_kmh": records["avg_speed_kmh"].round(1),
        }
    )
    segments = network.segments[list(SEGMENT_COLUMNS)].copy()
    segments["segment_id"] += 1000
    segments[["distance_km", "free_flow_kmh"]] = segments[["distance_km", "free_flow_kmh"]].round(4)
    out_dir.mkdir(parents=True, exist_ok=True)
    out.to_parquet(out_dir / "records.parquet", index=False, compression="zstd")
    segments.to_csv(out_dir / "segments.csv", index=False)
    return out_dir


def main() -> None:
    """Command line: ``python -m cases.eta.sample [--out DIR] [--seed N]``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=SAMPLE_DIR)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(write_sample(args.out, args.seed))


if __name__ == "__main__":
    main()
