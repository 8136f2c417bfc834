"""Grade many submissions into a gradebook; one bad submission never stops the rest.

Each finished submission's reports and the gradebook so far are written at once
(atomically), so an interrupted batch keeps everything already graded.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from grader.model import BatchEntry, BatchResult, GradingError, SubmissionResult
from grader.reports import gradebook, html, json_report, markdown, summary
from grader.runner import GradingOptions, error_result, grade
from grader.submissions import SubmissionError, is_candidate, read_submission, student_id

RENDERERS = {"json": json_report.render, "md": markdown.render, "html": html.render}
ALL_FORMATS = tuple(RENDERERS)


class BatchInputError(ValueError):
    """The batch folder itself is unusable (missing, not a folder, empty)."""


@dataclass(frozen=True)
class BatchPlan:
    folder: Path
    entries: tuple[Path, ...]


def plan(folder: Path) -> BatchPlan:
    if not folder.exists():
        raise BatchInputError(f"{folder}: no such folder; pass the folder that holds the submissions")
    if not folder.is_dir():
        raise BatchInputError(f"{folder}: not a folder; use `rnn-grader grade` for a single submission")
    entries = sorted((e for e in folder.iterdir() if is_candidate(e)), key=lambda e: (student_id(e), e.name))
    if not entries:
        raise BatchInputError(f"{folder}: no submissions (.py, .ipynb or folders) found; check the folder")
    return BatchPlan(folder, tuple(entries))


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    os.replace(tmp, path)


def write_reports(result: SubmissionResult, folder: Path, formats: tuple[str, ...] = ALL_FORMATS) -> list[Path]:
    written = []
    for fmt in formats:
        path = folder / f"{result.student}.{fmt}"
        write_atomic(path, RENDERERS[fmt](result))
        written.append(path)
    return written


def grade_entry(entry: Path, options: GradingOptions) -> SubmissionResult:
    """One entry of a batch, whatever is wrong with it."""
    try:
        submission = read_submission(entry)
    except SubmissionError as exc:
        digest = hashlib.sha256(entry.read_bytes()).hexdigest() if entry.is_file() else ""
        return error_result(student_id(entry), digest, GradingError("input", str(exc)), options)
    return grade(submission, options)


def run_batch(folder: Path, out: Path, options: GradingOptions, formats: tuple[str, ...] = ALL_FORMATS,
              progress: Callable[[int, int, SubmissionResult], None] | None = None) -> BatchResult:
    batch = plan(folder)
    part_names = options.assignment.part_names
    entries: list[BatchEntry] = []
    for entry in batch.entries:
        result = grade_entry(entry, options)
        entries.append(BatchEntry(result.student, result))
        write_reports(result, out / "reports", formats)
        write_atomic(out / "gradebook.csv", gradebook.render([e.result for e in entries], part_names))
        if progress:
            progress(len(entries), len(batch.entries), result)
    done = BatchResult(tuple(entries), part_names)
    write_atomic(out / "summary.html", summary.render(done))
    return done
