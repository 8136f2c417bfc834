"""When a batch entry was submitted, from what its platform recorded, most trusted first:

1. `classroom50`: the `datetime` of a Classroom 50 `result.json` in the entry's folder (the graded
   commit's committer date, which Classroom 50's runner stamps);
2. `git`: the committer date of the folder's own git checkout (HEAD), e.g. a `gh teacher download` clone;
3. `gradescope`: `created_at` of Gradescope's `submission_metadata.json` in the entry's folder;
4. `lms`: the submitted-at column of an LMS export (the course file's `submission_times`), matched
   by the student id or by the LMS's own id in it (Canvas user id, Moodle participant);
5. `mtime`: the modification time of the submitted file: the weakest, a copy or an unzip changes it.

Every source is read without running anything the student wrote (git_times reads the commit
with plumbing only). A committer date is the one the student's machine set; it is as good as
the platform's own record, no better.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping

from grader import git_times
from grader.deadlines import student_key
from grader.reports.lms import canvas_identity, moodle_identity

CLASSROOM50_RESULT = "result.json"
GRADESCOPE_METADATA = "submission_metadata.json"
MAX_JSON_BYTES = 1 << 20
WEAKEST = "mtime"


@dataclass(frozen=True)
class SubmissionTime:
    when: datetime  # aware
    source: str


def _json_time(path: Path, key: str, expect: dict[str, str] | None = None) -> datetime | None:
    try:
        if not path.is_file() or path.stat().st_size > MAX_JSON_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or any(data.get(k) != v for k, v in (expect or {}).items()):
            return None
        when = datetime.fromisoformat(str(data[key]).replace("Z", "+00:00"))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, RecursionError):
        return None
    return when if when.tzinfo is not None else None


def _modified(entry: Path, names: tuple[str, ...]) -> datetime | None:
    """The newest modification time of the entry's submitted files (the entry itself for a file)."""
    candidates = [entry / name for name in names if (entry / name).is_file()] if entry.is_dir() else [entry]
    try:
        return datetime.fromtimestamp(max(p.stat().st_mtime for p in candidates or [entry]), timezone.utc)
    except (OSError, ValueError):
        return None


def lms_keys(student: str) -> set[str]:
    """The ids an LMS export may know this student by."""
    return {student_key(k) for k in (student, canvas_identity(student)["ID"], moodle_identity(student)["Identifier"])
            if k}


def find(entry: Path, student: str, lms: Mapping[str, datetime], names: tuple[str, ...]) -> SubmissionTime | None:
    """The submission time of one batch entry, with its source; None when nothing dates it."""
    entry = Path(entry)
    if entry.is_dir() and not entry.is_symlink():
        for source, when in (
                ("classroom50", lambda: _json_time(entry / CLASSROOM50_RESULT, "datetime",
                                                   {"schema": "classroom50/result/v1"})),
                ("git", lambda: git_times.commit_time(entry)),
                ("gradescope", lambda: _json_time(entry / GRADESCOPE_METADATA, "created_at"))):
            found = when()
            if found is not None:
                return SubmissionTime(found, source)
    known = next((lms[k] for k in sorted(lms_keys(student)) if k in lms), None)
    if known is not None:
        return SubmissionTime(known, "lms")
    modified = _modified(entry, names)
    return SubmissionTime(modified, WEAKEST) if modified is not None else None
