"""Code style: ruff lint and format checks over the whole repository (settings in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from framework.checks import REPO_ROOT


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff_is_clean(command):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "."], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, (
        f"run `ruff {' '.join(command)} .` (with --fix / without --check) to fix:\n" + result.stdout + result.stderr
    )
