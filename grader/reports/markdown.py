"""`<id>.md`: a report that fits a GitHub PR comment or job summary."""
from __future__ import annotations

from grader.model import SubmissionResult
from grader.reports.templating import render as render_template


def render(result: SubmissionResult) -> str:
    return render_template("report.md.j2", r=result)
