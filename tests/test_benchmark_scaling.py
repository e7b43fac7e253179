"""benchmarks/scaling.py: one small run measured and printed with the run's own rows and throughput."""

from __future__ import annotations

import json
import subprocess
import sys

from framework.checks import REPO_ROOT


def test_the_scaling_benchmark_prints_a_row_that_agrees_with_the_runs_metrics(tmp_path):
    command = [sys.executable, "benchmarks/scaling.py", "recommendation", "--sizes", "small", "--engine", "pandas"]
    done = subprocess.run(
        [*command, "--keep", str(tmp_path)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    header, row = done.stdout.splitlines()[1:3]
    assert header.split()[:4] == ["case", "size", "engine", "rows"] and "client" in header.split()
    fields = row.split()
    assert fields[:3] == ["recommendation", "small", "pandas"]
    metrics = json.loads((tmp_path / "recommendation-small" / "metrics.json").read_text())
    rows, wall_s, peak_gb, client_gb, us_per_row = int(fields[3].replace(",", "")), *map(float, fields[4:8])
    assert rows == metrics["throughput"]["rows"] > 0
    # Wall seconds are printed to 0.1 s and microseconds per row to 0.01: the same figure within that rounding.
    assert abs(us_per_row - wall_s / rows * 1e6) <= 0.051 / wall_s * us_per_row + 0.006
    assert 0.05 < client_gb <= peak_gb < 8
    assert fields[9].replace(",", "") == f"{metrics['throughput']['rows_per_s_per_thread']:.0f}"
