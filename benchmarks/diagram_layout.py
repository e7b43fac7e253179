"""Every case's diagrams as Graphviz lays them out: boxes, arrows, width, smallest text at the report's width, problems.

Usage: ``python benchmarks/diagram_layout.py``. Reads ``dot -Tjson`` (Graphviz must be installed).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from framework.layoutcheck import MIN_TEXT_PX, REPORT_FIGURE_PX, read_layout
from framework.registry import all_cases
from framework.render import VIEWS, _build


def main() -> None:
    """Print one row per case and view."""
    print(f"{'case':<16}{'view':<12}{'boxes':>6}{'arrows':>7}{'width pt':>9}{'text px':>8}  overlaps  dangling")
    with tempfile.TemporaryDirectory() as tmp:
        for case in all_cases():
            for view in VIEWS:
                graph = _build(
                    case.design.architecture, case.design.title, Path(tmp) / case.name, portable=False, view=view
                )
                layout = read_layout(graph.pipe(format="json", quiet=True))
                px = layout.text_px(REPORT_FIGURE_PX)
                print(
                    f"{case.name:<16}{view:<12}{len(layout.nodes):>6}{len(layout.edges):>7}{layout.width_pt:>9.0f}"
                    f"{px:>8.1f}  {len(layout.problems()):>8}  {len(layout.dangling()):>8}"
                )
    print(
        f"text px: the smallest text's height with the drawing shown {REPORT_FIGURE_PX} px wide "
        f"(the whiteboard must reach {MIN_TEXT_PX:g}; the full view opens full size on click)"
    )


if __name__ == "__main__":
    main()
