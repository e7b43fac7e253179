"""One loader for every case's real data: CSV/TSV/``::``/whitespace text (optionally compressed) or Parquet.

The separator and the header are sniffed from the first lines; columns are matched to the case's
roles through the alias table of :mod:`framework.roles` or ``--columns``; extra columns are
ignored and listed. Every failure is one :class:`~framework.errors.BadInput` line naming the file
(and the line or column when there is one).
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import lzma
import re
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from framework.errors import BadInput
from framework.guards import brief, quote
from framework.roles import Role, normalise
from framework.tabular import PARQUET_SUFFIXES, shown_path

SNIFF_LINES = 20
MESSAGE_CHARS = 195  # the one-line error contract allows 200 characters after "error: "
SNIFF_BYTES = 1 << 16
# Separators tried in this order; "::" first because a "::" line also splits on ":".
SEPARATORS: tuple[tuple[str, str], ...] = (
    ("::", "'::'-separated"),
    ("\t", "tab-separated"),
    (",", "comma-separated"),
    (";", "semicolon-separated"),
    ("|", "pipe-separated"),
)
WHITESPACE = "whitespace-separated"
_MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bz2", b"\xfd7zXZ": "xz", b"PK\x03\x04": "zip", b"PAR1": "parquet"}
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


@dataclass
class LoadedTable:
    """A user's table with its columns renamed to the roles they play.

    Attributes:
        frame: one column per role found (named by the role), values as text for text files
            (empty cells ``""``), as stored for Parquet; extra columns dropped.
        path: the file.
        layout: how it was read, e.g. ``"comma-separated text with a header"``.
        columns: role -> the column it came from (``"column 3"`` for a file without a header).
        ignored: the file's columns no role used.
        header_lines: lines before the first data row (row ``i`` is on line ``i + 1 + header_lines``).
        notes: readable sentences about what the reading did (trailing separators dropped...).
        extra: the ignored columns' values, when the caller asked to keep them (else empty).
    """

    frame: pd.DataFrame
    path: Path
    layout: str
    columns: dict[str, str]
    ignored: list[str]
    header_lines: int
    notes: list[str] = field(default_factory=list)
    extra: pd.DataFrame = field(default_factory=pd.DataFrame)

    def line(self, row: int) -> int:
        """The file line of data row ``row`` (0-based), for error messages."""
        return row + 1 + self.header_lines

    def where(self, row: int) -> str:
        """``FILE line N`` (or ``FILE row N`` for Parquet), for error messages."""
        kind = "row" if self.layout == "Parquet" else "line"
        return f"{shown_path(self.path)} {kind} {self.line(row) if kind == 'line' else row + 1:,}"

    def summary(self) -> dict[str, Any]:
        """What ``metrics.json["data"]`` records about the reading."""
        return {
            "file": self.path.name,
            "format": self.layout,
            "columns": dict(self.columns),
            "ignored_columns": list(self.ignored),
            "reading_notes": list(self.notes),
        }


def _compression(path: Path) -> str | None:
    """``gzip``/``bz2``/``xz``/``zip``/``parquet`` from the file's first bytes, else None (plain text)."""
    with path.open("rb") as fh:
        start = fh.read(8)
    return next((kind for magic, kind in _MAGIC.items() if start.startswith(magic)), None)


def _open_text(path: Path, compression: str | None) -> io.TextIOBase:
    if compression == "gzip":
        return io.TextIOWrapper(gzip.open(path), encoding="utf-8-sig")
    if compression == "bz2":
        return io.TextIOWrapper(bz2.open(path), encoding="utf-8-sig")
    if compression == "xz":
        return io.TextIOWrapper(lzma.open(path), encoding="utf-8-sig")
    if compression == "zip":
        archive = zipfile.ZipFile(path)
        names = [n for n in archive.namelist() if not n.endswith("/")]
        if len(names) != 1:
            raise BadInput(f"{shown_path(path)}: a zip archive must hold exactly one file, it holds {len(names)}")
        return io.TextIOWrapper(archive.open(names[0]), encoding="utf-8-sig")
    return path.open(encoding="utf-8-sig")


def _head_lines(path: Path, compression: str | None) -> list[str]:
    """The first non-blank lines (at most :data:`SNIFF_LINES`), read through the decompressor."""
    name = shown_path(path)
    lines: list[str] = []
    try:
        with _open_text(path, compression) as fh:
            text = fh.read(SNIFF_BYTES)
    except UnicodeDecodeError as exc:
        raise BadInput(f"{name}: is not UTF-8 text (byte 0x{exc.object[exc.start]:02x}); save it as UTF-8") from None
    except (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile) as exc:
        raise BadInput(f"{name}: truncated or damaged {compression or ''} file ({brief(str(exc), 60)})") from None
    if "\x00" in text:
        raise BadInput(f"{name}: contains NUL bytes, so it is not a text table (a binary or damaged file?)")
    complete = text.splitlines()
    if len(text) == SNIFF_BYTES and len(complete) > 1:
        complete = complete[:-1]  # the last line may be cut by the read
    for raw in complete:
        if raw.strip():
            lines.append(raw)
        if len(lines) >= SNIFF_LINES:
            break
    if not lines:
        raise BadInput(f"{name}: file is empty")
    return lines


def _splits_alike(counts: list[int]) -> bool:
    """The first line has >= 2 fields and most lines as many (one malformed row is the parser's to name)."""
    return counts[0] >= 2 and 2 * sum(c == counts[0] for c in counts) > len(counts)


def sniff_separator(lines: Sequence[str]) -> tuple[str, str]:
    """The separator splitting the sniffed lines into the same number (>= 2) of fields.

    Returns:
        ``(separator, description)``; the separator is ``r"\\s+"`` for runs of spaces.

    Raises:
        BadInput: when no separator splits the lines consistently (the caller names the file).
    """
    for sep, label in SEPARATORS:
        if _splits_alike([len(line.split(sep)) for line in lines]):
            return sep, label
    if _splits_alike([len(line.split()) for line in lines]):
        return r"\s+", WHITESPACE
    # A quoted CSV field may hold commas; let the CSV module judge before giving up.
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|")
    except csv.Error:
        raise BadInput("cannot tell the separator (tried '::', tab, comma, semicolon, pipe, spaces)") from None
    return dialect.delimiter, dict(SEPARATORS[1:]).get(dialect.delimiter, f"{dialect.delimiter!r}-separated")


def _fields(line: str, sep: str) -> list[str]:
    if sep == r"\s+":
        return line.split()
    return next(csv.reader([line], delimiter=sep)) if len(sep) == 1 else line.split(sep)


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match(text.strip()))


def has_header(lines: Sequence[str], sep: str, roles: Sequence[Role]) -> bool:
    """Whether the first line names the columns.

    It does when one of its fields is a known alias of a role, or when it has fewer numeric
    fields than the lines below it (a header is words; data rows hold numbers).
    """
    first = _fields(lines[0], sep)
    aliases = {a for role in roles for a in role.names()}
    if any(normalise(f) in aliases for f in first):
        return True
    if len(lines) < 2:
        return False
    rest = [_fields(line, sep) for line in lines[1:]]
    # A word above a column that holds only numbers below it is a column name; an empty first
    # cell (a missing value in a data row) says nothing either way.
    return any(
        field.strip() and not _is_number(field) and all(j < len(row) and _is_number(row[j]) for row in rest)
        for j, field in enumerate(first)
    )


def _parse_text(path: Path, compression: str | None, sep: str, header: bool) -> pd.DataFrame:
    """Parse the whole text file as strings (empty cells ``""``), with pandas' C parser."""
    options: dict[str, Any] = {
        "dtype": str,
        "keep_default_na": False,
        "header": 0 if header else None,
        "index_col": False,
        "encoding": "utf-8-sig",
        "compression": compression if compression in ("gzip", "bz2", "xz", "zip") else None,
        "low_memory": False,
    }
    if sep == "::":  # the C parser takes one-character separators: split on ':' and drop the empty fields
        frame = pd.read_csv(path, sep=":", quoting=csv.QUOTE_NONE, **options)
        kept = frame.iloc[:, ::2]
        gaps = frame.iloc[:, 1::2]
        if not (gaps == "").all().all():
            raise BadInput(f"{shown_path(path)}: a value contains ':', which the '::' layout cannot hold")
        kept.columns = [str(c) for c in kept.columns] if header else range(kept.shape[1])
        return kept
    if sep == r"\s+":
        return pd.read_csv(path, sep=r"\s+", **options)
    quoting = csv.QUOTE_NONE if sep == "\t" else csv.QUOTE_MINIMAL
    return pd.read_csv(path, sep=sep, quoting=quoting, **options)


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types; the user needs the file and why
        raise BadInput(f"{shown_path(path)}: cannot be read as Parquet ({brief(str(exc), 70)})") from None


def _read_text(path: Path, compression: str | None, roles: Sequence[Role]) -> tuple[pd.DataFrame, str, bool]:
    """A text table sniffed from its first lines and parsed whole; ``(frame, layout, header)``."""
    name = shown_path(path)
    lines = _head_lines(path, compression)
    try:
        sep, label = sniff_separator(lines)
    except BadInput as exc:
        raise BadInput(f"{name}: {exc}") from None
    header = has_header(lines, sep, roles)
    if header:  # the parser would rename a repeated name to "name.1"; the user needs to see the repeat
        names = [f.strip() for f in _fields(lines[0], sep)]
        repeated = sorted({n for n in names if n and names.count(n) > 1})
        if repeated:
            raise BadInput(f"{name}: column {quote(repeated[0], 40)} appears twice in the header")
    frame = _parse(path, compression, sep, header)
    return frame, f"{label} text {'with a header' if header else 'without a header'}", header


def load_table(
    path: Path,
    roles: Sequence[Role],
    *,
    mapping: dict[str, str] | None = None,
    headerless: Sequence[str] = (),
    what: str = "data",
    keep_ignored: bool = False,
) -> LoadedTable:
    """Read ``path`` and find the column of every role.

    Args:
        path: a text table (plain, ``.gz``, ``.bz2``, ``.xz`` or one-file ``.zip``) or Parquet.
        roles: the roles the case reads; required ones must be found.
        mapping: ``--columns`` for this table: role -> column name (or 1-based position).
        headerless: roles of the columns, in order, of a file without a header (e.g. MovieLens
            ``user, item, rating, timestamp``); empty when such a file must be mapped with ``--columns``.
        what: what the file holds, for messages ("ratings", "transactions").
        keep_ignored: keep the columns no role used in ``extra`` (a mode that uses them as features).

    Raises:
        BadInput: unreadable, empty, compressed wrongly, ambiguous, a required role not found,
            a ``--columns`` name the file does not have; one line naming the file.
    """
    path = Path(path)
    name = shown_path(path)
    mapping = dict(mapping or {})
    if path.is_dir():
        raise BadInput(f"{name} is a folder; pass the {what} file itself")
    if not path.is_file():
        raise BadInput(f"{name}: file not found")
    if path.stat().st_size == 0:
        raise BadInput(f"{name}: file is empty")
    compression = _compression(path)
    if compression == "parquet" or path.suffix.lower() in PARQUET_SUFFIXES:
        frame, layout, header = _read_parquet(path), "Parquet", True
    else:
        frame, layout, header = _read_text(path, compression, roles)
    notes: list[str] = []
    if frame.empty and len(frame.columns) == 0:
        raise BadInput(f"{name}: file has no columns")
    frame, dropped = _drop_empty_trailing(frame)
    if dropped:
        notes.append(f"{dropped} empty trailing column(s) from trailing separators ignored")
    if frame.empty:
        raise BadInput(f"{name}: file has a header but no data rows" if header else f"{name}: file has no data rows")
    header_lines = 1 if header and layout != "Parquet" else 0
    if not header:
        frame.columns = [f"column {i + 1}" for i in range(frame.shape[1])]
    columns = _match(frame, roles, mapping, headerless if not header else (), name, what)
    ignored = [str(c) for c in frame.columns if str(c) not in columns.values()]
    out = frame[list(columns.values())].copy()
    out.columns = list(columns)
    extra = frame[ignored].reset_index(drop=True) if keep_ignored else pd.DataFrame()
    return LoadedTable(out.reset_index(drop=True), path, layout, columns, ignored, header_lines, notes, extra)


def _parse(path: Path, compression: str | None, sep: str, header: bool) -> pd.DataFrame:
    name = shown_path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", pd.errors.ParserWarning)  # a row longer than the header
            return _parse_text(path, compression, sep, header)
    except pd.errors.EmptyDataError:
        raise BadInput(f"{name}: file is empty") from None
    except UnicodeDecodeError as exc:
        raise BadInput(f"{name}: is not UTF-8 text (byte 0x{exc.object[exc.start]:02x}); save it as UTF-8") from None
    except (EOFError, gzip.BadGzipFile, zlib.error, lzma.LZMAError, OSError) as exc:
        raise BadInput(f"{name}: truncated or damaged compressed file ({brief(str(exc), 60)})") from None
    except pd.errors.ParserWarning:
        raise BadInput(f"{name}: malformed row (a row has more fields than the header)") from None
    except pd.errors.ParserError as exc:
        detail = brief(str(exc).replace("Error tokenizing data. C error: ", ""), 80)
        raise BadInput(f"{name}: malformed row ({detail})") from None
    except MemoryError:
        raise BadInput(f"{name}: too large to read into memory; pass a smaller extract") from None


def _drop_empty_trailing(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Drop unnamed, empty columns at the end (a spreadsheet's trailing commas); returns how many."""
    drop = 0
    for column in reversed(list(frame.columns)):
        unnamed = not isinstance(column, str) or column.startswith("Unnamed:") or not column.strip()
        values = frame[column]
        empty = values.isna().all() or (values.astype(str).str.strip() == "").all()
        if not (unnamed and empty) or drop == frame.shape[1] - 1:
            break
        drop += 1
    return (frame.iloc[:, : frame.shape[1] - drop] if drop else frame), drop


def _match(
    frame: pd.DataFrame,
    roles: Sequence[Role],
    mapping: dict[str, str],
    headerless: Sequence[str],
    name: str,
    what: str,
) -> dict[str, str]:
    """Role -> column: ``--columns`` first, then the header's aliases, then the headerless order."""
    columns = [str(c) for c in frame.columns]
    listed = brief(", ".join(columns), 60)
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise BadInput(f"{name}: column {quote(duplicates[0], 40)} appears twice in the header")
    found: dict[str, str] = {}
    known = {r.name for r in roles}
    for mapped, wanted in mapping.items():
        if mapped not in known:
            raise BadInput(f"--columns role {quote(mapped, 30)} is not one of {', '.join(r.name for r in roles)}")
        found[mapped] = _column_named(wanted, columns, name, listed, mapped)
    by_normal = {normalise(c): c for c in columns}
    if headerless:
        for positional, column in zip(headerless, columns, strict=False):
            found.setdefault(positional, column)
    for role in roles:
        if role.name in found:
            continue
        taken = set(found.values())
        match = next((by_normal[a] for a in role.names() if a in by_normal and by_normal[a] not in taken), None)
        if match is not None:
            found[role.name] = match
    clash = [c for c in set(found.values()) if list(found.values()).count(c) > 1]
    if clash:
        both = [r for r, c in found.items() if c == clash[0]]
        raise BadInput(f"{name}: column {quote(clash[0], 40)} is mapped to two roles ({', '.join(both)})")
    for role in roles:
        if role.required and role.name not in found:
            hint = f"name it with --columns {role.name}=COLUMN"
            if not any(c for c in columns if not c.startswith("column ")):
                hint = f"the file has no header: name its columns with --columns {role.name}=N (1-based)"
            head = f"{name}: no {role.name} column among "
            # One line of at most MESSAGE_CHARS: the file's columns and the aliases share what is left.
            room = max(MESSAGE_CHARS - len(head) - len(hint) - len(" (looked for ); "), 40)
            shown = brief(", ".join(columns), room * 3 // 5)
            looked = brief(", ".join(role.shown_aliases()), room - len(shown))
            raise BadInput(f"{head}{shown} (looked for {looked}); {hint}")
    return {r.name: found[r.name] for r in roles if r.name in found}


def _column_named(wanted: str, columns: list[str], name: str, listed: str, role: str) -> str:
    """The column ``--columns role=wanted`` means: its name (any case), or its 1-based position."""
    if wanted in columns:
        return wanted
    folded = [c for c in columns if normalise(c) == normalise(wanted)]
    if len(folded) == 1:
        return folded[0]
    if wanted.isdigit() and 1 <= int(wanted) <= len(columns):
        return columns[int(wanted) - 1]
    raise BadInput(f"--columns {role}={quote(wanted, 30)}: {name} has no such column; its columns are {listed}")
