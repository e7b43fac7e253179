"""Every drill of every case: the watched number without and with the flaw, at small scale, seed 0.

Usage: ``python benchmarks/drills.py [case ...]``. Exit 1 when a flaw does not move its number the
way the drill says (the conformance check ``check_drills_move_numbers`` asserts the same).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from framework.drills import moved_as_expected, run_drill
from framework.registry import case_names, get_case
from framework.runner import run_case


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=case_names())
    args = parser.parse_args()
    print(f"{'case':<16}{'drill':<22}{'watched number':<50}{'clean':>12}{'flawed':>12}  as claimed")
    failed = False
    for name in args.cases:
        case = get_case(name)
        with tempfile.TemporaryDirectory() as tmp:
            clean = run_case(case, scale="small", out_dir=Path(tmp) / "clean", progress=False).metrics
        for drill in case.design.drills:
            out = run_drill(case, drill, scale="small", clean=clean)
            ok = moved_as_expected(drill, out.flawed_value, out.clean_value)
            failed |= not ok
            print(
                f"{name:<16}{drill.name:<22}{drill.watch:<50}{out.clean_value:>12.5g}{out.flawed_value:>12.5g}  "
                f"{drill.direction if ok else 'NO (' + drill.direction + ' expected)'}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
