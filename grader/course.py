"""The course file (`rnn-grader batch --course course.toml`): a batch's deadline and late policy.

    [deadline]
    due = "2026-03-15 23:59"          # a wall-clock time in `timezone` (or with its UTC offset)
    timezone = "Asia/Seoul"           # an IANA zone name
    grace_minutes = 10                # optional: lateness up to this costs nothing (default 0)
    penalty_per_day = 10              # optional: percent of the maximum score per started late day (default 0)
    max_penalty = 50                  # optional: percent, the most lateness can cost (default 100)
    extensions = "extensions.csv"     # optional: student,deadline rows (a header row is allowed)
    submission_times = "moodle.csv"   # optional: an LMS export with a submitted-at column

Paths are relative to the course file. Every problem is one line naming the file, the field
or the row, and what to write instead.
"""
from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from grader import submission_times
from grader.deadlines import UNKNOWN, DeadlineError, Policy, parse_time, student_key
from grader.model import Lateness, SubmissionResult
from grader.submission_times import SubmissionTime

FIELDS = {"due", "timezone", "grace_minutes", "penalty_per_day", "max_penalty", "extensions", "submission_times"}
ID_COLUMNS = ("student", "id", "identifier", "username", "login", "sis login id", "sis user id")
TIME_COLUMNS = ("submitted_at", "submitted at", "submitted", "submission time", "last modified (submission)",
                "created_at", "date submitted")
MOODLE_TIME = "%A, %d %B %Y, %I:%M %p"  # Moodle's worksheet: "Sunday, 15 March 2026, 11:59 PM"


class CourseError(DeadlineError):
    """The course file, or a file it names, cannot be used."""


@dataclass(frozen=True)
class Course:
    policy: Policy
    submission_times: Mapping[str, datetime] = field(default_factory=dict)  # student_key(id) -> submitted at

    def submission_time(self, entry: Path, student: str, names: tuple[str, ...]) -> SubmissionTime | None:
        return submission_times.find(entry, student, self.submission_times, names)

    def assess(self, result: SubmissionResult, time: SubmissionTime | None) -> Lateness:
        return self.policy.assess(result.student, time.when if time else None, time.source if time else UNKNOWN,
                                  result.score, result.max_score)


def _read_rows(path: Path, what: str) -> list[list[str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CourseError(f"{path}: the {what} file cannot be read ({exc}); save it as a UTF-8 CSV") from None


def read_extensions(path: Path, zone: ZoneInfo) -> dict[str, datetime]:
    """`student,deadline` rows (the first row may be a header) → each student's own deadline."""
    rows = _read_rows(path, "extensions")
    if rows and rows[0][0].strip().casefold() in ID_COLUMNS:
        rows = rows[1:]
    found = {}
    for number, row in enumerate(rows, start=1):
        if len(row) < 2 or not row[0].strip():
            raise CourseError(f"{path}: row {number}: needs a student id and a deadline, e.g. kim,2026-03-18 23:59")
        found[student_key(row[0])] = parse_time(row[1], zone, f"{path}: row {number}")
    return found


def _time_cell(text: str, zone: ZoneInfo, where: str) -> datetime:
    try:
        return parse_time(text, zone, where)
    except DeadlineError:
        try:
            return parse_time(datetime.strptime(text.strip(), MOODLE_TIME).isoformat(), zone, where)
        except ValueError:
            raise CourseError(f"{where}: {text!r} is not a time this reader knows; export ISO 8601 times "
                              f"(2026-03-15 23:59) or Moodle's ({datetime(2026, 3, 15, 23, 59):{MOODLE_TIME}})") from None


def read_submission_times(path: Path, zone: ZoneInfo) -> dict[str, datetime]:
    """An LMS export's id and submitted-at columns → when each student submitted (rows without a time are skipped)."""
    rows = _read_rows(path, "submission times")
    header = [cell.strip().casefold() for cell in rows[0]] if rows else []
    id_column = next((header.index(c) for c in ID_COLUMNS if c in header), None)
    time_column = next((header.index(c) for c in TIME_COLUMNS if c in header), None)
    if id_column is None or time_column is None:
        raise CourseError(f"{path}: needs a header with an id column ({', '.join(ID_COLUMNS)}) and a time column "
                          f"({', '.join(TIME_COLUMNS)})")
    found = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = row + [""] * (max(id_column, time_column) + 1 - len(row))
        if cells[id_column].strip() and cells[time_column].strip() not in ("", "-"):
            found[student_key(cells[id_column])] = _time_cell(cells[time_column], zone, f"{path}: row {number}")
    return found


def _number(table: dict[str, Any], key: str, path: Path, default: float, most: float | None = None) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (most is not None and value > most):
        bound = f" and at most {most:g}" if most is not None else ""
        raise CourseError(f"{path}: deadline.{key}: must be a number from 0{bound}, got {value!r}")
    return float(value)


def load(path: Path) -> Course:
    """The course file at `path`, with the files it names."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseError(f"{path}: the course file cannot be read ({exc}); check the path") from None
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{path}: not valid TOML ({exc}); fix the course file") from None
    table = raw.get("deadline")
    if not isinstance(table, dict):
        raise CourseError(f"{path}: needs a [deadline] table with at least due and timezone")
    unknown = sorted(set(table) - FIELDS)
    if unknown:
        raise CourseError(f"{path}: deadline.{unknown[0]}: unknown field; the fields are {', '.join(sorted(FIELDS))}")
    for key in ("due", "timezone"):
        if not isinstance(table.get(key), (str, datetime)):
            raise CourseError(f"{path}: deadline.{key}: missing; e.g. due = \"2026-03-15 23:59\", timezone = \"Asia/Seoul\"")
    try:
        zone = ZoneInfo(table["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        raise CourseError(f"{path}: deadline.timezone: {table['timezone']!r} is not a time zone name; write an IANA "
                          f"name such as Asia/Seoul or America/New_York") from None
    due = table["due"]
    due = parse_time(due.isoformat() if isinstance(due, datetime) else due, zone, f"{path}: deadline.due")
    files = {}
    for key in ("extensions", "submission_times"):
        if key in table and not isinstance(table[key], str):
            raise CourseError(f"{path}: deadline.{key}: must be a file name, relative to the course file")
        files[key] = path.parent / table[key] if key in table else None
    policy = Policy(due, zone, timedelta(minutes=_number(table, "grace_minutes", path, 0)),
                    _number(table, "penalty_per_day", path, 0, 100), _number(table, "max_penalty", path, 100, 100),
                    read_extensions(files["extensions"], zone) if files["extensions"] else {})
    times = read_submission_times(files["submission_times"], zone) if files["submission_times"] else {}
    return Course(policy, times)
