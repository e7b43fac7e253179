"""``python -m framework new``: a case made in a copy of the repository passes every conformance check and runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from framework.errors import BadInput
from framework.scaffold import MAX_NAME_LENGTH, check_name, render_files

REPO = Path(__file__).resolve().parents[2]
# What a new case and the checks need; a copy keeps the working tree's cases/ and diagrams/ untouched.
COPIED = ("framework", "cases", "diagrams", "pyproject.toml")

# The conformance checks on one case only: the other cases of the copy are not this test's business.
CHECK_ONE_CASE = """
import sys
from framework.checks import CHECKS, REPO_ROOT, CheckFailed, CheckSession
from framework.registry import get_case

print("root", REPO_ROOT)
session = CheckSession(get_case(sys.argv[1]))
failed = 0
try:
    for check in CHECKS:
        try:
            check(session)
            print("PASS", check.__name__)
        except CheckFailed as exc:
            failed += 1
            print("FAIL", exc)
finally:
    session.close()
sys.exit(1 if failed else 0)
"""


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("new-case") / "repo"
    root.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", ".casebook-*")
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=ignore)
        else:
            shutil.copy2(source, root / name)
    yield root
    shutil.rmtree(root.parent, ignore_errors=True)


def _python(root: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}  # the copy's framework and cases, not the installed ones
    return subprocess.run([sys.executable, *args], cwd=root, env=env, capture_output=True, text=True, timeout=timeout)


def _listing(root: Path) -> list[str]:
    """Every path under cases/ and diagrams/ but byte-code caches (any import may write them)."""
    paths = (p for folder in ("cases", "diagrams") for p in (root / folder).rglob("*"))
    return sorted(str(p.relative_to(root)) for p in paths if "__pycache__" not in p.parts)


def test_new_case_passes_the_checks_and_runs(repo_copy: Path, tmp_path: Path) -> None:
    made = _python(repo_copy, "-m", "framework", "new", "demo")
    assert made.returncode == 0, made.stderr
    assert "created cases/demo/" in made.stdout
    package = repo_copy / "cases" / "demo"
    assert {"__init__.py", "__main__.py", "design.py", "config.py", "steps.py"} <= {p.name for p in package.iterdir()}
    assert not [p for p in (repo_copy / "cases").iterdir() if p.name.startswith(".")], "staging folder left behind"
    listed = json.loads((repo_copy / "diagrams" / ".casebook-files.json").read_text())["files"]
    assert {"demo.dot", "demo.svg", "demo.png", "demo.mmd", "demo-whiteboard.dot", "demo-whiteboard.png"} <= set(listed)
    assert (repo_copy / "diagrams" / "demo.dot").is_file()

    checked = _python(repo_copy, "-c", CHECK_ONE_CASE, "demo")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"root {repo_copy}" in checked.stdout, "the checks imported the installed framework, not the copy"
    assert checked.stdout.count("PASS ") >= 14 and "FAIL" not in checked.stdout

    out = tmp_path / "demo-run"
    ran = _python(repo_copy, "-m", "cases.demo", "run", "--scale", "small", "--quiet", "--out", str(out))
    assert ran.returncode == 0, ran.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    models = metrics["models"]
    assert list(models) == ["global_mean", "group_mean", "least_squares", "oracle"]
    assert (metrics["naive"], metrics["baseline"], metrics["oracle"]) == ("global_mean", "group_mean", "oracle")
    assert metrics["best_model"] in models
    for name, values in models.items():  # every metric is an error: lower is better, and the oracle is lowest
        for metric, value in values.items():
            assert models["oracle"][metric] <= value, f"{name} beats the oracle on {metric}"
    assert models["least_squares"]["mae"] < models["group_mean"]["mae"] < models["global_mean"]["mae"]
    assert metrics["serving"]["requests"] > 0 and 0 < metrics["serving"]["p50_ms"] <= metrics["serving"]["p99_ms"]
    assert metrics["serving"]["max_abs_diff_vs_batch"] < 1e-9
    assert any(a["subject"] == "x" for a in metrics["monitoring"]["alerts"]), "the injected shift in x went unseen"
    assert metrics["monitoring"]["no_drift_alerts"] == []
    assert metrics["testing"]["behavioural_passed"] == metrics["testing"]["behavioural_total"] == 3
    # Type-checked with the whole project in one mypy run: tests/test_lint.py.


def test_a_long_name_gives_lint_clean_code(repo_copy: Path) -> None:
    name = "a" * MAX_NAME_LENGTH  # the longest class prefix: no generated line may pass the 120-column limit
    package = repo_copy / "cases" / name
    package.mkdir()
    for rel, text in render_files(name).items():
        (package / rel).write_text(text)
    try:
        for command in (["check"], ["format", "--check"]):
            done = _python(repo_copy, "-m", "ruff", *command, f"cases/{name}")
            assert done.returncode == 0, done.stdout + done.stderr
    finally:
        shutil.rmtree(package)


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("Demo", "lowercase Python identifier"),
        ("bad-name", "lowercase Python identifier"),
        ("2fast", "lowercase Python identifier"),
        ("", "lowercase Python identifier"),
        ("x" * (MAX_NAME_LENGTH + 1), f"at most {MAX_NAME_LENGTH}"),
        ("class", "keyword"),
        ("match", "keyword"),
        ("test", "importable module"),
        ("json", "importable module"),
        ("numpy", "importable module"),
        ("tests", "folder of the repository"),
        ("eta", "already exists"),
    ],
)
def test_bad_names_are_refused(name: str, fragment: str) -> None:
    with pytest.raises(BadInput, match=fragment):
        check_name(name, REPO / "cases")


def test_bad_name_is_one_line_exit_2_and_writes_nothing(repo_copy: Path) -> None:
    before = _listing(repo_copy)
    done = _python(repo_copy, "-m", "framework", "new", "Not-A-Name")
    assert done.returncode == 2
    assert done.stderr.startswith("error: case name 'Not-A-Name'") and done.stderr.count("\n") == 1
    assert _listing(repo_copy) == before


def test_an_existing_folder_is_never_overwritten(repo_copy: Path) -> None:
    mine = repo_copy / "cases" / "scratch"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    before = _listing(repo_copy)
    done = _python(repo_copy, "-m", "framework", "new", "scratch")
    assert done.returncode == 2 and "already exists" in done.stderr
    assert _listing(repo_copy) == before and (mine / "notes.txt").read_text() == "mine"
    shutil.rmtree(mine)


def test_a_failure_after_the_copy_leaves_nothing_behind(repo_copy: Path) -> None:
    (repo_copy / "diagrams" / "clash.dot").write_text("a diagram this project did not write")
    before = _listing(repo_copy)
    done = _python(repo_copy, "-m", "framework", "new", "clash")
    assert done.returncode == 2 and "clash.dot" in done.stderr
    assert _listing(repo_copy) == before, "the half-made case was not removed"
    (repo_copy / "diagrams" / "clash.dot").unlink()


def test_names_are_replaced_once_and_the_template_path_never_leaks() -> None:
    files = render_files("newcase_two")
    assert 'steps="cases.newcase_two.steps:STEPS"' in files["__init__.py"]
    assert "class NewcaseTwoConfig(CaseConfig):" in files["config.py"]
    assert 'name="newcase_two"' in files["design.py"] and 'title="Newcase two"' in files["design.py"]
    assert not [rel for rel, text in files.items() if "templates" in text or "newcase_two_two" in text]
