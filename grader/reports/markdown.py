"""`<id>.md`: a report that fits a GitHub PR comment or job summary.

Whatever the submission did, the file stays under MAX_BYTES: the renderer tries ever
shorter counterexamples (view.MD_LEVELS) and, as a last resort, cuts the text and says so.
"""
from __future__ import annotations

from grader.model import SubmissionResult
from grader.reports.templating import md_text
from grader.reports.templating import render as render_template
from grader.reports.view import MD_LEVELS, report_view, translator

# A GitHub comment holds 65,536 characters; stay well below it even in bytes.
MAX_BYTES = 60_000


def render(result: SubmissionResult, max_bytes: int = MAX_BYTES) -> str:
    text = ""
    for index, (first, rest) in enumerate(MD_LEVELS):
        view = report_view(result, first, rest)
        text = render_template("report.md.j2", v=view, t=translator(view.lang), shortened=index > 0)
        if len(text.encode("utf-8")) <= max_bytes:
            return text
    return _cut(text, translator(view.lang), view.footer, max_bytes)


def _cut(text: str, t, footer: str, max_bytes: int) -> str:
    """Keep whole lines up to the cap (closing any open code block), then a note and the footer."""
    tail = f"\n\n_{t('report.cut')}_\n\n<sub>{md_text(footer)}</sub>\n"
    budget = max_bytes - len(tail.encode("utf-8")) - 16
    kept, used, fence, details = [], 0, None, 0
    for line in text.splitlines():
        size = len(line.encode("utf-8")) + 1
        if used + size > budget:
            break
        kept.append(line)
        used += size
        stripped = line.strip()
        if fence is None and stripped.startswith("<details>"):
            details += 1
        elif fence is None and stripped == "</details>":
            details = max(0, details - 1)
        if stripped.startswith("```"):
            ticks = stripped[: len(stripped) - len(stripped.lstrip("`"))]
            if fence is None:
                fence = ticks
            elif ticks == fence and stripped == ticks:
                fence = None
    if fence is not None:
        kept.append(fence)
    kept.extend(["", "</details>"] * details)
    return "\n".join(kept) + tail
