"""The command-line contract in-process: exit codes, one-line errors, readers of the project's own files."""

from __future__ import annotations

import json
import tempfile

import pytest
import typer

import framework.__main__ as framework_main
from cases.eta import case as eta_case
from framework import checks
from framework.cli import invoke, make_case_app
from framework.errors import BadInput
from framework.walk import EXPORT_MARK


def call(app: typer.Typer, args: list[str], capsys) -> tuple[int, str, str]:
    code = invoke(app, args, prog_name="test")
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err and len(lines[0]) <= 220, err
    return lines[0]


def test_exit_code_returned_by_a_command_is_the_process_exit_code(capsys):
    app = typer.Typer()

    @app.command()
    def fail() -> None:
        raise typer.Exit(3)

    @app.command()
    def other() -> None:
        pass

    assert call(app, ["fail"], capsys)[0] == 3


def test_framework_check_exits_1_when_a_check_fails(toy_case, monkeypatch, capsys, tmp_path):
    def check_always_fails(session):
        raise checks.CheckFailed("[eta] broken on purpose. How to fix: nothing")

    def check_runs_the_case(session):
        session.run()

    monkeypatch.setattr(framework_main, "all_cases", lambda: [toy_case])
    monkeypatch.setattr(checks, "CHECKS", [check_runs_the_case, check_always_fails])
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    code, out, err = call(framework_main.app, ["check"], capsys)
    assert code == 1 and "FAIL [eta] broken on purpose" in out and "1 check(s) failed" in err
    assert list(tmp_path.iterdir()) == [], "check leaves no casebook-check-* folder behind"


def test_unexpected_exception_is_one_line_exit_1(capsys, monkeypatch):
    app = typer.Typer()

    @app.command()
    def boom() -> None:
        raise ZeroDivisionError("x" * 5000)

    @app.command()
    def other() -> None:
        pass

    monkeypatch.delenv("CASEBOOK_DEBUG", raising=False)
    code, _, err = call(app, ["boom"], capsys)
    assert code == 1 and one_line(err).startswith("internal error: ZeroDivisionError")


def test_eof_error_is_not_mistaken_for_ctrl_c(capsys):
    app = typer.Typer()

    @app.command()
    def eof() -> None:
        raise EOFError("Compressed file ended before the end-of-stream marker was reached")

    @app.command()
    def other() -> None:
        pass

    code, _, err = call(app, ["eof"], capsys)
    assert code == 1 and "EOFError" in one_line(err)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--seed", "4294967296"], "4294967295"),
        (["--seed", "9" * 300], "characters"),
        (["--seed", "-1"], "'-1'"),
        (["--seed", " "], "--seed"),
        (["--data", ""], "--data is empty"),
        (["--out", ""], "--out is empty"),
        (["--set", "n_trips=" + "9" * 300], "n_trips"),
        (["--set", "block_km=inf"], "block_km"),
        (["--set", "drift_slowdown=nan"], "drift_slowdown"),
        (["--set", "no_such=1"], "run --help"),
        (["--scale", "x" * 10_000], "characters"),
    ],
)
def test_bad_run_flags_one_short_line_exit_2(tmp_path, monkeypatch, capsys, args, needle):
    monkeypatch.chdir(tmp_path)
    code, _, err = call(make_case_app(eta_case), ["run", "--quiet", *args], capsys)
    assert code == 2 and needle in one_line(err)
    assert list(tmp_path.iterdir()) == []


def test_the_same_set_key_twice_takes_the_last_value(tmp_path):
    from framework.config import build_config

    config = build_config(eta_case.config_model, "small", ["n_trips=100", "n_trips=150", "n_trips=150"])
    assert config.n_trips == 150


def test_diagram_out_existing_file_is_refused(tmp_path, capsys):
    target = tmp_path / "afile"
    target.write_text("mine")
    code, _, err = call(make_case_app(eta_case), ["diagram", "--format", "dot", "--out", str(target)], capsys)
    assert code == 2 and "is a file" in one_line(err) and target.read_text() == "mine"


def write_run(folder, **override) -> None:
    """A minimal run folder as the walkthrough reads it (metrics.json and the marker)."""
    from framework.outdir import MARKER, WRITER

    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text(json.dumps({"written_by": WRITER, "files": ["metrics.json"]}))
    if override.get("text") is not None:
        (folder / "metrics.json").write_text(override["text"])


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("{not json", "cannot be read"),
        ("[1, 2]", "not a metrics document"),
        (json.dumps({"case": "fraud"}), "run of case 'fraud'"),
        (json.dumps({"case": "eta", "seed": 0}), "older version"),
        (None, "no metrics.json"),
    ],
)
def test_walk_over_damaged_or_older_metrics_says_what_to_run(tmp_path, capsys, text, needle):
    write_run(tmp_path / "run", text=text)
    code, _, err = call(make_case_app(eta_case), ["walk", "--no-pause", "--out", str(tmp_path / "run")], capsys)
    line = one_line(err)
    assert code == 2 and needle in line and "python -m cases.eta run" in line


def test_walk_over_metrics_missing_a_nested_key_is_one_line(tmp_path, capsys):
    keys = ("case", "seed", "scale", "primary_metric", "models", "serving", "monitoring", "architecture", "data")
    doc = {k: {} for k in keys} | {"case": "eta", "seed": 0, "scale": "small", "primary_metric": "trip_mae_s"}
    write_run(tmp_path / "run", text=json.dumps(doc))
    code, _, err = call(make_case_app(eta_case), ["walk", "--no-pause", "--out", str(tmp_path / "run")], capsys)
    assert code == 2 and "damaged or from an older version" in one_line(err)


def test_walk_out_a_users_file_or_folder_is_refused_untouched(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("mine")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.tex").write_text("mine")
    for out, needle in ((afile, "is a file"), (tmp_path / "docs", "no metrics.json")):
        code, _, err = call(make_case_app(eta_case), ["walk", "--no-pause", "--out", str(out)], capsys)
        assert code == 2 and needle in one_line(err)
    assert afile.read_text() == "mine" and (tmp_path / "docs" / "thesis.tex").read_text() == "mine"


def test_walk_export_refuses_folders_and_foreign_files(tmp_path, capsys):
    from framework.walk import check_export, write_export

    with pytest.raises(BadInput, match="is a folder"):
        check_export(tmp_path)
    notes = tmp_path / "notes.md"
    notes.write_text("# my notes\n")
    with pytest.raises(BadInput, match="not a transcript"):
        check_export(notes)
    with pytest.raises(BadInput, match="does not exist"):
        check_export(tmp_path / "missing" / "walk.md")
    ours = tmp_path / "walk.md"
    write_export(ours, "# transcript\n")
    check_export(ours)  # an earlier export may be replaced
    assert ours.read_text().splitlines()[0] == EXPORT_MARK
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md", "walk.md"]


def test_metrics_json_has_no_nan_a_metric_that_cannot_be_computed_is_null_with_a_reason(toy_case, tmp_path):
    from framework.runmetrics import build_document
    from framework.runner import run_case

    raw = run_case(toy_case, out_dir=tmp_path / "toy", progress=False).metrics.model_dump()
    raw["models"]["free_flow"]["trip_mape"] = float("nan")
    raw["monitoring"]["metric_after"] = float("inf")
    doc, text = build_document(raw)
    assert "NaN" not in text and "Infinity" not in text
    assert doc.models["free_flow"]["trip_mape"] is None and "models.free_flow.trip_mape" in doc.nulls
    assert doc.monitoring.metric_after is None and "monitoring.metric_after" in doc.nulls
    assert json.loads(text) == doc.model_dump(mode="json")
