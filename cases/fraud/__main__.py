"""Command line of the fraud case: ``python -m cases.fraud run | walk | diagram | spec``."""

from cases.fraud import case
from framework.cli import main

if __name__ == "__main__":
    main(case)
