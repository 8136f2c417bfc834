"""`result.json` for Classroom 50 (schema `classroom50/result/v1`): whole-number points, exactly.

Classroom 50 records `score` and `max-score` as integers (sums of the tests' integer `score` and
`max-score`), while a part's points are split over its tests in shares rounded to 4 places
(10 points over 7 tests: 1.4286, 1.4285, ...). Rounding each share to a whole point would
change totals and silently drop partial credit, so every share is counted in units of
1/`scale` point instead, `scale` being the smallest power of ten that makes every share
whole (1 for whole shares, at most 10**4): the integers are our points times `scale`, exactly,
and `score / scale` is our score. Each test also keeps its exact points (`points`,
`max-points`) and the `scale`, which Classroom 50 stores verbatim; the top level takes no
extra fields (the runner rejects them).

One Classroom 50 test per test of ours (`part: test`), with the feedback as its `message`.
"""
from __future__ import annotations

from typing import Any

from grader.model import SubmissionResult
from grader.reports.view import num, report_lang, translator

SCHEMA = "classroom50/result/v1"
MAX_DECIMALS = 4  # the runner's test shares are rounded to 4 places
EXACT = 1e-6
EXACT_DIGITS = MAX_DECIMALS  # scores shown to the last place the runner keeps


def scale(result: SubmissionResult) -> int:
    """The smallest power of ten that makes every test's maximum a whole number of units."""
    return scale_of([t.max_score for p in result.parts for t in p.tests])


def scale_of(shares: list[float]) -> int:
    for decimals in range(MAX_DECIMALS + 1):
        factor = 10 ** decimals
        if all(abs(s * factor - round(s * factor)) < EXACT for s in shares):
            return factor
    return 10 ** MAX_DECIMALS


def units(points: float, factor: int) -> int:
    return round(points * factor)


def tests(result: SubmissionResult, factor: int) -> list[dict[str, Any]]:
    return [{"test-name": f"{part.name}: {test.name}", "passed": test.passed,
             "score": units(test.score, factor), "max-score": units(test.max_score, factor),
             "points": test.score, "max-points": test.max_score, "scale": factor, "part": part.name,
             "public": test.public, "misconceptions": list(part.misconceptions), "message": test.message}
            for part in result.parts for test in part.tests]


def document(result: SubmissionResult, identity: dict[str, str], submitted_at: str, graded_at: str) -> dict[str, Any]:
    """The result.json document. `identity`: classroom, assignment, submission, commit, release, review
    (and owner, assignment_type when known) as Classroom 50's runner gives them; times in UTC ISO 8601."""
    rows = tests(result, scale(result))
    return {"schema": SCHEMA, **identity, "datetime": submitted_at, "graded_at": graded_at,
            "score": sum(t["score"] for t in rows), "max-score": sum(t["max-score"] for t in rows), "tests": rows}


def status(document_: dict[str, Any]) -> str:
    """The commit status Classroom 50 posts: success when every test passed, else failure."""
    return "success" if all(t["passed"] for t in document_["tests"]) else "failure"


def summary(result: SubmissionResult, document_: dict[str, Any]) -> str:
    """One line for the commit status and the Release title: our points and Classroom 50's units."""
    t = translator(report_lang(result.lang))
    line = t("classroom50.summary", score=num(result.score, EXACT_DIGITS), max_score=num(result.max_score, EXACT_DIGITS))
    factor = scale(result)
    if factor > 1:
        line += " " + t("classroom50.units", score=document_["score"], max_score=document_["max-score"], scale=factor)
    return " ".join(line.split())


def release_note(result: SubmissionResult, document_: dict[str, Any]) -> str:
    """A paragraph for the end of the Release body when Classroom 50 shows other numbers than the report."""
    factor = scale(result)
    if factor == 1:
        return ""
    t = translator(report_lang(result.lang))
    return t("classroom50.units_note", score=document_["score"], max_score=document_["max-score"], scale=factor,
             points=num(result.score, EXACT_DIGITS), max_points=num(result.max_score, EXACT_DIGITS))
