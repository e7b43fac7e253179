"""Command line of the ETA case: ``python -m cases.eta run | walk | diagram | spec``."""

from cases.eta import case
from framework.cli import main

if __name__ == "__main__":
    main(case)
