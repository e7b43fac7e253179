"""Case discovery by convention: every package under ``cases/`` that exposes ``case`` is a case."""

from __future__ import annotations

import importlib
import pkgutil

import cases
from framework.case import Case
from framework.errors import BadInput


def case_names() -> list[str]:
    """Names of the packages under ``cases/``, sorted."""
    return sorted(m.name for m in pkgutil.iter_modules(cases.__path__) if m.ispkg)


def get_case(name: str) -> Case:
    """Import ``cases.<name>`` and return its ``case``.

    Raises:
        BadInput: when no such case exists.
        TypeError: when the package does not expose a :class:`Case` named ``case``.
    """
    if name not in case_names():
        raise BadInput(f"unknown case {name!r}; known cases: {', '.join(case_names())}")
    module = importlib.import_module(f"cases.{name}")
    found = getattr(module, "case", None)
    if not isinstance(found, Case):
        raise TypeError(
            f"cases/{name}/__init__.py must expose `case = Case(...)` (framework.case.Case); "
            f"found {type(found).__name__}"
        )
    return found


def all_cases() -> list[Case]:
    """Every discovered case, sorted by name."""
    return [get_case(n) for n in case_names()]
