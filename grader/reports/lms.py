"""Gradebook variants an LMS imports as they are: `gradebook-canvas.csv`, `gradebook-moodle.csv`.

Both read only the batch result. Who a row belongs to comes from the student id, which is
the submission's file or folder name, and both LMSs put their own identifiers into the names
of the files they hand out, so submissions downloaded in bulk map back without a roster:

Canvas ("Download Submissions": `<name>_[LATE_]<user id>_<submission id>_<file>`) → the
Canvas Gradebook import CSV: `Student, ID, SIS User ID, SIS Login ID, Section, <assignment>`.
Canvas matches rows on ID (its user id) or the SIS columns; a new assignment column creates
the assignment. A student id not in Canvas's naming goes into `SIS Login ID` (name your
submissions by login and they match), and the row's `ID` stays empty.

Moodle (assignment "Download all submissions": `<full name>_<participant id>_assignsubmission_file...`)
→ the assignment's offline grading worksheet (Assignment → "Upload grading worksheet"):
`Identifier` (`Participant <id>`), `Full name`, `Email address`, `Grade`, `Maximum Grade`,
`Last modified (grade)`, `Feedback comments`. Another student id is written as the
Identifier unchanged.

Text cells that a spreadsheet would run as a formula (an id like `=HYPERLINK(...)`) get a
leading `'` (spreadsheet.py); scores stay numbers.

With a deadline, the score both LMSs import is the final score (after the late penalty). Moodle's
feedback comment says how it was reached (raw score, lateness, penalty); Canvas's import has no
column for that (any column it does not know becomes an assignment), so `gradebook.csv` keeps it.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from typing import Callable

from grader.model import BatchEntry, BatchResult, Lateness, SubmissionResult
from grader.reports.spreadsheet import text_cell
from grader.reports.view import num, report_lang, translator

CANVAS_FIXED = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_COLUMNS = ("Identifier", "Full name", "Email address", "Grade", "Maximum Grade", "Last modified (grade)",
                  "Feedback comments")
DEFAULT_COLUMN = "RNN assignment"

CANVAS_NAME = re.compile(r"^(?P<name>[^_]+)_(?:late_)?(?P<user>\d+)_(?P<submission>\d+)(?:_.*)?$", re.I)
MOODLE_NAME = re.compile(r"^(?P<name>.+?)_(?P<participant>\d+)_assign(?:submission|feedback)_\w*$")


def _writer() -> tuple[io.StringIO, csv.writer]:
    buffer = io.StringIO()
    return buffer, csv.writer(buffer, lineterminator="\r\n")


def canvas_identity(student: str) -> dict[str, str]:
    """The identity columns of a Canvas row for a student id."""
    match = CANVAS_NAME.match(student)
    if match:
        return {"Student": match["name"], "ID": match["user"], "SIS User ID": "", "SIS Login ID": "", "Section": ""}
    return {"Student": student, "ID": "", "SIS User ID": "", "SIS Login ID": student, "Section": ""}


def moodle_identity(student: str) -> dict[str, str]:
    match = MOODLE_NAME.match(student)
    if match:
        return {"Identifier": f"Participant {match['participant']}", "Full name": match["name"]}
    return {"Identifier": student, "Full name": student}


def final_score(entry: BatchEntry) -> float:
    """What the LMS records: the score after the late penalty, when a deadline is set."""
    return entry.late.final_score if entry.late is not None else entry.result.score


def late_note(result: SubmissionResult, late: Lateness | None) -> str:
    """The lateness in the student's language, for the feedback column (empty when not late)."""
    if late is None or not late.late_hours:
        return ""
    t = translator(report_lang(result.lang))
    return t("lms.late_note", hours=num(late.late_hours), days=late.late_days, penalty=num(late.penalty, 4),
             score=num(result.score, 4), final=num(late.final_score, 4), deadline=late.deadline)


def feedback(result: SubmissionResult) -> str:
    """One line for the LMS's feedback column: the total, then every part not at full marks."""
    if result.error is not None:
        return f"rnn-grader: {num(result.score)} / {num(result.max_score)}; {result.error.kind}: " + \
            " ".join(result.error.message.split())[:300]
    missing = [f"{p.name} {num(p.score)}/{num(p.max_score)}" + (f" ({', '.join(p.misconceptions)})"
                                                              if p.misconceptions else "")
               for p in result.parts if p.score < p.max_score]
    return f"rnn-grader: {num(result.score)} / {num(result.max_score)}" + (f"; {'; '.join(missing)}" if missing else "")


def canvas(batch: BatchResult, column: str = DEFAULT_COLUMN) -> str:
    buffer, writer = _writer()
    writer.writerow(CANVAS_FIXED + (column,))
    for entry in batch.entries:
        who = canvas_identity(entry.student)
        writer.writerow([text_cell(who[c]) for c in CANVAS_FIXED] + [num(final_score(entry))])
    return buffer.getvalue()


def moodle(batch: BatchResult, column: str = DEFAULT_COLUMN, now: datetime | None = None) -> str:
    del column  # the worksheet belongs to one assignment: its grade column is always `Grade`
    stamp = (now or datetime.now()).strftime("%Y-%m-%d %H:%M")
    buffer, writer = _writer()
    writer.writerow(MOODLE_COLUMNS)
    for entry in batch.entries:
        who = moodle_identity(entry.student)
        r = entry.result
        comment = " ".join(filter(None, (late_note(r, entry.late), feedback(r))))
        writer.writerow([text_cell(who["Identifier"]), text_cell(who["Full name"]), "", num(final_score(entry)),
                         num(r.max_score), stamp, text_cell(comment)])
    return buffer.getvalue()


LMS: dict[str, Callable[..., str]] = {"canvas": canvas, "moodle": moodle}


def file_name(lms: str) -> str:
    return f"gradebook-{lms}.csv"
