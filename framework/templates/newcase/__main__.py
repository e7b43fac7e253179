"""Command line of the case: ``python -m cases.newcase run | walk | diagram | spec``."""

from framework.cli import main

from . import case

if __name__ == "__main__":
    main(case)
