"""Output folders the project owns: refuse unsafe targets, stage, lock, and replace only what it wrote."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from framework.errors import BadInput
from framework.guards import brief, quote

if TYPE_CHECKING:
    from framework.case import Case

MARKER = ".casebook-run.json"
WRITER = "ml-design-casebook"
REPO_ROOT = Path(__file__).resolve().parent.parent
_TMP_PREFIX = ".casebook-tmp-"
_LOCK_PREFIX = ".casebook-lock-"
# Names the runner of earlier versions staged under (".<out>.tmp-*", ".<out>.old-*"); cleaned when they
# hold nothing but run outputs.
_LEGACY_MARKS = (".tmp-", ".old-")
_RUN_FILE_SUFFIXES = (".json", ".md", ".html", ".svg", ".png", ".dot")


def default_out_dir(case: Case) -> Path:
    """``outputs/<case>/`` under the current directory, as the design fixes."""
    return Path("outputs") / case.name


def _key(out: Path) -> str:
    """A short stable id of an output path, so lock and staging names never overflow NAME_MAX."""
    return hashlib.sha1(str(out).encode("utf-8", "surrogateescape")).hexdigest()[:12]


def owned_files(folder: Path) -> set[str] | None:
    """Relative paths the project wrote into ``folder`` (from its marker), or None when it is not a run folder."""
    try:
        doc = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("written_by") != WRITER or not isinstance(doc.get("files"), list):
        return None
    return {f for f in doc["files"] if isinstance(f, str) and ".." not in Path(f).parts and not Path(f).is_absolute()}


def protected_folders() -> list[Path]:
    """Folders a run may never write into: the current folder, home, the repository and the filesystem root."""
    folders = [Path.cwd().resolve(), REPO_ROOT, Path(Path.cwd().anchor)]
    with contextlib.suppress(RuntimeError, KeyError):
        folders.append(Path.home().resolve())
    return folders


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def resolve_out(raw: str | Path, flag: str = "--out") -> Path:
    """The absolute, symlink-resolved output folder for a ``--out`` value.

    Raises:
        BadInput: when the value is empty.
    """
    if str(raw).strip() == "":
        raise BadInput(f"{flag} is empty; give a folder name such as outputs/run1")
    try:
        return Path(raw).expanduser().resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop, or a home folder that cannot be found
        raise BadInput(f"{flag} {quote(str(raw), 60)} cannot be used ({brief(str(exc), 60)})") from None


def check_out_dir(
    out: Path, *, data_path: Path | None = None, force: bool = False, flag: str = "--out", shown: str | None = None
) -> None:
    """Refuse an output folder the run could damage, before any work.

    A run may write into a folder that does not exist, an empty folder, or a folder a previous run
    wrote (it carries the marker). ``force`` allows a folder holding other files: the run adds its
    files beside them. Never allowed: a file, the current folder, home, the repository root, the
    filesystem root or any folder containing them, and a folder equal to, inside or containing
    ``--data``.

    Args:
        out: the resolved output folder.
        data_path: the ``--data`` path, if any.
        force: allow a folder holding files the project did not write.
        flag: the option name used in messages.
        shown: the folder as the user typed it, for messages (``out`` when None).

    Raises:
        BadInput: one line naming the folder and what to do instead; also for an OS error such as a
            name too long or a loop of links.
    """
    text = quote(str(out) if shown is None else shown, 60)
    try:
        _refuse_unsafe(out, data_path, force, flag, text)
    except OSError as exc:
        raise BadInput(f"{flag} {text} cannot be used ({exc.strerror or type(exc).__name__})") from None


def _refuse_unsafe(out: Path, data_path: Path | None, force: bool, flag: str, shown: str) -> None:
    if out.exists() and not out.is_dir():
        raise BadInput(f"{flag} {shown} is a file, not a folder; choose a folder name")
    for folder in protected_folders():
        if _inside(folder, out):
            what = "the current folder" if folder == Path.cwd().resolve() else quote(str(folder), 40)
            raise BadInput(f"{flag} {shown} is or contains {what}; choose a dedicated folder such as outputs/run1")
    if data_path is not None:
        data = data_path.expanduser().resolve()
        if _inside(out, data) or _inside(data, out):
            raise BadInput(f"{flag} {shown} overlaps --data {quote(str(data_path), 60)}; write outputs elsewhere")
    if not out.is_dir() or force or owned_files(out) is not None:
        return
    try:
        foreign = sorted(p.name for p in out.iterdir())
    except OSError as exc:
        raise BadInput(f"{flag} {shown} cannot be read ({exc.strerror})") from None
    if foreign:
        raise BadInput(
            f"{flag} {shown} holds files this project did not write (e.g. {quote(foreign[0], 30)}); "
            "choose a new folder or pass --force"
        )


class _Lock:
    """An exclusive, non-blocking lock on one output path: a second run into the same folder is refused."""

    def __init__(self, out: Path, flag: str):
        self.path = out.parent / f"{_LOCK_PREFIX}{_key(out)}"
        self.out, self.flag = out, flag
        self.fd: int | None = None

    def acquire(self) -> None:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
                os.close(fd)
                raise BadInput(
                    f"{self.flag} {quote(str(self.out), 60)} is being written by another run (pid {holder}); "
                    "wait for it to finish or choose another folder"
                ) from None
            # The previous holder may have unlinked the file between our open and flock: retry on a fresh one.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.pwrite(fd, str(os.getpid()).encode(), 0)
                self.fd = fd
                return
            os.close(fd)

    def release(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        os.close(self.fd)
        self.fd = None


def _looks_like_legacy_staging(folder: Path) -> bool:
    """A leftover of an earlier runner: only run outputs inside (so deleting it loses nothing of the user's)."""
    try:
        files = [p for p in folder.rglob("*") if not p.is_dir()]
    except OSError:
        return False
    return all(p.suffix in _RUN_FILE_SUFFIXES for p in files)


def clean_leftovers(out: Path) -> list[str]:
    """Delete staging folders of killed runs into ``out`` (call while holding its lock).

    Returns:
        Names of the folders removed.
    """
    removed = []
    with contextlib.suppress(OSError):
        for entry in out.parent.iterdir():
            name = entry.name
            ours = name.startswith(f"{_TMP_PREFIX}{_key(out)}-")
            legacy = name.startswith(f".{out.name}.") and any(m in name for m in _LEGACY_MARKS)
            if entry.is_dir() and not entry.is_symlink() and (ours or (legacy and _looks_like_legacy_staging(entry))):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(name)
    return removed


def _missing_ancestors(folder: Path) -> list[Path]:
    """``folder`` and its ancestors that do not exist yet, deepest first."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def _files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name != MARKER)


def _commit(tmp: Path, out: Path, force: bool, flag: str) -> None:
    """Move the staged files into ``out``: a rename when ``out`` is new, else file by file.

    Only files the previous run listed (or, with ``force``, files of the same name) are replaced;
    files of the previous run that this run did not write are removed; everything else stays.
    """
    written = _files_under(tmp)
    marker = {"written_by": WRITER, "files": written}
    (tmp / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
    if out.is_dir() and not any(out.iterdir()):
        out.rmdir()
    if not out.exists():
        tmp.rename(out)
        return
    previous = owned_files(out) or set()
    clashes = [f for f in written if (out / f).exists() and f not in previous]
    if clashes and not force:
        raise BadInput(
            f"{flag} {quote(str(out), 60)}: {quote(clashes[0], 60)} was not written by this project; "
            "move it away or pass --force"
        )
    for rel in written:
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir() and not target.is_symlink():
            raise BadInput(f"{flag} {quote(str(out), 60)}: {quote(rel, 60)} is a folder; move it away")
        os.replace(tmp / rel, target)
    for rel in sorted(previous - set(written)):
        with contextlib.suppress(FileNotFoundError, IsADirectoryError, NotADirectoryError):
            (out / rel).unlink()
        folder = (out / rel).parent
        if folder != out:
            with contextlib.suppress(OSError):  # a sub-folder only the old run used, now empty
                folder.rmdir()
    os.replace(tmp / MARKER, out / MARKER)
    shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while files move, so Ctrl-C never leaves half of two runs."""
    blocked = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _os_error(exc: OSError, out: Path, flag: str) -> BadInput:
    where = exc.filename if isinstance(exc.filename, str) else str(out)
    reason = exc.strerror or errno.errorcode.get(exc.errno or 0, type(exc).__name__)
    return BadInput(f"{flag} {quote(str(out), 60)}: cannot write {quote(where, 60)} ({reason})")


@contextlib.contextmanager
def _staging_area(out: Path, flag: str) -> Iterator[Path]:
    """Lock ``out``, clean leftovers of killed runs, and yield a fresh staging folder beside it.

    On any failure (Ctrl-C included) the staging folder and every parent folder this created
    are removed; the lock is released either way.
    """
    created = _missing_ancestors(out.parent)
    lock = _Lock(out, flag)
    tmp: Path | None = None
    try:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            lock.acquire()
            clean_leftovers(out)
            tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{_key(out)}-", dir=out.parent))
            umask = os.umask(0)
            os.umask(umask)
            tmp.chmod(0o777 & ~umask)  # mkdtemp makes 0700; the output folder gets the usual mode
        except OSError as exc:
            raise _os_error(exc, out, flag) from None
        yield tmp
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        lock.release()
        for folder in created:  # deepest first; only folders this run created and left empty
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)  # gone already when renamed into place
    lock.release()


@contextlib.contextmanager
def staged_output(out: Path, *, force: bool = False, flag: str = "--out") -> Iterator[Path]:
    """Yield an empty staging folder next to ``out``; on success its files replace the run's files in ``out``.

    Holds a lock on ``out`` for the whole block (a concurrent run into it is refused), removes
    leftovers of killed runs first, and on any failure (Ctrl-C included) removes the staging folder
    and any parent folder it created, so the previous output stays as it was.

    Raises:
        BadInput: the folder cannot be created or written, or another run holds it.
    """
    with _staging_area(out, flag) as tmp:
        yield tmp
        with _signals_deferred():
            try:
                _commit(tmp, out, force, flag)
            except OSError as exc:
                raise _os_error(exc, out, flag) from None


FILES_MARKER = ".casebook-files.json"


def _listed(folder: Path) -> set[str]:
    """Files the project wrote into a shared folder such as ``diagrams/`` (from its files marker)."""
    try:
        doc = json.loads((folder / FILES_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    files = doc.get("files") if isinstance(doc, dict) and doc.get("written_by") == WRITER else None
    return {f for f in files if isinstance(f, str)} if isinstance(files, list) else set()


@contextlib.contextmanager
def claim_files(folder: Path, names: list[str], *, force: bool = False, flag: str = "--out") -> Iterator[Path]:
    """Yield a staging folder; on success move ``names`` from it into ``folder``, which may hold other files.

    For folders that gather files of several commands (``diagrams/``): a file of the same name
    that the project did not write (not in the folder's files marker) is refused unless ``force``;
    the marker is deterministic (sorted names, no times) so a committed folder stays stable.

    Raises:
        BadInput: the folder is a file, is protected, cannot be written, or a name clashes.
    """
    shown = quote(str(folder), 60)
    if folder.exists() and not folder.is_dir():
        raise BadInput(f"{flag} {shown} is a file, not a folder; choose a folder name")
    listed = _listed(folder)
    for name in names:
        target = folder / name
        if target.is_dir() or ((target.exists() or target.is_symlink()) and name not in listed and not force):
            raise BadInput(
                f"{flag} {shown}: {quote(name, 40)} exists and was not written by this project; "
                "move it away or pass --force"
            )
    # Staged (and locked) inside the folder under a hidden name; a failure removes the staging folder.
    with _staging_area(folder / ".casebook-files", flag) as tmp:
        yield tmp
        with _signals_deferred():
            try:
                folder.mkdir(exist_ok=True)
                for name in names:
                    if (tmp / name).exists():
                        os.replace(tmp / name, folder / name)
                doc = {"written_by": WRITER, "files": sorted(_listed(folder) | set(names))}
                (tmp / FILES_MARKER).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
                os.replace(tmp / FILES_MARKER, folder / FILES_MARKER)
            except OSError as exc:
                raise _os_error(exc, folder, flag) from None
