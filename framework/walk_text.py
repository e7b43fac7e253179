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


def _records(rows: list[list[str]]) -> list[str]:
    """A table too wide for the screen as one bullet per row: its first cell, then header value pairs."""
    head, *body = rows
    return [
        "- **" + (r[0] or "-") + "**: " + " · ".join(f"{h} {v}" for h, v in zip(head[1:], r[1:], strict=False) if v)
        for r in body
    ]


def tables_as_text(markdown: str, width: int = 10_000) -> str:
    """``markdown`` with every pipe table as aligned text, or as one bullet per row when too wide.

    A Markdown table squeezed into a terminal cuts its cells; an aligned block keeps every cell
    whole when it fits in ``width`` columns, and a table wider than that becomes a list whose
    lines wrap, so nothing is cut at 80 columns.
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
            block = _aligned(rows)
            out += ["```text", *block, "```"] if max(map(len, block)) <= width else ["", *_records(rows), ""]
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)
