"""Generated command lines for every case: every --set key, seeds, scales and output paths keep the contract."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from framework.registry import case_names, get_case
from tests.fuzz.contract import assert_contract, run_cli, sandbox, tree

NASTY_VALUES = [
    "0", "-1", "1", "2", "1e-9", "1e-300", "0.5", "1e12", str(10**12), "9" * 300, "inf", "-inf", "nan", "",
    " ", "abc", "1,5", "0x10", "１２", "true", "None", "1e400", "-0", "3.0", "2147483648", "1_000",
]  # fmt: skip


def usual_values(case_name: str, key: str) -> list[str]:
    """Values around the small preset's (or the default), mostly valid: odd but legal configs must run."""
    model = get_case(case_name).config_model
    base = model.scales.get("small", {}).get(key, model.model_fields[key].default)
    if isinstance(base, bool) or not isinstance(base, int | float):
        return [str(base)]
    factors = (0, 0.1, 0.5, 1, 2)
    return [str(type(base)(base * f)) for f in factors]


def bound_values(case_name: str, key: str) -> list[str]:
    """Each declared bound of a config field, and its neighbours just inside and outside.

    A size knob's upper bound is a whole xl-sized run (minutes, gigabytes): for those only the
    value just past the bound is drawn, which must be refused; runs at the bound are benchmarks.
    """
    model = get_case(case_name).config_model
    field = model.model_fields[key]
    values = []
    for meta in field.metadata:
        for attr in ("ge", "gt", "le", "lt"):
            bound = getattr(meta, attr, None)
            if isinstance(bound, int | float) and not isinstance(bound, bool):
                step = 1 if isinstance(bound, int) else max(abs(bound) * 1e-6, 1e-9)
                if attr in ("le", "lt") and key in model.size_keys:
                    values.append(repr(bound + step))
                else:
                    values += [repr(bound), repr(bound - step), repr(bound + step)]
    return values


@st.composite
def set_pairs(draw, case_name: str) -> list[str]:
    """One to three --set key=value arguments: bounds, boundary neighbours and hostile strings."""
    keys = sorted(get_case(case_name).config_model.model_fields)
    args = []
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(keys))
        value = draw(
            st.one_of(
                st.sampled_from(NASTY_VALUES),
                st.sampled_from(usual_values(case_name, key)),
                st.sampled_from(usual_values(case_name, key)),
                st.sampled_from(bound_values(case_name, key) or ["1"]),
                st.text(max_size=12),
                st.floats(allow_nan=True, allow_infinity=True).map(repr),
                st.integers(-(10**20), 10**20).map(str),
            )
        )
        args += ["--set", f"{key}={value}"]
    return args


seeds = st.one_of(
    st.integers(0, 2**32 - 1).map(str),
    st.integers(2**32, 10**40).map(str),
    st.integers(-(10**6), -1).map(str),
    st.sampled_from(["", " ", "1.5", "1e3", "abc", "0x1"]),
)
OUT_KINDS = ["new", "spaces", "unicode", "nested", "existing_file", "users_folder", "symlink", "current", "empty"]


def out_path(kind: str, root: Path) -> tuple[str, Path | None]:
    """An --out value of the given kind in the sandbox, and the folder a successful run writes."""
    if kind == "existing_file":
        return "results.txt", None
    if kind == "users_folder":
        return "mydocs", None
    if kind == "current":
        return ".", None
    if kind == "empty":
        return "", None
    if kind == "symlink":
        (root / "real").mkdir()
        (root / "link").symlink_to(root / "real", target_is_directory=True)
        return "link", root / "real"
    name = {"new": "out", "spaces": "my out folder", "unicode": "résultats-η", "nested": "a/b/c"}[kind]
    return name, root / name


@pytest.mark.parametrize("case_name", case_names())
@given(data=st.data())
def test_generated_run_command_lines_keep_the_contract(case_name, data):
    # Mostly well-formed scaffolding, so the drawn --set values decide whether a whole run happens.
    args = ["run", "--quiet", "--scale", data.draw(st.sampled_from(["small"] * 8 + ["huge", ""]))]
    args += data.draw(set_pairs(case_name))
    if data.draw(st.booleans()):
        args += ["--seed", data.draw(seeds)]
    with sandbox() as root:
        value, written = out_path(data.draw(st.sampled_from(["new"] * 6 + OUT_KINDS)), root)
        args += ["--out", value]
        before = tree(root)
        outcome = run_cli(case_name, args)
        assert_contract(outcome, root, before, written, args)


@pytest.mark.parametrize("case_name", case_names())
@given(
    export=st.sampled_from(["walk.md", "mydocs", "results.txt", "missing/walk.md", ""]),
    step=st.sampled_from(["1", "9", "0", "10", "abc", "-1"]),
)
def test_generated_walk_command_lines_keep_the_contract(case_name, export, step, tmp_path_factory):
    with sandbox() as root:
        before = tree(root)
        args = ["walk", "--no-pause", "--step", step, "--export", export, "--out", "mydocs"]
        outcome = run_cli(case_name, args)
        # mydocs holds a user's file and no run, so every variant must be refused untouched.
        assert outcome.code == 2, outcome
        assert_contract(outcome, root, before, None, args)
        assert os.listdir(root / "mydocs") == ["thesis.tex"]
