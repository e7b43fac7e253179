"""The run summary printed by ``run``: metrics as rows, models as columns, wrapped to the width, never cut."""

from __future__ import annotations

import textwrap

from framework.report import fmt, model_tags
from framework.runmetrics import RunMetrics

GAP = "  "


def _blocks(first: int, widths: list[int], width: int) -> list[list[int]]:
    """Column indices grouped so each group, after the row-name column, fits in ``width`` characters."""
    blocks: list[list[int]] = [[]]
    used = first
    for i, w in enumerate(widths):
        if blocks[-1] and used + len(GAP) + w > width:
            blocks.append([])
            used = first
        blocks[-1].append(i)
        used += len(GAP) + w
    return blocks


def ladder_lines(metrics: RunMetrics, width: int = 80) -> list[str]:
    """The model ladder as plain-text lines no wider than ``width`` (unless one name alone is wider).

    Models are columns in ladder order with their role under the name; metrics are rows, the
    primary and decision metrics marked. When the models do not fit side by side, the table
    continues below with the next models, repeating the metric names.
    """
    tags = model_tags(metrics)
    models = list(metrics.models)
    metric_names = list(next(iter(metrics.models.values()), {}))
    marks = {metrics.primary_metric: " *", metrics.decision_metric: " +"}
    if metrics.primary_metric == metrics.decision_metric:
        marks[metrics.primary_metric] = " *+"
    rows = [f"{m}{marks.get(m, '')}" for m in metric_names]
    first = max([len("metric"), *(len(r) for r in rows)])
    cells = [[fmt(metrics.models[n][m]) for m in metric_names] for n in models]
    roles = [tags.get(n, "") for n in models]
    widths = [max([len(n), len(r), *(len(c) for c in col)]) for n, r, col in zip(models, roles, cells, strict=True)]
    lines: list[str] = []
    for block in _blocks(first, widths, width):
        if lines:
            lines.append("")
        lines.append("metric".ljust(first) + "".join(GAP + models[i].rjust(widths[i]) for i in block))
        lines.append("".ljust(first) + "".join(GAP + roles[i].rjust(widths[i]) for i in block))
        for r, name in enumerate(rows):
            lines.append(name.ljust(first) + "".join(GAP + cells[i][r].rjust(widths[i]) for i in block))
    lines.append("* primary metric, + decision metric")
    lines.append(f"deployed: {metrics.best_model}")
    failed = metrics.failed_guardrails()
    if failed:  # wrapped like everything else: guardrail names are long
        lines += textwrap.wrap(f"not shippable as run: fails {', '.join(failed)}", width, break_on_hyphens=False)
    return [line.rstrip() for line in lines]
