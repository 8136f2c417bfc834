"""The terminal summary of `check` and `grade`: one row per part, its score, the first thing
to fix and the diagnosed mistakes, in the report's language."""
from __future__ import annotations

import shutil

from grader.model import SubmissionResult
from grader.reports.view import (
    ELLIPSIS,
    display_width,
    first_fix,
    num,
    pad,
    report_lang,
    translator,
)


def clip_width(s: str, width: int) -> str:
    """At most `width` terminal columns (wide characters count two), ellipsis when cut."""
    if display_width(s) <= width:
        return s
    out, used = [], 0
    for c in s:
        w = display_width(c)
        if used + w > width - 1:
            break
        out.append(c)
        used += w
    return "".join(out) + ELLIPSIS


def render(result: SubmissionResult, width: int | None = None) -> str:
    """The summary; rows fit `width` columns (default: the terminal's width, at least 60; 100 when unknown)."""
    if width is None:
        width = max(60, shutil.get_terminal_size((100, 24)).columns)
    t = translator(report_lang(result.lang))
    lines = [t("report.terminal_header", mode=result.mode, student=result.student,
               score=num(result.score), max_score=num(result.max_score))]
    if result.error:
        message = " ".join(result.error.message.split())
        lines.append("  " + clip_width(t("report.could_not_grade") + f" ({result.error.kind}): {message}", width - 2))
        return "\n".join(lines) + "\n"
    if not result.parts:
        return "\n".join(lines) + "\n"
    name_w = max(len(p.name) for p in result.parts)
    score_w = max(display_width(f"{num(p.score)} / {num(p.max_score)}") for p in result.parts)
    for p in result.parts:
        fix = first_fix(p)
        if fix is None:
            status = "✓ " + t("report.ok")
        else:
            ids = "".join(f"[{i}] " for i in p.misconceptions)
            status = "✗ " + ids + " ".join(fix.split())
        row = f"  {p.name:<{name_w}}  {pad(f'{num(p.score)} / {num(p.max_score)}', score_w, right=True)}  {status}"
        lines.append(clip_width(row, width))
    return "\n".join(lines) + "\n"
