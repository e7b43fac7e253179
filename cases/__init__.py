"""Case studies: one package per case, discovered by convention."""

from framework.startup import guard_start

guard_start()  # only under `python -m cases.<name>`: see framework.startup
