"""Templates of ``python -m framework new``: ``newcase`` is a working case package copied under a new name."""
