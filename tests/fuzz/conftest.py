"""Hypothesis profiles: a few examples in `make test`, thousands in `make fuzz` (HYPOTHESIS_PROFILE=fuzz)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

_COMMON = {
    "deadline": None,  # a whole run takes seconds; time limits belong to benchmarks
    # No shrinking: each attempt is a whole run (seconds), and the drawn arguments are short already.
    "phases": [Phase.explicit, Phase.reuse, Phase.generate],
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
}
# CI draws the same examples every time (a red build is reproducible); `make fuzz` explores afresh
# and keeps failing examples in .hypothesis/ to replay them first next time.
settings.register_profile(
    "ci", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "4")), derandomize=True, database=None, **_COMMON
)
settings.register_profile("fuzz", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "400")), **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
