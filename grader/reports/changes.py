"""What changed between two checks of the same work, for `check --watch`: after each save the
student sees only the tests that now pass or now fail and the scores that moved, not the whole
table again (the first check prints it whole).

A result that could not be graded has no tests to compare: the change is then the whole new
summary (after an error, or into one), so nothing is hidden. Messages are printed inert."""
from __future__ import annotations

from grader.model import SubmissionResult
from grader.reports.terminal import clip_width, inert, render
from grader.reports.view import num, report_lang, translator

MESSAGE_COLUMNS = 160  # a newly failing test's message, on one line: the full one is a `check` away


def _tests(result: SubmissionResult) -> dict[tuple[str, str], bool]:
    return {(p.name, t.name): t.passed for p in result.parts for t in p.tests}


def changes(before: SubmissionResult, after: SubmissionResult) -> str:
    """The lines saying how `after` differs from `before`; one line when nothing did."""
    t = translator(report_lang(after.lang))
    if before.error is not None or after.error is not None or not before.parts:
        return render(after, reports_hint=False)
    lines = []
    old_parts = {p.name: p for p in before.parts}
    old_tests = _tests(before)
    for part in after.parts:
        old = old_parts.get(part.name)
        if old is None or old.score != part.score:
            lines.append(t("watch.part_score", part=part.name, before=num(old.score) if old else "–",
                           after=num(part.score), max_score=num(part.max_score)))
        for test in part.tests:
            was = old_tests.get((part.name, test.name))
            if test.passed and was is False:
                lines.append(t("watch.now_passes", part=part.name, test=test.name))
            elif not test.passed and was is not False:
                message = clip_width(inert(" ".join(test.message.split())), MESSAGE_COLUMNS)
                lines.append(t("watch.now_fails", part=part.name, test=test.name, message=message))
    score = t("watch.score", before=num(before.score), after=num(after.score), max_score=num(after.max_score))
    if not lines and before.score == after.score:
        return t("watch.no_change", score=num(after.score), max_score=num(after.max_score)) + "\n"
    return "\n".join([score, *lines]) + "\n"
