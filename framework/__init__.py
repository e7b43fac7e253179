"""The shared machinery of the casebook: specs, metrics, architecture, registry, runner, CLI."""

from framework.startup import guard_start

guard_start()  # only under `python -m framework`: see framework.startup
