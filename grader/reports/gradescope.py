"""`results.json` for Gradescope's autograder harness.

The format Gradescope documents for `/autograder/results/results.json`: a top-level `score`
(which Gradescope takes as the submission's score), a plain-text `output` shown above the
tests, and one entry per test with `name`, `score`, `max_score`, `status`
("passed"/"failed"), `output` (the feedback and the smallest counterexample) and
`visibility`. Public tests are `visible`; hidden tests (`TestResult.public` False, run only
by `grade`) are `after_published`, so students see them once the instructor publishes the
grades. Diagnosed mistakes become tags and are explained in the output; `extra_data` keeps
what an instructor needs to reproduce the run (version, seed, sha256 of the submission).
"""
from __future__ import annotations

import json

from grader.model import PartResult, SubmissionResult, TestResult
from grader.reports.view import counterexample_lines, num, report_lang, translator

VISIBLE = "visible"
HIDDEN = "after_published"
# Gradescope shows test output in a <pre>; a long counterexample still has to stay readable.
OUTPUT_CHARS = 20_000


def visibility(test: TestResult) -> str:
    return VISIBLE if test.public else HIDDEN


def _clip(text: str, limit: int = OUTPUT_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def output_of(part: PartResult, test: TestResult, t) -> str:
    if test.passed:
        return test.message
    lines = [test.message]
    for diagnosis in part.diagnoses:
        lines += ["", f"{t('report.diagnosis')}: {diagnosis.title} ({diagnosis.id})", diagnosis.explanation,
                  f"{t('report.hint')}: {diagnosis.hint}"]
    lines += counterexample_lines(test.counterexample, t)
    return _clip("\n".join(lines))


def summary(result: SubmissionResult, t) -> str:
    lines = [t("gradescope.summary", score=num(result.score), max_score=num(result.max_score))]
    if result.error is not None:
        lines += ["", f"{t('report.could_not_grade')} ({result.error.kind}):", result.error.message]
        return "\n".join(lines)
    if any(not x.public for p in result.parts for x in p.tests):
        lines.append(t("gradescope.hidden_note"))
    for part in result.parts:
        lines.append(f"  {part.name}: {num(part.score)} / {num(part.max_score)}"
                     + (f"  [{', '.join(part.misconceptions)}]" if part.misconceptions else ""))
    return "\n".join(lines)


def results(result: SubmissionResult) -> dict:
    """The results.json document as a dict."""
    t = translator(report_lang(result.lang))
    tests = []
    for p_index, part in enumerate(result.parts, start=1):
        for t_index, test in enumerate(part.tests, start=1):
            tests.append({
                "name": f"{part.name}: {test.name}",
                "number": f"{p_index}.{t_index}",
                "score": float(test.score),
                "max_score": float(test.max_score),
                "status": "passed" if test.passed else "failed",
                "output": output_of(part, test, t),
                "tags": [part.name, *part.misconceptions],
                "visibility": visibility(test),
            })
    return {
        "score": float(result.score),
        "execution_time": round(float(result.duration_seconds), 3),
        "output": summary(result, t),
        "output_format": "text",
        "test_output_format": "text",
        "visibility": VISIBLE,
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "assignment": result.assignment, "student": result.student, "status": result.status,
            "max_score": float(result.max_score), "submission_sha256": result.submission_sha256,
            "grader_version": result.grader_version, "seed": result.seed, "mode": result.mode,
            "error": {"kind": result.error.kind, "message": result.error.message} if result.error else None,
            "misconceptions": {p.name: list(p.misconceptions) for p in result.parts if p.misconceptions},
        },
    }


def render(result: SubmissionResult) -> str:
    return json.dumps(results(result), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
