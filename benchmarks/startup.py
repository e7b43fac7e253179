"""Start-up time of the commands that must not load the numeric stack: ``--help``, ``spec`` and a bad flag.

Usage: ``python benchmarks/startup.py [--repeat 5] [case ...]``. Runs each command in a fresh
interpreter ``--repeat`` times and prints the best wall time against the 0.4 s target, plus the
heavy modules (numpy, pandas, scipy, sklearn, matplotlib) each command imported (none expected).
Exit 1 when a command misses the target or imports a heavy module.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from framework.checks import HEAVY_MODULES
from framework.registry import case_names

TARGET_S = 0.4
COMMANDS = {"--help": ["--help"], "spec": ["spec"], "bad flag": ["run", "--no-such-flag"]}
# Run the command as `python -m cases.<name>` would, then list what it imported.
PROBE = (
    "import runpy, sys; sys.argv = ['-m', *sys.argv[1:]]\n"
    "try:\n    runpy.run_module('cases.{case}', run_name='__main__', alter_sys=True)\n"
    "except SystemExit:\n    pass\n"
    "sys.stderr.write('\\nLOADED ' + ' '.join(m for m in {heavy!r} if m in sys.modules) + '\\n')"
)


def best_wall(argv: list[str], repeat: int) -> float:
    """Best wall time in seconds of ``argv`` over ``repeat`` runs (the least disturbed by other load)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return min(times)


def heavy_imports(case: str, args: list[str]) -> list[str]:
    """Heavy modules loaded by one command of ``case``."""
    code = PROBE.format(case=case, heavy=HEAVY_MODULES)
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    line = next((x for x in done.stderr.splitlines() if x.startswith("LOADED")), "LOADED ?")
    return line.split()[1:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("cases", nargs="*", default=case_names())
    args = parser.parse_args()
    print(f"{'case':<16}{'command':<10}{'best s':>8}  {'target':<8}heavy imports")
    failed = False
    for case in args.cases:
        for label, cmd in COMMANDS.items():
            wall = best_wall([sys.executable, "-m", f"cases.{case}", *cmd], args.repeat)
            heavy = heavy_imports(case, cmd)
            ok = wall <= TARGET_S and not heavy
            failed |= not ok
            print(f"{case:<16}{label:<10}{wall:>8.3f}  {'ok' if ok else 'MISSED':<8}{', '.join(heavy) or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
