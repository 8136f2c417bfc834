"""`gradebook.csv`: one row per submission, one column per part (CONTRACT §4), UTF-8; text cells
neutralised for spreadsheets (see spreadsheet.py). With a deadline, the lateness columns follow
the parts: when it was submitted and by which source, the student's deadline, the lateness, the
penalty and the final score, beside the raw `score`.

Rows end in CRLF (RFC 4180): the csv module quotes a field holding any character of the line
terminator, so an id with a carriage return in it (a file name may have one) is quoted instead
of splitting its row in two."""
from __future__ import annotations

import csv
import io
from typing import Iterable, Sequence

from grader.model import Lateness, SubmissionResult
from grader.reports.spreadsheet import text_cell

FIXED = ("student", "score", "max_score", "status")
LATE = ("submitted_at", "time_source", "deadline", "extended", "late_hours", "late_days", "penalty", "final_score")


def late_cells(late: Lateness) -> list:
    return [late.submitted_at, late.time_source, late.deadline, "yes" if late.extended else "no", late.late_hours,
            late.late_days, late.penalty, late.final_score]


def render(results: Iterable[SubmissionResult], part_names: tuple[str, ...],
           lateness: Sequence[Lateness] | None = None) -> str:
    """The CSV; `lateness` (one per result, in order) adds the lateness columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FIXED + part_names + (LATE if lateness is not None else ()))
    for index, r in enumerate(results):
        writer.writerow(_cells(r, part_names, lateness[index] if lateness is not None else None))
    return buffer.getvalue()


def render_row(result: SubmissionResult, part_names: tuple[str, ...], lateness: Lateness | None = None) -> str:
    """One row, as `render` writes it: what a batch appends as each submission finishes."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(_cells(result, part_names, lateness))
    return buffer.getvalue()


def _cells(r: SubmissionResult, part_names: tuple[str, ...], late: Lateness | None) -> list:
    scores = {p.name: p.score for p in r.parts}
    return ([text_cell(r.student), r.score, r.max_score, r.status] + [scores.get(n, 0.0) for n in part_names] +
            (late_cells(late) if late is not None else []))
