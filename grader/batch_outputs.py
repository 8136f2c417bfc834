"""The files a batch (and `grade`) writes: each report format's renderer and file name, written atomically
so a reader never sees half a file, and the JSON report last, so one on disk always belongs with the files
beside it."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterable

from grader.model import SubmissionResult
from grader.reports import classroom, gradescope, html, json_report, junit, markdown
from grader.reports.filenames import report_stem
from grader.reports.formats import ALL_FORMATS, FORMATS

__all__ = ["ALL_FORMATS", "FORMATS", "RENDERERS", "write_atomic", "report_paths", "write_reports",
           "reports_current"]

RENDERERS = {"json": json_report.render, "md": markdown.render, "html": html.render,  # in FORMATS' order
             "junit": junit.render, "gradescope": gradescope.render, "classroom": classroom.render}
# file names other than `<id>.<format>` (`{id}`: the report file stem); Gradescope reads exactly
# `results.json`, one submission per folder, so `batch` does not offer that format
FILE_NAMES = {"junit": "{id}.junit.xml", "gradescope": "results.json", "classroom": "{id}.classroom.json"}


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def report_paths(student: str, folder: Path, formats: Iterable[str] = ALL_FORMATS) -> dict[str, Path]:
    """Where a student's reports go: `<id>.<fmt>`, the id made safe for every file system when it must be."""
    stem = report_stem(student)
    return {fmt: folder / FILE_NAMES.get(fmt, "{id}." + fmt).format(id=stem) for fmt in formats}


def write_reports(result: SubmissionResult, folder: Path, formats: tuple[str, ...] = ALL_FORMATS) -> list[Path]:
    """Write the report files; the JSON goes last (after removing the old one), so a JSON report on
    disk always belongs with the other files next to it."""
    paths = report_paths(result.student, folder, formats)
    if "json" in paths:
        paths["json"].unlink(missing_ok=True)
    for fmt in sorted(paths, key=lambda f: f == "json"):
        write_atomic(paths[fmt], RENDERERS[fmt](result))
    return list(paths.values())


def reports_current(result: SubmissionResult, folder: Path, formats: tuple[str, ...]) -> bool:
    """Whether the report files on disk are those of `result` (so a resumed row need not rewrite them)."""
    paths = report_paths(result.student, folder, formats)
    if "json" not in paths or not all(p.is_file() for p in paths.values()):
        return False
    try:
        return paths["json"].read_text(encoding="utf-8") == json_report.render(result)
    except (OSError, UnicodeDecodeError):
        return False
