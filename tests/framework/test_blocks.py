"""The report's document model: Markdown tables survive labels with line breaks and pipes."""

from __future__ import annotations

from framework.blocks import Section, section_markdown


def test_a_label_with_line_breaks_stays_in_its_row():
    section = Section("s", "Components").table(["component", "kind"], [["Cleaning +\nmap matching", "a|b"]])
    lines = section_markdown(section).splitlines()
    rows = [line for line in lines if line.startswith("|")]
    assert rows == ["| component | kind |", "|---|---|", "| Cleaning +<br>map matching | a\\|b |"]
