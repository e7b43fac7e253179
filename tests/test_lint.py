"""Code style: ruff lint and format checks over the whole repository (settings in pyproject.toml)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from framework.checks import REPO_ROOT
from framework.scaffold import render_files


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff_is_clean(command):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "."], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, (
        f"run `ruff {' '.join(command)} .` (with --fix / without --check) to fix:\n" + result.stdout + result.stderr
    )


def test_mypy_finds_no_type_error_in_the_project_or_a_new_case(tmp_path):
    # One mypy run over a copy of the project with a case the template makes: checking the template's
    # output separately would analyse the whole framework a second time (~30 s of the suite).
    root = tmp_path / "repo"
    for name in ("framework", "cases"):
        shutil.copytree(REPO_ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO_ROOT / "pyproject.toml", root / "pyproject.toml")
    (root / "cases" / "demo").mkdir()
    for rel, text in render_files("demo").items():
        (root / "cases" / "demo" / rel).write_text(text)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental"], cwd=root, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, (
        "fix the type errors mypy reports (settings in pyproject.toml; cases/demo/ is what "
        "`python -m framework new demo` writes, from framework/scaffold.py):\n" + result.stdout
    )
    sources = len(list(root.rglob("*.py")))
    assert f"no issues found in {sources} source files" in result.stdout, result.stdout  # the new case was checked


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
