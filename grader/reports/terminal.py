"""The terminal summary of `check` and `grade`: one row per part, its score, the first thing
to fix and the diagnosed mistakes, in the report's language; then the first failing test in
full (message, mistake, smallest input, a call that reproduces it), so a student can start
fixing without opening a report.

Student ids, file names and messages are printed inert: a character the terminal would act on
instead of showing (an escape sequence, another control character, a bidirectional override,
a lone surrogate) is printed as its Python escape, `\\x1b`, so no submission can clear the
screen, paint a score or hide a line."""
from __future__ import annotations

import shutil

from grader.model import PartResult, SubmissionResult
from grader.reports.view import (
    ELLIPSIS,
    TERMINAL_LEVEL,
    counterexample_lines,
    display_width,
    first_fix,
    num,
    pad,
    report_lang,
    translator,
)


def inert(text: str) -> str:
    """`text` with every non-printable character (space aside) shown as its Python escape."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


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


def wrap(text: str, width: int, indent: str = "  ") -> list[str]:
    """Words filled into lines of at most `width` terminal columns (Hangul counts two), each indented."""
    lines, line = [], ""
    for word in map(inert, text.split()):
        candidate = f"{line} {word}" if line else word
        if line and display_width(indent + candidate) > width:
            lines.append(indent + line)
            candidate = word
        line = candidate
    return lines + [indent + line]


def header(result: SubmissionResult) -> str:
    """`rnn-grader check: <student>  score 72.5 / 100`, in the report's language."""
    return translator(report_lang(result.lang))("report.terminal_header", mode=result.mode,
                                                student=inert(result.student), score=num(result.score),
                                                max_score=num(result.max_score))


def render(result: SubmissionResult, width: int | None = None, reports_hint: bool = True) -> str:
    """The summary; rows fit `width` columns (default: the terminal's width, at least 60; 100 when unknown).
    `reports_hint`: end with how to get every failing test in a report (when none was written)."""
    if width is None:
        width = max(60, shutil.get_terminal_size((100, 24)).columns)
    t = translator(report_lang(result.lang))
    lines = [header(result)]
    if result.error:
        message = inert(" ".join(result.error.message.split()))
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
            status = "✗ " + ids + inert(" ".join(fix.split()))
        row = f"  {p.name:<{name_w}}  {pad(f'{num(p.score)} / {num(p.max_score)}', score_w, right=True)}  {status}"
        lines.append(clip_width(row, width))
    failing = next((p for p in result.parts if p.first_failure is not None), None)
    if failing is not None:
        lines += ["", *first_failure_lines(failing, t, width)]
        lines += ["", *wrap(t("report.terminal_more"), width, "")] if reports_hint else []
    return "\n".join(lines) + "\n"


def first_failure_lines(part: PartResult, t, width: int) -> list[str]:
    """The first failing test of `part` in full, wrapped to `width`."""
    test = part.first_failure
    lines = [t("report.terminal_first_failure", part=part.name, test=test.name)]
    lines += wrap(test.message, width)
    for d in part.diagnoses:
        lines += wrap(f"{t('report.diagnosis')}: {d.title} [{d.id}]. {d.explanation}", width)
        lines += wrap(f"{t('report.hint')}: {d.hint}", width)
    for line in counterexample_lines(test.counterexample, t, TERMINAL_LEVEL):
        lines += [("  " + inert(row)) if row else "" for row in line.split("\n")]
    return lines
