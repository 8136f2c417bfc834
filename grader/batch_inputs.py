"""The entries of a batch folder, read in the parent and never run: which entries there are, in gradebook
order; which student each belongs to (two entries claiming one id are an error row); and each one read into
a submission, or the reason it cannot be graded (empty, binary, a broken notebook, a symlink out of the
batch folder...)."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from grader.model import GradingError
from grader.submissions import (
    MAX_BYTES,
    Submission,
    SubmissionError,
    is_candidate,
    pick_file,
    read_submission,
    student_id,
)

__all__ = ["BatchInputError", "BatchPlan", "Task", "Prepared", "plan", "tasks", "prepare", "prepare_task"]


class BatchInputError(ValueError):
    """The batch folder itself is unusable (missing, not a folder, empty), or the batch cannot start."""


@dataclass(frozen=True)
class BatchPlan:
    folder: Path
    entries: tuple[Path, ...]


@dataclass(frozen=True)
class Task:
    """One gradebook row to produce: a student id and the entries that claim it (more than one is an error)."""

    student: str
    paths: tuple[Path, ...]


def plan(folder: Path, exclude: Iterable[Path] = ()) -> BatchPlan:
    """The entries of a batch folder, in gradebook order (hidden files, tool folders and `exclude` skipped)."""
    folder = Path(folder)
    if not folder.exists():
        raise BatchInputError(f"{folder}: no such folder; pass the folder that holds the submissions")
    if not folder.is_dir():
        raise BatchInputError(f"{folder}: not a folder; use `rnn-grader grade` for a single submission")
    skip = {_resolved(p) for p in exclude}
    try:
        found = [e for e in folder.iterdir() if is_candidate(e) and _resolved(e) not in skip]
    except OSError as exc:
        raise BatchInputError(f"{folder}: the folder cannot be read ({exc.strerror}); check its permissions") from None
    if not found:
        raise BatchInputError(f"{folder}: no submissions (.py, .ipynb or folders) found; check the folder")
    return BatchPlan(folder, tuple(sorted(found, key=lambda e: (student_id(e), e.name))))


def readable_id(entry: Path) -> str:
    """The entry's student id as valid Unicode: bytes of its name that are not UTF-8 as `\\xNN`."""
    return os.fsencode(student_id(entry)).decode("utf-8", "backslashreplace")


def tasks(batch: BatchPlan) -> list[Task]:
    """Group the entries by student id; ids equal up to case also collide (report file names would)."""
    groups: dict[str, list[Path]] = {}
    for entry in batch.entries:
        groups.setdefault(readable_id(entry).casefold(), []).append(entry)
    return [Task(readable_id(paths[0]), tuple(paths)) for paths in groups.values()]


def _resolved(path: Path) -> Path | None:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return None


def _digest(path: Path) -> str:
    """sha256 of a file's bytes when it can be read cheaply, else ''."""
    try:
        if path.is_file() and path.stat().st_size <= MAX_BYTES:
            return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        pass
    return ""


def _outside(path: Path, root: Path) -> SubmissionError | None:
    """Why `path` may not be read as part of the batch in `root` (None when it may)."""
    target, base = _resolved(path), _resolved(root)
    if target is None:
        return SubmissionError("input.symlink_loop", path=path)
    if base is not None and not target.is_relative_to(base):
        return SubmissionError("input.symlink_outside", path=path)
    return None


@dataclass(frozen=True)
class Prepared:
    """A task read in the parent: the submission to grade, or why it cannot be (an error row)."""

    student: str
    submission: Submission | None
    error: GradingError | None = None
    sha256: str = ""


def prepare(entry: Path, names: tuple[str, ...] = (), root: Path | None = None, student: str | None = None,
            lang: str = "en") -> Prepared:
    """Read one entry (never running it; a folder's file chosen among the assignment's file `names`);
    why it cannot be read is said in `lang`. With `root`, nothing outside it is read."""
    student = student or student_id(entry)
    file = entry
    try:
        if root is not None and (reason := _outside(entry, root)):
            raise reason
        if entry.is_dir():
            file = pick_file(entry, names)
            if root is not None and (reason := _outside(file, root)):
                raise reason
        submission = read_submission(entry if entry.is_dir() else file, names, student)  # a folder: with its helpers
    except SubmissionError as exc:
        digest = "" if root is not None and _outside(file, root) else _digest(file)
        return Prepared(student, None, GradingError(exc.kind, _within_batch(exc.render(lang), root)), digest)
    return Prepared(student, submission, None, submission.sha256)


def _within_batch(message: str, root: Path | None) -> str:
    """Paths in a message as the batch folder's own (`zz_empty.py`, not `/home/ta/2026/zz_empty.py`):
    the student's report reads the same on every machine, and shows nothing of the grader's disk."""
    return message if root is None else message.replace(f"{root}{os.sep}", "")


def prepare_task(task: Task, root: Path, names: tuple[str, ...], lang: str = "en") -> Prepared:
    if len(task.paths) > 1:
        duplicate = SubmissionError("input.duplicate_id", kind="duplicate", student=task.student,
                                    names=", ".join(p.name for p in task.paths))
        return Prepared(task.student, None, GradingError(duplicate.kind, duplicate.render(lang)))
    return prepare(task.paths[0], names, root=root, student=task.student, lang=lang)
