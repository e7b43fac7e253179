"""Generic conformance: every check in framework.checks runs on every discovered case."""

from __future__ import annotations

import pytest

from framework.checks import CHECKS, CheckSession
from framework.registry import case_names, get_case

_SESSIONS: dict[str, CheckSession] = {}


def _session(name: str) -> CheckSession:
    # One session per case so the small-scale runs are shared by all its checks.
    if name not in _SESSIONS:
        _SESSIONS[name] = CheckSession(get_case(name))
    return _SESSIONS[name]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("case_name", case_names())
def test_case_conforms(case_name, check):
    check(_session(case_name))


def test_discovery_finds_every_case_folder():
    from framework.checks import REPO_ROOT

    folders = sorted(p.name for p in (REPO_ROOT / "cases").iterdir() if (p / "__init__.py").exists())
    assert case_names() == folders
    assert "eta" in folders
