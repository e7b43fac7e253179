"""``python -m framework new NAME``: copy the template case to ``cases/NAME/`` atomically and draw its diagram."""

from __future__ import annotations

import importlib
import importlib.util
import keyword
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from framework.errors import BadInput
from framework.guards import quote

# The template is a working case package (linted, type-checked and run like any case); a new case is
# a copy of its modules with these words replaced. It lives outside cases/, so discovery never sees it.
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "newcase"
_TOKENS = re.compile(r"framework\.templates\.newcase|Newcase|newcase|New case")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
# sys.stdlib_module_names leaves out the test-suite package, which some distributions do not even ship.
_ALSO_STDLIB = frozenset({"test"})
# Long enough for any descriptive name, short enough that no generated line passes the 120-column limit.
MAX_NAME_LENGTH = 24


@dataclass(frozen=True)
class NewCase:
    """What :func:`create_case` wrote.

    Attributes:
        name: the case's name.
        folder: the new package folder ``cases/<name>/``.
        files: the package's files, relative to ``folder``.
        diagrams: the diagram files written under ``diagrams/``.
        rendered: False when Graphviz is missing and only the ``.dot`` source was written.
    """

    name: str
    folder: Path
    files: list[str]
    diagrams: list[Path]
    rendered: bool


def class_prefix(name: str) -> str:
    """``price_forecast`` -> ``PriceForecast``: the prefix of the case's config and artifact classes."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def title(name: str) -> str:
    """``price_forecast`` -> ``Price forecast``: the design's title until the author writes one."""
    words = " ".join(name.split("_")).strip()
    return words[:1].upper() + words[1:]


def check_name(name: str, cases_dir: Path) -> None:
    """Refuse a name that is not a lowercase identifier, is a keyword, shadows a module, or is taken.

    Raises:
        BadInput: one line naming the problem and what to choose instead.
    """
    shown = quote(name, 40)
    if not NAME_PATTERN.fullmatch(name) or len(name) > MAX_NAME_LENGTH:
        raise BadInput(
            f"case name {shown} must be a lowercase Python identifier of at most {MAX_NAME_LENGTH} characters: "
            "a letter, then letters, digits or _ (e.g. price_forecast)"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise BadInput(f"case name {shown} is a Python keyword; choose another name")
    existing = cases_dir / name
    if existing.is_dir() and (existing / "__init__.py").is_file():
        raise BadInput(f"case {shown} already exists (cases/{name}/); choose another name")
    for path in (existing, cases_dir / f"{name}.py"):
        if path.exists() or path.is_symlink():
            raise BadInput(f"cases/{path.name} already exists; move it away or choose another name")
    if (cases_dir.parent / name).exists():
        raise BadInput(f"case name {shown} is also a folder of the repository ({name}/); choose another name")
    if name in sys.stdlib_module_names or name in _ALSO_STDLIB or _importable(name):
        # cases.<name> would still import, but a case named like a module reads ambiguously in imports and logs.
        raise BadInput(f"case name {shown} is also the name of an importable module ({name}); choose another name")


def _importable(name: str) -> bool:
    """A top-level module or package of that name exists (the standard library's ``test``, numpy, ``tests/``)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def render_files(name: str) -> dict[str, str]:
    """The new package's files (relative path -> text): the template's modules with the name replaced."""
    words = {
        "framework.templates.newcase": f"cases.{name}",
        "Newcase": class_prefix(name),
        "newcase": name,
        "New case": title(name),
    }
    # One pass over the text, so a replacement is never replaced again (a name may contain "newcase").
    return {
        path.name: _TOKENS.sub(lambda m: words[m[0]], path.read_text(encoding="utf-8"))
        for path in sorted(TEMPLATE_DIR.glob("*.py"))
    }


def _cases_dir() -> Path:
    import cases

    return Path(next(iter(cases.__path__))).resolve()


def _stage(files: dict[str, str], cases_dir: Path, name: str) -> Path:
    """Write ``files`` into a hidden folder beside the cases (a dotted name: never discovered as a case)."""
    staging = Path(tempfile.mkdtemp(prefix=f".casebook-new-{name}-", dir=cases_dir))
    try:
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)  # mkdtemp makes 0700; a package folder gets the usual mode
        for rel, text in files.items():
            (staging / rel).write_text(text, encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def create_case(name: str, *, force: bool = False) -> NewCase:
    """Create ``cases/<name>/`` from the template and write its diagrams (both views) under ``diagrams/``.

    The package is written into a staging folder and renamed into place; when the diagram then
    cannot be written, the package is removed again, so a failure leaves nothing behind.

    Args:
        name: the new case's name.
        force: replace same-named diagram files this project did not write.

    Raises:
        BadInput: a bad or taken name, or a folder that cannot be written.
    """
    from framework.cli import write_diagram
    from framework.registry import get_case
    from framework.render import dot_available

    cases_dir = _cases_dir()
    check_name(name, cases_dir)
    files = render_files(name)
    target = cases_dir / name
    try:
        staging = _stage(files, cases_dir, name)
    except OSError as exc:
        raise BadInput(f"cannot write into {quote(str(cases_dir), 60)} ({exc.strerror or exc})") from None
    try:
        staging.rename(target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BadInput(f"cannot create {quote(str(target), 60)} ({exc.strerror or exc})") from None
    try:
        importlib.invalidate_caches()  # the cases package was listed before the folder existed
        rendered = dot_available()
        formats = ["svg", "png", "dot", "mermaid"] if rendered else ["dot", "mermaid"]
        diagrams = write_diagram(get_case(name), cases_dir.parent / "diagrams", formats, force=force)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        for module in [m for m in sys.modules if m == f"cases.{name}" or m.startswith(f"cases.{name}.")]:
            sys.modules.pop(module, None)  # an in-process caller must not import the deleted package
        raise
    return NewCase(name=name, folder=target, files=sorted(files), diagrams=diagrams, rendered=rendered)
