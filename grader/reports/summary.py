"""`summary.html`: the class at a glance (scores, per-part means, common mistakes, errors),
self-contained and in the batch's language."""
from __future__ import annotations

from collections import Counter
from urllib.parse import quote

from grader.model import BatchResult
from grader.reports.templating import render as render_template
from grader.reports.view import batch_lang, translator


def part_means(batch: BatchResult) -> list[tuple[str, float, float]]:
    """(part, mean score, max score) over the submissions that could be graded."""
    rows = []
    for name in batch.part_names:
        parts = [p for e in batch.entries if e.result.error is None for p in e.result.parts if p.name == name]
        mean = sum(p.score for p in parts) / len(parts) if parts else 0.0
        rows.append((name, round(mean, 2), parts[0].max_score if parts else 0.0))
    return rows


def mistakes_by_part(batch: BatchResult) -> dict[str, list[tuple[str, int]]]:
    """Per part, how many submissions showed each diagnosed mistake, most common first."""
    counts: dict[str, Counter] = {}
    for e in batch.entries:
        for p in e.result.parts:
            counts.setdefault(p.name, Counter()).update(set(p.misconceptions))
    return {name: c.most_common() for name, c in counts.items()}


def report_href(student: str) -> str:
    """The link to a submission's report, percent-encoded (ids may be Korean or hold spaces, # or ?)."""
    return "reports/" + quote(f"{student}.html", safe="")


def status_label(t, status: str) -> str:
    return {"graded": t("summary.status_graded"), "error": t("summary.status_error")}.get(status, status)


def render(batch: BatchResult, lang: str | None = None) -> str:
    lang = batch_lang(batch, lang)
    graded = [e for e in batch.entries if e.result.error is None]
    mean_total = sum(e.result.score for e in graded) / len(graded) if graded else 0.0
    max_total = max((e.result.max_score for e in batch.entries), default=0.0)
    t = translator(lang)
    return render_template("summary.html.j2", batch=batch, means=part_means(batch), lang=lang, t=t,
                           status=lambda s: status_label(t, s), mistakes=mistakes_by_part(batch), href=report_href,
                           graded=graded, mean_total=mean_total, max_total=max_total,
                           errors=[e for e in batch.entries if e.result.error is not None])
