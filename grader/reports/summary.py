"""`summary.html`: the class at a glance, self-contained and in the batch's language.

Score histogram (an inline PNG), per-part mean and pass rate, the most frequent diagnosed
mistakes with the students who made them, every submission, the submissions that could not
be graded and why, and (with `--similarity`) pairs of near-identical submissions.
`summary_md.py` renders the same view as Markdown. Both read only the model.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable
from urllib.parse import quote

from grader.model import BatchEntry, BatchResult
from grader.reports.filenames import report_stem
from grader.reports.templating import render as render_template
from grader.reports.view import batch_lang, num, translator

SIMILAR_SHOWN = 50       # pairs listed in the summary; all of them are in similarity.csv
STUDENTS_INLINE = 12     # students named per mistake before the rest fold away
BINS = 10


def part_means(batch: BatchResult) -> list[tuple[str, float, float]]:
    """(part, mean score, max score) over the submissions that could be graded."""
    rows = []
    for name in batch.part_names:
        parts = [p for e in batch.entries if e.result.error is None for p in e.result.parts if p.name == name]
        mean = sum(p.score for p in parts) / len(parts) if parts else 0.0
        rows.append((name, round(mean, 2), parts[0].max_score if parts else 0.0))
    return rows


@dataclass(frozen=True)
class PartStats:
    name: str
    mean: float
    max_score: float
    pass_rate: float | None      # share of graded submissions that passed every test of the part
    mistakes: tuple[tuple[str, int], ...]


def _full(score: float, max_score: float) -> bool:
    return max_score > 0 and score >= max_score - 1e-9


def part_stats(batch: BatchResult) -> list[PartStats]:
    mistakes = mistakes_by_part(batch)
    graded = [e.result for e in batch.entries if e.result.error is None]
    out = []
    for name, mean, max_score in part_means(batch):
        parts = [p for r in graded for p in r.parts if p.name == name]
        rate = sum(_full(p.score, p.max_score) for p in parts) / len(parts) if parts else None
        out.append(PartStats(name, mean, max_score, rate, tuple(mistakes.get(name, ()))))
    return out


def mistakes_by_part(batch: BatchResult) -> dict[str, list[tuple[str, int]]]:
    """Per part, how many submissions showed each diagnosed mistake, most common first."""
    counts: dict[str, Counter] = {}
    for e in batch.entries:
        for p in e.result.parts:
            counts.setdefault(p.name, Counter()).update(set(p.misconceptions))
    return {name: sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) for name, c in counts.items()}


def student_mistakes(result) -> tuple[str, ...]:
    """The mistakes diagnosed in one submission, each once: the same mistake often shows in several
    parts (a backward pass without the carry also breaks the gradient norms), but the student made it once."""
    return tuple(dict.fromkeys(i for p in result.parts for i in p.misconceptions))


@dataclass(frozen=True)
class Mistake:
    """A diagnosed mistake across the class: which, in which parts, how many students, who."""

    id: str
    title: str
    parts: tuple[str, ...]
    students: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.students)


def frequent_mistakes(batch: BatchResult) -> list[Mistake]:
    """Every diagnosed mistake, most students first (then by id); each student counted once."""
    titles: dict[str, str] = {}
    parts: dict[str, list[str]] = {}
    students: dict[str, list[str]] = {}
    for e in batch.entries:
        for p in e.result.parts:
            for d in p.diagnoses:
                titles.setdefault(d.id, d.title)
                if p.name not in parts.setdefault(d.id, []):
                    parts[d.id].append(p.name)
                if e.student not in students.setdefault(d.id, []):
                    students[d.id].append(e.student)
    found = [Mistake(i, titles[i], tuple(parts[i]), tuple(students[i])) for i in titles]
    return sorted(found, key=lambda m: (-m.count, m.id))


@dataclass(frozen=True)
class Histogram:
    edges: tuple[float, ...]       # BINS + 1 edges from 0 to the maximum score
    counts: tuple[int, ...]        # submissions per bin; the last bin includes the maximum

    @property
    def peak(self) -> int:
        return max(self.counts, default=0)

    def labels(self) -> list[str]:
        return [f"{num(lo)}–{num(hi)}" for lo, hi in zip(self.edges, self.edges[1:])]


def histogram(batch: BatchResult, bins: int = BINS) -> Histogram:
    """Scores of the graded submissions in `bins` equal ranges of 0..max score."""
    graded = [e.result for e in batch.entries if e.result.error is None]
    top = max((e.result.max_score for e in batch.entries), default=0.0) or 100.0
    edges = tuple(round(top * i / bins, 6) for i in range(bins + 1))
    counts = [0] * bins
    for r in graded:
        score = r.score if isinstance(r.score, (int, float)) and math.isfinite(r.score) else 0.0
        index = min(bins - 1, max(0, int(score / top * bins))) if top > 0 else 0
        counts[index] += 1
    return Histogram(edges, tuple(counts))


def median(values: Iterable[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def report_href(student: str) -> str:
    """The link to a submission's report, percent-encoded (ids may be Korean or hold spaces, # or ?)."""
    return "reports/" + quote(f"{report_stem(student)}.html", safe="")


def status_label(t, status: str) -> str:
    return {"graded": t("summary.status_graded"), "error": t("summary.status_error")}.get(status, status)


@dataclass
class SummaryView:
    """Everything both summaries show, computed once."""

    batch: BatchResult
    lang: str
    graded: list[BatchEntry]
    errors: list[BatchEntry]
    mean_total: float
    median_total: float | None
    max_total: float
    parts: list[PartStats]
    mistakes: list[Mistake]
    histogram: Histogram
    similar: list[Any] | None            # None: similarity was not asked for
    similar_total: int = 0
    means: list[tuple[str, float, float]] = field(default_factory=list)
    late: bool = False                   # a deadline is set: every entry has its lateness


def summary_view(batch: BatchResult, lang: str | None = None, similar: Iterable[Any] | None = None) -> SummaryView:
    lang = batch_lang(batch, lang)
    graded = [e for e in batch.entries if e.result.error is None]
    pairs = list(similar) if similar is not None else None
    return SummaryView(
        batch=batch, lang=lang, graded=graded, errors=[e for e in batch.entries if e.result.error is not None],
        mean_total=sum(e.result.score for e in graded) / len(graded) if graded else 0.0,
        median_total=median(e.result.score for e in graded),
        max_total=max((e.result.max_score for e in batch.entries), default=0.0),
        parts=part_stats(batch), mistakes=frequent_mistakes(batch), histogram=histogram(batch),
        similar=pairs[:SIMILAR_SHOWN] if pairs is not None else None, similar_total=len(pairs or ()),
        means=part_means(batch), late=bool(batch.entries) and all(e.late is not None for e in batch.entries))


def percent(x: float | None) -> str:
    return "–" if x is None else f"{round(100 * x):d}%"


def render(batch: BatchResult, lang: str | None = None, similar: Iterable[Any] | None = None) -> str:
    """The summary page. `similar`: SimilarPair-like objects (a, b, score, identical), when asked for."""
    view = summary_view(batch, lang, similar)
    t = translator(view.lang)
    from grader.reports.summary_plot import histogram_png

    try:
        plot = histogram_png(view.histogram, t("summary.histogram_x"), t("summary.histogram_y")) \
            if view.graded else None
    except Exception:  # noqa: BLE001  (a plot that cannot be drawn costs the picture, never the summary)
        plot = None
    return render_template("summary.html.j2", v=view, batch=batch, lang=view.lang, t=t,
                           status=lambda s: status_label(t, s), href=report_href, mistakes_of=student_mistakes, percent=percent, plot=plot,
                           inline=STUDENTS_INLINE, graded=view.graded, errors=view.errors,
                           mean_total=view.mean_total, max_total=view.max_total)
