"""The command-line contract every generated input must meet, and the sandbox it is checked in."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hypothesis import event

from framework.checks import RUN_OUTPUTS
from framework.cli import invoke, make_case_app
from framework.outdir import MARKER
from framework.registry import get_case

MAX_ERROR_CHARS = 200


@dataclass
class Outcome:
    """What one command did: its exit code and everything it printed."""

    code: int
    out: str
    err: str


def tree(root: Path) -> dict[str, str]:
    """Every entry under ``root`` with a hash of its content (folders and symlinks by their kind)."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            found[rel] = f"link:{os.readlink(path)}"
        elif path.is_dir():
            found[rel] = "dir"
        else:
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@contextlib.contextmanager
def sandbox() -> Iterator[Path]:
    """A fresh working folder holding a user's files, made the current folder for the command."""
    root = Path(tempfile.mkdtemp(prefix="casebook-fuzz-"))
    (root / "mydocs").mkdir()
    (root / "mydocs" / "thesis.tex").write_text("\\section{Results}\n")
    (root / "results.txt").write_text("keep me\n")
    previous = Path.cwd()
    os.chdir(root)
    try:
        yield root
    finally:
        os.chdir(previous)
        shutil.rmtree(root, ignore_errors=True)


def run_cli(case_name: str, args: list[str]) -> Outcome:
    """Run ``python -m cases.<case_name> <args>`` in this process, capturing what it prints."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = invoke(make_case_app(get_case(case_name)), args, prog_name=f"python -m cases.{case_name}")
    return Outcome(code, out.getvalue(), err.getvalue())


def assert_contract(outcome: Outcome, root: Path, before: dict[str, str], out: Path | None, args: list[str]) -> None:
    """Exit 0 with a complete output folder, or exit 2 with one short line; nothing else changed.

    Args:
        outcome: what the command did.
        root: the sandbox (the current folder of the command).
        before: ``tree(root)`` before the command.
        out: the resolved output folder, when the command was given one it could write.
        args: the command line, for failure messages.
    """
    event(f"exit {outcome.code}")  # `--hypothesis-show-statistics` shows how many examples ran to the end
    shown = f"args={args!r}\nexit={outcome.code}\nstderr={outcome.err[-2000:]!r}"
    assert "Traceback" not in outcome.err, shown
    assert outcome.code in (0, 2), shown
    after = tree(root)
    if outcome.code == 2:
        lines = [line for line in outcome.err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), shown
        assert len(lines[0]) <= MAX_ERROR_CHARS + len("error: "), shown
        assert after == before, f"bad input changed files: {sorted(set(after.items()) ^ set(before.items()))}\n{shown}"
        return
    noise = [line for line in outcome.err.splitlines() if line.strip() and not line.startswith("warning: ")]
    assert not noise, shown
    assert out is not None and (out / MARKER).is_file(), shown
    missing = [f for f in RUN_OUTPUTS if not (out / f).is_file() or (out / f).stat().st_size == 0]
    assert not missing, f"run wrote no {missing}\n{shown}"
    json.loads((out / "metrics.json").read_text(), parse_constant=_no_constants)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    # New parent folders of --out (a/b for a/b/c) are part of writing it.
    created_parents = {k for k in changed if k not in before and after.get(k) == "dir" and (root / k) in out.parents}
    outside = [k for k in changed - created_parents if not _within(root / k, out)]
    assert not outside, f"files outside --out changed: {outside}\n{shown}"


def _within(path: Path, folder: Path) -> bool:
    resolved = path.resolve() if path.exists() else path
    return resolved == folder or folder in resolved.parents or path == folder or folder in path.parents


def _no_constants(name: str) -> float:
    raise AssertionError(f"metrics.json holds {name}; it must be strict JSON")
