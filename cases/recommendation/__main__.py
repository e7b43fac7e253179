"""Command line of the recommendation case: ``python -m cases.recommendation run | walk | diagram | spec``."""

from cases.recommendation import case
from framework.cli import main

if __name__ == "__main__":
    main(case)
