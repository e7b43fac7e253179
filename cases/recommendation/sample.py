"""Write the committed synthetic ratings sample (MovieLens u.data layout): ``python -m cases.recommendation.sample``."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from cases.recommendation.config import RecConfig
from cases.recommendation.generator import make_world, ratings_sample, simulate_events

SAMPLE_PATH = Path(__file__).resolve().parents[2] / "data" / "recommendation_sample.data"
SAMPLE_CONFIG = {"n_users": 400, "n_items": 500, "n_artists": 60, "n_genres": 8, "impressions_per_user": 120.0}


def sample_text(seed: int = 0) -> str:
    """The sample as text: tab-separated user, item, rating, timestamp, one clicked (user, song) pair per line.

    Args:
        seed: seed of the synthetic world.
    """
    config = RecConfig(**SAMPLE_CONFIG)
    rng = np.random.default_rng(seed)
    world = make_world(config, rng)
    ratings = ratings_sample(world, simulate_events(world, config, rng), rng)
    return ratings.to_csv(sep="\t", header=False, index=False, lineterminator="\n")


def main(path: Path = SAMPLE_PATH) -> Path:
    """Write the sample file and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sample_text())
    return path


if __name__ == "__main__":
    out = main(Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLE_PATH)
    print(f"wrote {out} ({out.stat().st_size / 1e3:.0f} kB)")
