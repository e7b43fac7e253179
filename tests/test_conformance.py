"""Generic conformance: every check in framework.checks runs on every discovered case."""

from __future__ import annotations

import pytest

from framework.checks import CHECKS, REPO_ROOT, session_for
from framework.registry import case_names, get_case


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("case_name", case_names())
def test_case_conforms(case_name, check):
    check(session_for(get_case(case_name)))


def test_discovery_finds_every_case_folder():
    folders = sorted(p.name for p in (REPO_ROOT / "cases").iterdir() if (p / "__init__.py").exists())
    assert case_names() == folders
    assert "eta" in folders
