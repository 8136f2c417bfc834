"""`<id>.html`: a self-contained page (inline CSS, plots as data: URIs, no network, no scripts).

Everything the student's code produced (messages, counterexample values) is autoescaped.
"""
from __future__ import annotations

from grader.model import SubmissionResult
from grader.reports.plot import (  # matplotlib itself loads only when a part has a series
    Plot,
    render_png,
)
from grader.reports.templating import render as render_template
from grader.reports.view import HTML_LEVEL, report_view, translator


def plots(result: SubmissionResult, lang: str) -> dict[str, Plot]:
    """One PNG per part that carries a series; a plot that cannot be drawn is left out, never fatal."""
    t = translator(lang)
    out = {}
    for part in result.parts:
        if part.series is None:
            continue
        try:
            out[part.name] = render_png(part.series, t("report.plot_student"), t("report.plot_reference"))
        except Exception:  # noqa: BLE001, S112  (a malformed series costs its picture, not the report)
            continue
    return out


def render(result: SubmissionResult) -> str:
    view = report_view(result, HTML_LEVEL)
    return render_template("report.html.j2", v=view, t=translator(view.lang), plots=plots(result, view.lang))
