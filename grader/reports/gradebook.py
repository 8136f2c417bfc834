"""`gradebook.csv`: one row per submission, one column per part (CONTRACT §4), UTF-8; text cells
neutralised for spreadsheets (see spreadsheet.py).

Rows end in CRLF (RFC 4180): the csv module quotes a field holding any character of the line
terminator, so an id with a carriage return in it (a file name may have one) is quoted instead
of splitting its row in two."""
from __future__ import annotations

import csv
import io
from typing import Iterable

from grader.model import SubmissionResult
from grader.reports.spreadsheet import text_cell

FIXED = ("student", "score", "max_score", "status")


def render(results: Iterable[SubmissionResult], part_names: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FIXED + part_names)
    for r in results:
        scores = {p.name: p.score for p in r.parts}
        writer.writerow([text_cell(r.student), r.score, r.max_score, r.status] +
                        [scores.get(n, 0.0) for n in part_names])
    return buffer.getvalue()
