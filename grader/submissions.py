"""Finding and reading submissions: a .py file, a .ipynb notebook, or a folder holding one.

Reading happens in the grader's process and never runs student code; what can go wrong
here (missing, unreadable, empty, binary, too large, ambiguous) becomes a `SubmissionError`
with a one-line message that names the file and says what to do, in English or Korean (a
catalog key, rendered in the language the student chose), which a batch records as an error
row.
"""
from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import i18n
from grader.notebooks import NotebookError, NotebookSource, notebook_to_source

SUFFIXES = (".py", ".ipynb")
ASSIGNMENT_FILES = ("rnn.py", "rnn.ipynb")
MAX_BYTES = 64 * 2**20  # notebooks with plots are a few MB; anything near this is not a submission
SKIPPED_NAMES = frozenset({"__pycache__", "__MACOSX", "__init__.py"})


class SubmissionError(i18n.LocalisedError):
    """A submission that cannot be read; the message (`render(lang)`) says what, where and what to do.

    `kind` is the report's error kind: "notebook" for a notebook that cannot be read as
    one, "input" for everything else.
    """

    def __init__(self, key: str, /, kind: str = "input", **params: Any):
        super().__init__(key, **params)
        self.kind = kind


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path
    source: str
    sha256: str
    notebook: NotebookSource | None = None

    def where(self, line: int) -> str:
        """A line of the module as the student knows it (a notebook cell, or the file's line)."""
        return self.notebook.where(line) if self.notebook else f"line {line}"


def has_submission_suffix(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def student_id(entry: Path) -> str:
    """The entry's name without its extension, NFC-normalised so Korean names compare equal."""
    entry = Path(os.path.abspath(entry))  # `.` and `..` have no name of their own; symlinks keep theirs
    name = entry.name if entry.is_dir() else entry.stem
    return unicodedata.normalize("NFC", name or "submission")


def is_candidate(entry: Path) -> bool:
    """Whether a batch folder entry looks like a submission.

    Hidden entries (`.git`, `.ipynb_checkpoints`, `.DS_Store`) and tool folders
    (`__pycache__`, `__MACOSX`) are skipped; an id that merely starts with `_` is not.
    """
    if entry.name.startswith((".", "__")) or entry.name in SKIPPED_NAMES:
        return False
    return entry.is_dir() or has_submission_suffix(entry)


def pick_file(folder: Path) -> Path:
    """The file to grade in a folder submission: rnn.py or rnn.ipynb, or its only .py/.ipynb file.

    Both rnn.py and rnn.ipynb (the student bundle ships both) is ambiguous and an error:
    grading the untouched one would score 0 for work that exists.
    """
    try:
        files = sorted((p for p in folder.iterdir()
                        if has_submission_suffix(p) and not p.name.startswith(".") and p.is_file()),
                       key=lambda p: p.name)
    except OSError as exc:
        raise SubmissionError("input.folder_unreadable", folder=folder, reason=exc.strerror) from None
    named = [p for p in files if p.name.lower() in ASSIGNMENT_FILES]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise SubmissionError("input.both_files", folder=folder, names=[p.name for p in named])
    if len(files) == 1:
        return files[0]
    if not files:
        raise SubmissionError("input.no_candidate", folder=folder)
    raise SubmissionError("input.several_candidates", folder=folder, names=", ".join(p.name for p in files))


def read_submission(path: Path, student: str | None = None) -> Submission:
    """Read one submission from disk (never executing it)."""
    path = Path(path)
    if not path.exists():
        raise SubmissionError("input.broken_link" if path.is_symlink() else "input.not_found", path=path)
    file = pick_file(path) if path.is_dir() else path
    if not has_submission_suffix(file):
        raise SubmissionError("input.wrong_suffix", file=file)
    if not file.is_file():
        raise SubmissionError("input.not_regular", file=file)
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:
            raise SubmissionError("input.too_large", file=file, size=f"{size / 2**20:.0f}", limit=MAX_BYTES // 2**20)
        data = file.read_bytes()
    except OSError as exc:
        raise SubmissionError("input.unreadable", file=file, reason=exc.strerror) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SubmissionError("input.utf16", file=file)
    if b"\x00" in data:
        raise SubmissionError("input.nul_bytes", file=file)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SubmissionError("input.not_utf8", file=file, byte=exc.start) from None
    if not text.strip():
        raise SubmissionError("input.empty", file=file)
    notebook = None
    if file.suffix.lower() == ".ipynb":
        try:
            notebook = notebook_to_source(text)
        except NotebookError as exc:
            raise SubmissionError("input.notebook", kind="notebook", file=file, problem=exc) from None
        text = notebook.source
    return Submission(student or student_id(path), file, text, hashlib.sha256(data).hexdigest(), notebook)
