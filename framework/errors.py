"""Errors that the command line turns into a one-line message and exit code 2."""


class BadInput(ValueError):
    """Bad user input (a flag, a config value, a data file): the CLI prints the message and exits 2."""
