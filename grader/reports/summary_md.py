"""`summary.md`: the summary page as Markdown (a CI job summary, an e-mail, a PR comment).

The same view as `summary.html` (summary.summary_view): a text histogram instead of the
picture, links to each student's Markdown report. Student ids and messages are escaped.
"""
from __future__ import annotations

from typing import Any, Iterable
from urllib.parse import quote

from grader.model import BatchResult
from grader.reports.filenames import report_stem
from grader.reports.summary import STUDENTS_INLINE, percent, status_label, student_mistakes, summary_view
from grader.reports.templating import environment, md_text
from grader.reports.view import clip_text, translator

BAR_WIDTH = 20
REASON_CHARS = 300


def bar(count: int, peak: int) -> str:
    return "█" * round(BAR_WIDTH * count / peak) if peak else ""


def link(student: str) -> str:
    return f"[{md_text(student)}](reports/{quote(report_stem(student) + '.md', safe='')})"


def render(batch: BatchResult, lang: str | None = None, similar: Iterable[Any] | None = None) -> str:
    view = summary_view(batch, lang, similar)
    t = translator(view.lang)
    return environment(False).get_template("summary.md.j2").render(
        v=view, batch=batch, hist_rows=list(zip(view.histogram.labels(), view.histogram.counts)), t=t, status=lambda s: status_label(t, s), mistakes_of=student_mistakes, percent=percent, bar=bar, link=link,
        inline=STUDENTS_INLINE, clip=lambda s: clip_text(" ".join(str(s).split()), REASON_CHARS))
