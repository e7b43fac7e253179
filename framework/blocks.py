"""A tiny document model (headings, paragraphs, lists, tables, figures) rendered to Markdown and HTML."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Table:
    """A table with a header row."""

    headers: list[str]
    rows: list[list[str]]


@dataclass
class Figure:
    """An image in the output folder (SVG is inlined in HTML, PNG embedded as base64)."""

    file: str
    caption: str
    link: str | None = None  # a thumbnail: shown small, opening this page on click


@dataclass
class Section:
    """One report section (one design step, or an appendix)."""

    anchor: str
    title: str
    blocks: list[str | list[str] | Table | Figure] = field(default_factory=list)

    def p(self, text: str) -> Section:
        """Append a paragraph (``**bold**`` is allowed)."""
        self.blocks.append(text)
        return self

    def ul(self, items: list[str]) -> Section:
        """Append a bullet list (skipped when empty)."""
        if items:
            self.blocks.append(list(items))
        return self

    def table(self, headers: list[str], rows: Sequence[Sequence[object]]) -> Section:
        """Append a table; cells are stringified."""
        self.blocks.append(Table(headers, [[str(c) for c in r] for r in rows]))
        return self

    def figure(self, file: str, caption: str, link: str | None = None) -> Section:
        """Append a figure from the output folder (a thumbnail linking to ``link`` when given)."""
        self.blocks.append(Figure(file, caption, link))
        return self


def section_markdown(section: Section, level: int = 2, images: bool = True) -> str:
    """Render one section as Markdown with its title at heading ``level``.

    Args:
        section: the section.
        level: heading level of its title.
        images: embed figures as images; False names the file instead (for terminals).
    """
    out = [f"{'#' * level} {section.title}", ""]
    for b in section.blocks:
        if isinstance(b, str):
            out += [b, ""]
        elif isinstance(b, list):
            out += [f"- {item}" for item in b] + [""]
        elif isinstance(b, Table):
            out.append("| " + " | ".join(map(_cell, b.headers)) + " |")
            out.append("|" + "---|" * len(b.headers))
            out += ["| " + " | ".join(map(_cell, r)) + " |" for r in b.rows]
            out.append("")
        elif images:
            out += [f"![{b.caption}]({b.file})", "", f"*{b.caption}*", ""]
        else:
            out += [f"*Figure: {b.caption}* (`{b.file}`)", ""]
    return "\n".join(out).rstrip() + "\n"


def _cell(text: str) -> str:
    """A Markdown table cell: a pipe escaped, a line break as ``<br>`` (a raw newline would end the row)."""
    return "<br>".join(line.strip() for line in str(text).replace("|", "\\|").splitlines()) or ""


def to_markdown(title: str, sections: list[Section]) -> str:
    """Render sections as GitHub-flavoured Markdown."""
    return f"# {title}\n\n" + "\n".join(section_markdown(s) for s in sections)


def _inline(text: str) -> str:
    escaped = html.escape(text)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    escaped = re.sub(r"\[(.+?)\]\((\S+?)\)", r'<a href="\2">\1</a>', escaped)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", escaped)


def _figure_html(fig: Figure, root: Path) -> str:
    path = root / fig.file
    if path.suffix == ".svg":
        svg = path.read_text()
        svg = svg[svg.find("<svg") :]
        body = f'<a class="svg" href="{html.escape(fig.file)}" title="open full size">{svg}</a>'
    else:
        data = base64.b64encode(path.read_bytes()).decode()
        thumb = ' class="thumb"' if fig.link else ""
        body = f'<img{thumb} alt="{html.escape(fig.caption)}" src="data:image/png;base64,{data}">'
        if fig.link:
            body = f'<a href="{html.escape(fig.link)}">{body}</a>'
    return f"<figure>{body}<figcaption>{_inline(fig.caption)}</figcaption></figure>"


def to_html(title: str, sections: list[Section], root: Path) -> str:
    """Render sections as one self-contained HTML page; images are embedded from ``root``."""
    nav = "".join(f'<li><a href="#{s.anchor}">{html.escape(s.title)}</a></li>' for s in sections)
    parts = []
    for s in sections:
        parts.append(f'<section id="{s.anchor}"><h2>{html.escape(s.title)}</h2>')
        for b in s.blocks:
            if isinstance(b, str):
                parts.append(f"<p>{_inline(b)}</p>")
            elif isinstance(b, list):
                parts.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in b) + "</ul>")
            elif isinstance(b, Table):
                head = "".join(f"<th>{_inline(h)}</th>" for h in b.headers)
                rows = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in b.rows)
                # A wide table scrolls inside its own box; the page never scrolls sideways.
                parts.append(
                    f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'
                )
            else:
                parts.append(_figure_html(b, root))
        parts.append("</section>")
    return _PAGE.format(title=html.escape(title), nav=nav, body="\n".join(parts))


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{margin:0;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1d2330;display:flex}}
nav{{position:sticky;top:0;height:100vh;overflow:auto;width:15rem;flex:none;background:#f3f5f9;padding:1rem;box-sizing:border-box}}
nav ul{{list-style:none;padding:0}} nav li{{margin:.4rem 0}} nav a{{color:#234;text-decoration:none}}
main{{flex:1;min-width:0;padding:1rem 2rem;max-width:70rem;overflow-wrap:break-word}}
table{{border-collapse:collapse;margin:.5rem 0}} .wide,.svg{{overflow-x:auto;max-width:100%}} a.svg{{display:block}}
@media (max-width:700px){{body{{display:block}} nav{{position:static;height:auto;width:auto}}
main{{padding:.5rem 1rem}}}}
th,td{{border:1px solid #ccd;padding:.25rem .6rem;text-align:left;font-size:.9rem}} th{{background:#eef}}
figure{{margin:1rem 0}} figure img,.svg svg{{max-width:100%;height:auto}} figcaption{{color:#556;font-size:.85rem}}
img.thumb{{max-width:min(100%,30rem)}}
code{{background:#f3f3f3;padding:0 .2rem}}
@media print{{@page{{size:A4;margin:14mm 12mm}} body{{display:block;font-size:10.5pt}} nav{{display:none}}
main{{max-width:none;padding:0}} .wide,.svg{{overflow:visible}} table{{width:100%}}
th,td{{font-size:8.5pt;padding:.15rem .3rem;overflow-wrap:break-word}} tr,figure,pre{{break-inside:avoid}}
h2{{break-after:avoid}} h3{{break-after:avoid}} figure img,.svg svg{{max-width:100%;max-height:24cm}}
a{{color:inherit;text-decoration:none}}}}
</style></head>
<body><nav><strong>{title}</strong><ul>{nav}</ul></nav><main><h1>{title}</h1>
{body}
</main></body></html>
"""
