"""`gradebook.csv`: one row per submission, one column per part (CONTRACT §4), UTF-8."""
from __future__ import annotations

import csv
import io
from typing import Iterable

from grader.model import SubmissionResult

FIXED = ("student", "score", "max_score", "status")


def render(results: Iterable[SubmissionResult], part_names: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FIXED + part_names)
    for r in results:
        scores = {p.name: p.score for p in r.parts}
        writer.writerow([r.student, r.score, r.max_score, r.status] + [scores.get(n, 0.0) for n in part_names])
    return buffer.getvalue()
