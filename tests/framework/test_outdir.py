"""Output folders: a run never deletes or replaces a file it did not write, and cleans up after itself."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from framework.errors import BadInput
from framework.outdir import MARKER, check_out_dir, claim_files, clean_leftovers, staged_output
from framework.runner import run_case


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` with its content hash: 'byte-identical afterwards' in one comparison."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.fixture
def user_files(tmp_path, monkeypatch):
    """A user's working folder: documents, a results file and a data file, as the current folder."""
    work = tmp_path / "work"
    (work / "mydocs").mkdir(parents=True)
    (work / "mydocs" / "thesis.tex").write_text("\\section{Results}\n")
    (work / "results.txt").write_text("keep me\n")
    (work / "data").mkdir()
    (work / "data" / "records.csv").write_text("segment_id,timestamp\n1,2\n")
    monkeypatch.chdir(work)
    return work


@pytest.mark.parametrize(
    ("out", "needle"),
    [
        ("mydocs", "did not write"),
        (".", "current folder"),
        ("", "empty"),
        ("..", "current folder"),
        ("results.txt", "is a file"),
        ("data", "overlaps --data"),
        ("data/records.csv", "is a file"),
        ("data/sub", "overlaps --data"),
    ],
)
def test_data_loss_cases_refused_files_byte_identical(toy_case, user_files, out, needle):
    before = snapshot(user_files.parent)
    with pytest.raises(BadInput, match=needle) as err:
        run_case(toy_case, out_dir=out, data_path=Path("data") if "data" in out else None, progress=False)
    assert "\n" not in str(err.value) and len(str(err.value)) <= 200
    assert snapshot(user_files.parent) == before
    assert sorted(p.name for p in user_files.iterdir()) == ["data", "mydocs", "results.txt"]


def test_home_and_repository_root_refused(toy_case, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(BadInput, match="is or contains"):
        check_out_dir(tmp_path)
    with pytest.raises(BadInput, match="is or contains"):
        check_out_dir(Path(__file__).resolve().parents[2])


def test_force_adds_files_beside_the_users_and_never_touches_them(toy_case, user_files):
    before = (user_files / "mydocs" / "thesis.tex").read_bytes()
    run_case(toy_case, out_dir="mydocs", force=True, progress=False)
    assert (user_files / "mydocs" / "thesis.tex").read_bytes() == before
    assert (user_files / "mydocs" / "metrics.json").is_file()
    run_case(toy_case, out_dir="mydocs", seed=5, progress=False)  # now a run folder: no --force needed
    assert (user_files / "mydocs" / "thesis.tex").read_bytes() == before


def test_rerun_replaces_only_its_own_files(toy_case, tmp_path):
    out = tmp_path / "run"
    run_case(toy_case, out_dir=out, progress=False)
    owned = json.loads((out / MARKER).read_text())["files"]
    assert "metrics.json" in owned and "plots/model_ladder.png" in owned
    (out / "notes.md").write_text("my notes\n")
    (out / "plots" / "mine.png").write_bytes(b"\x89PNG mine")
    (out / "plots" / "stale.png").write_bytes(b"old")  # pretend an older run wrote it
    marker = json.loads((out / MARKER).read_text())
    marker["files"].append("plots/stale.png")
    (out / MARKER).write_text(json.dumps(marker))
    first = json.loads((out / "metrics.json").read_text())["models"]
    run_case(toy_case, out_dir=out, seed=9, progress=False)
    assert json.loads((out / "metrics.json").read_text())["models"] != first
    assert (out / "notes.md").read_text() == "my notes\n"
    assert (out / "plots" / "mine.png").read_bytes() == b"\x89PNG mine"
    assert not (out / "plots" / "stale.png").exists(), "a file the previous run wrote and this one did not is gone"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_same_named_foreign_file_in_a_run_folder_is_refused_at_commit(toy_case, tmp_path):
    out = tmp_path / "run"
    run_case(toy_case, out_dir=out, progress=False)
    marker = json.loads((out / MARKER).read_text())
    marker["files"].remove("report.md")  # report.md now counts as the user's own file
    (out / MARKER).write_text(json.dumps(marker))
    (out / "report.md").write_text("my report\n")
    before = snapshot(out)
    with pytest.raises(BadInput, match="report.md"):
        run_case(toy_case, out_dir=out, seed=2, progress=False)
    assert snapshot(out) == before


def test_symlinked_out_writes_through_and_leaves_nothing_behind(toy_case, tmp_path):
    real = tmp_path / "real"
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    run_case(toy_case, out_dir=link, progress=False)
    run_case(toy_case, out_dir=link, seed=1, progress=False)
    assert link.is_symlink() and (real / "metrics.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]


def test_longest_legal_folder_name_works(toy_case, tmp_path):
    out = tmp_path / ("r" * 250)
    run_case(toy_case, out_dir=out, progress=False)
    assert (out / "metrics.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_unwritable_parent_is_one_line_error(toy_case, tmp_path):
    locked = tmp_path / "locked"
    if os.geteuid() == 0:  # root ignores folder permissions: a parent that is a file cannot be written either
        locked.write_text("a file, not a folder")
    else:
        locked.mkdir()
        locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(BadInput, match="cannot write|not a folder|is a file"):
            run_case(toy_case, out_dir=locked / "out", progress=False)
    finally:
        if locked.is_dir():
            locked.chmod(0o755)
    assert not (locked / "out").exists() if locked.is_dir() else locked.read_text() == "a file, not a folder"


def test_read_only_parent_as_root_via_a_file_in_the_way(toy_case, tmp_path):
    """Root can write anywhere, so the parent is made unusable another way: it is a file."""
    (tmp_path / "blocker").write_text("x")
    with pytest.raises(BadInput, match="cannot write"):
        run_case(toy_case, out_dir=tmp_path / "blocker" / "out", progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]


def test_created_parents_are_removed_when_the_run_fails(toy_case, tmp_path):
    with pytest.raises(RuntimeError):
        run_case(toy_case, out_dir=tmp_path / "a" / "b" / "out", overrides=["fail_at=models"], progress=False)
    assert list(tmp_path.iterdir()) == []


def test_output_folder_gets_the_usual_permissions(toy_case, tmp_path):
    run_case(toy_case, out_dir=tmp_path / "run", progress=False)
    mode = stat.S_IMODE((tmp_path / "run").stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o777 & ~umask


def test_leftovers_of_killed_runs_are_cleaned_on_start(tmp_path):
    out = tmp_path / "run"
    with staged_output(out) as tmp:
        (tmp / "metrics.json").write_text("{}")
    # What SIGKILL leaves: a staging folder of this output, and legacy-named ones of the old runner.
    orphan = next(iter(tmp_path.glob(".casebook-tmp-*")), None)
    assert orphan is None
    (tmp_path / ".casebook-tmp-0").mkdir()  # another output's staging name: not ours to judge
    for name in (".run.tmp-abc", ".run.old-abc"):
        (tmp_path / name / "plots").mkdir(parents=True)
        (tmp_path / name / "metrics.json").write_text("{}")
    (tmp_path / ".run.tmp-user").mkdir()
    (tmp_path / ".run.tmp-user" / "thesis.tex").write_text("x")  # not a run's files: kept
    import framework.outdir as od

    killed = tmp_path / f".casebook-tmp-{od._key(out)}-dead"
    killed.mkdir()
    (killed / "report.md").write_text("half")
    removed = clean_leftovers(out)
    assert sorted(removed) == sorted([".run.tmp-abc", ".run.old-abc", killed.name])
    assert (tmp_path / ".run.tmp-user" / "thesis.tex").exists() and (tmp_path / ".casebook-tmp-0").exists()


def test_second_writer_into_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "run"
    with staged_output(out) as tmp:
        (tmp / "a.json").write_text("{}")
        with pytest.raises(BadInput, match=f"being written by another run \\(pid {os.getpid()}\\)"):
            with staged_output(out):
                pass
    assert (out / "a.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"], "lock and staging removed"


def test_claim_files_refuses_a_foreign_file_of_the_same_name(tmp_path):
    (tmp_path / "eta.svg").write_text("<svg>mine</svg>")
    with pytest.raises(BadInput, match="eta.svg"):
        with claim_files(tmp_path, ["eta.svg"]):
            raise AssertionError("must refuse before staging")
    assert (tmp_path / "eta.svg").read_text() == "<svg>mine</svg>"
    with claim_files(tmp_path, ["eta.svg"], force=True) as staging:
        (staging / "eta.svg").write_text("<svg>ours</svg>")
    with claim_files(tmp_path, ["eta.svg"]) as staging:  # listed now: no --force needed
        (staging / "eta.svg").write_text("<svg>ours again</svg>")
    assert (tmp_path / "eta.svg").read_text() == "<svg>ours again</svg>"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".casebook-files.json", "eta.svg"]
