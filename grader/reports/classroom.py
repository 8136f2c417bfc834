"""`<id>.classroom.json`: a runner result for GitHub Classroom's autograding reporter.

GitHub Classroom's reporter action (`classroom-resources/autograding-grading-reporter`)
reads, for every runner id listed in its `runners` input, an environment variable
`<RUNNER>_RESULTS` holding base64-encoded JSON of this shape (the one its own graders, e.g.
`autograding-command-grader`, emit): `version`, `status` ("pass", "fail" or "error"),
`max_score` and `tests`, each test with `name`, `status`, `score` and `message`. The points
it sends to Classroom are the sum of the tests' `score` out of the runners' `max_score`
(points awarded / points available), so one test per part carries the part's score and
Classroom shows the same total as `rnn-grader check`.
"""
from __future__ import annotations

import json

from grader.model import SubmissionResult
from grader.reports.view import first_fix, num, report_lang, translator


def result(submission: SubmissionResult) -> dict:
    t = translator(report_lang(submission.lang))
    broken = submission.error is not None
    tests = []
    for part in submission.parts:
        fix = first_fix(part)
        passed = not broken and fix is None
        message = (t("ci.classroom_passed", score=num(part.score), max_score=num(part.max_score)) if passed else
                   t("ci.classroom_failed", score=num(part.score), max_score=num(part.max_score),
                     fix=" ".join((submission.error.message if broken else fix or "").split())))
        tests.append({
            "name": part.name,
            "status": "error" if broken else "pass" if passed else "fail",
            "score": float(part.score),
            "message": message,
            "test_code": f"rnn-grader {submission.mode} ({part.name})",
            "filename": "",
            "line_no": 0,
            "duration": 0,
        })
    status = "error" if broken else "pass" if all(x["status"] == "pass" for x in tests) else "fail"
    return {"version": 1, "status": status, "max_score": float(submission.max_score), "tests": tests}


def render(submission: SubmissionResult) -> str:
    return json.dumps(result(submission), ensure_ascii=False) + "\n"
