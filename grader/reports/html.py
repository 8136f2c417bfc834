"""`<id>.html`: a self-contained page (inline CSS, no network)."""
from __future__ import annotations

from grader.model import SubmissionResult
from grader.reports.templating import render as render_template


def render(result: SubmissionResult) -> str:
    return render_template("report.html.j2", r=result)
