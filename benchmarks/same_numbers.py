"""Model numbers against those recorded from main before the step-contract redesign (commit 182abda).

Usage: ``python benchmarks/same_numbers.py [--scale small|default] [case ...]``. Runs each case's
steps up to the model ladder (seed 0) and prints, per case, whether every model's every metric is
identical to ``benchmarks/reference_models.json`` and which model is deployed before and after.
Exit 1 when a number differs. ``--record`` writes this run's numbers as the new reference instead:
only for a change that moves model numbers on purpose, named in its closing note.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from framework.case import RunContext
from framework.config import build_config
from framework.pipeline import run_steps
from framework.registry import case_names, get_case

REFERENCE = Path(__file__).with_name("reference_models.json")


def reference(case: str, scale: str) -> dict[str, Any]:
    """The recorded ``{"best_model", "models"}`` of a case at a scale (seed 0)."""
    return json.loads(REFERENCE.read_text())[case][scale]


def differences(models: dict[str, dict[str, Any]], recorded: dict[str, dict[str, Any]]) -> list[str]:
    """Every ``model.metric`` whose value differs from the recording (or is missing on one side)."""
    out = []
    for name in sorted(set(models) | set(recorded)):
        ours, theirs = models.get(name, {}), recorded.get(name, {})
        out += [f"{name}.{m}" for m in sorted(set(ours) | set(theirs)) if ours.get(m) != theirs.get(m)]
    return out


def ladder_now(case_name: str, scale: str) -> tuple[str, dict[str, dict[str, Any]]]:
    """The deployed model and the ladder's numbers of a fresh run up to step 6 (seed 0)."""
    case = get_case(case_name)
    with tempfile.TemporaryDirectory() as tmp:
        ctx: RunContext[Any] = RunContext(
            case=case.name, config=build_config(case.config_model, scale), seed=0, scale=scale, out_dir=Path(tmp)
        )
        ladder = run_steps(case, ctx, until="models").records["models"]
    return ladder.best, ladder.models


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="default", choices=["small", "default"])
    parser.add_argument("--record", action="store_true", help="store this run's numbers as the reference")
    parser.add_argument("cases", nargs="*", default=case_names())
    args = parser.parse_args()
    if args.record:
        stored = json.loads(REFERENCE.read_text())
        for name in args.cases:
            best, models = ladder_now(name, args.scale)
            stored.setdefault(name, {})[args.scale] = {"best_model": best, "models": models}
            print(f"recorded {name} {args.scale}: deployed {best}")
        REFERENCE.write_text(json.dumps(stored, indent=1) + "\n")
        return 0
    print(f"{'case':<16}{'scale':<9}{'models identical':<18}{'deployed before':<22}deployed now")
    failed = False
    for name in args.cases:
        best, models = ladder_now(name, args.scale)
        recorded = reference(name, args.scale)
        diff = differences(models, recorded["models"])
        failed |= bool(diff)
        verdict = "yes" if not diff else f"NO: {', '.join(diff[:3])}{' ...' if len(diff) > 3 else ''}"
        print(f"{name:<16}{args.scale:<9}{verdict:<18}{recorded['best_model']:<22}{best}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
