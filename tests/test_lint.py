"""Code style: ruff lint and format checks over the whole repository (settings in pyproject.toml)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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


def test_mypy_finds_no_type_error():
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, "fix the type errors mypy reports (settings in pyproject.toml):\n" + result.stdout


def _imports(path: Path, package_root: Path) -> set[str]:
    """Every framework/cases module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in {"framework", "cases"} and _module_file(name, package_root):
                found.add(name)
    return found


def _module_file(name: str, root: Path) -> Path | None:
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def test_no_two_modules_import_each_other():
    files = [p for top in ("framework", "cases") for p in (REPO_ROOT / top).rglob("*.py")]
    module_of = {p: ".".join(p.relative_to(REPO_ROOT).with_suffix("").parts) for p in files}
    graph = {module_of[p].removesuffix(".__init__"): _imports(p, REPO_ROOT) for p in files}
    mutual = sorted(f"{a} <-> {b}" for a, deps in graph.items() for b in deps if a < b and a in graph.get(b, set()))
    assert not mutual, "move what both need into a third module: " + ", ".join(mutual)
