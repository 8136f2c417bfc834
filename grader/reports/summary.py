"""`summary.html`: the class at a glance (scores, per-part means, errors)."""
from __future__ import annotations

from grader.model import BatchResult
from grader.reports.templating import render as render_template


def part_means(batch: BatchResult) -> list[tuple[str, float, float]]:
    """(part, mean score, max score) over every submission of the batch."""
    rows = []
    for name in batch.part_names:
        parts = [p for e in batch.entries for p in e.result.parts if p.name == name]
        mean = sum(p.score for p in parts) / len(parts) if parts else 0.0
        rows.append((name, round(mean, 2), parts[0].max_score if parts else 0.0))
    return rows


def render(batch: BatchResult) -> str:
    return render_template("summary.html.j2", batch=batch, means=part_means(batch))
