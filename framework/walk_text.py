"""Markdown tables as aligned text blocks for a terminal: a block scrolls sideways, a squeezed table cuts cells."""

from __future__ import annotations

import re

_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _cells(line: str) -> list[str]:
    inner = line.strip().removeprefix("|").removesuffix("|")
    return [c.strip().replace("\\|", "|").replace("<br>", " ") for c in re.split(r"(?<!\\)\|", inner)]


def _aligned(rows: list[list[str]]) -> list[str]:
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    sizes = [max(len(r[i]) for r in rows) for i in range(width)]
    lines = ["  ".join(c.ljust(n) for c, n in zip(r, sizes, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * n for n in sizes))
    return lines


def tables_as_text(markdown: str) -> str:
    """``markdown`` with every pipe table replaced by a fenced block of aligned columns.

    A terminal 80 columns wide cannot show a nine-column table; as a fenced block it keeps
    every cell whole and scrolls sideways, and the rest of the text still wraps.
    """
    lines = markdown.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i].lstrip().startswith("|") and i + 1 < len(lines) and _SEPARATOR.match(lines[i + 1].strip()):
            rows = [_cells(lines[i])]
            i += 2
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            out += ["```text", *_aligned(rows), "```"]
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)
