"""A run needs no network and loads no pickle it did not write."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Loaders that can execute code from a file: none of them may appear in the project's code.
UNSAFE_LOADS = re.compile(r"pickle\.loads?\(|joblib\.load\(|read_pickle\(|allow_pickle\s*=\s*True|torch\.load\(|dill\.")


def network_namespace_available() -> bool:
    unshare = shutil.which("unshare")
    return bool(unshare) and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not network_namespace_available(), reason="needs `unshare -n` (root or user namespaces)")
def test_a_case_runs_with_networking_unavailable(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    probe = subprocess.run(
        ["unshare", "-n", sys.executable, "-c", "import socket; socket.create_connection(('1.1.1.1', 53), 2)"],
        capture_output=True,
        text=True,
    )
    assert probe.returncode != 0, "the namespace still has a network; the test would prove nothing"
    out = tmp_path / "out"
    result = subprocess.run(
        ["unshare", "-n", sys.executable, "-m", "cases.recommendation", "run", "--scale", "small", "--quiet"]
        + ["--out", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (out / "metrics.json").is_file() and (out / "report.html").is_file()


def test_no_code_loads_pickles():
    offenders = [
        f"{path.relative_to(REPO)}:{n}"
        for folder in ("framework", "cases")
        for path in sorted((REPO / folder).rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if UNSAFE_LOADS.search(line)
    ]
    assert offenders == [], f"loading a pickle runs code from the file; use Parquet/JSON/SQLite: {offenders}"
