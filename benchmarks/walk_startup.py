"""Time from starting ``walk`` in a terminal to its first screen, per case, against the 1 s target.

Usage: ``python benchmarks/walk_startup.py [--repeat 3] [case ...]``. Each case is run once at small
scale into a temporary folder (not timed); then ``walk --out`` starts in a pseudo-terminal (80x24)
``--repeat`` times and the best time until the status line ``Step 1/9`` appears is printed.
Exit 1 when a case misses the target.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pexpect

from framework.registry import case_names, get_case
from framework.runner import run_case

TARGET_S = 1.0


def first_screen_s(case: str, out: Path) -> float:
    """Seconds from spawning the walk until its first screen shows the status line."""
    start = time.perf_counter()
    child = pexpect.spawn(
        sys.executable, ["-m", f"cases.{case}", "walk", "--out", str(out)], dimensions=(24, 80), timeout=30
    )
    child.expect("Step 1/9")
    elapsed = time.perf_counter() - start
    child.send("q")
    child.expect(pexpect.EOF)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("cases", nargs="*", default=case_names())
    args = parser.parse_args()
    print(f"{'case':<16}{'first screen s':>15}  target {TARGET_S:g} s")
    failed = False
    with tempfile.TemporaryDirectory(prefix="casebook-walk-") as tmp:
        for case in args.cases:
            out = Path(tmp) / case
            run_case(get_case(case), scale="small", out_dir=out, progress=False)
            best = min(first_screen_s(case, out) for _ in range(args.repeat))
            failed |= best > TARGET_S
            print(f"{case:<16}{best:>15.3f}  {'ok' if best <= TARGET_S else 'MISSED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
