"""Finding and reading submissions: a .py file, a .ipynb notebook, or a folder holding one.

Reading happens in the grader's process and never runs student code; what can go wrong
here (missing, unreadable, empty, binary, too large, ambiguous) becomes a `SubmissionError`
with a one-line message that names the file and says what to do, which a batch records as
an error row.
"""
from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from grader.notebooks import NotebookError, NotebookSource, notebook_to_source

SUFFIXES = (".py", ".ipynb")
ASSIGNMENT_FILES = ("rnn.py", "rnn.ipynb")
MAX_BYTES = 64 * 2**20  # notebooks with plots are a few MB; anything near this is not a submission
SKIPPED_NAMES = frozenset({"__pycache__", "__MACOSX", "__init__.py"})


class SubmissionError(ValueError):
    """A submission that cannot be read; the message says what, where and what to do.

    `kind` is the report's error kind: "notebook" for a notebook that cannot be read as
    one, "input" for everything else.
    """

    def __init__(self, message: str, kind: str = "input"):
        super().__init__(message)
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
        raise SubmissionError(f"{folder}: the folder cannot be read ({exc.strerror}); check its permissions") from None
    named = [p for p in files if p.name.lower() in ASSIGNMENT_FILES]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise SubmissionError(f"{folder}: both {' and '.join(p.name for p in named)} are there; "
                              "keep only the one to grade")
    if len(files) == 1:
        return files[0]
    if not files:
        raise SubmissionError(f"{folder}: no .py or .ipynb file inside; put rnn.py or rnn.ipynb in the folder")
    names = ", ".join(p.name for p in files)
    raise SubmissionError(f"{folder}: several candidate files ({names}); name the one to grade rnn.py or rnn.ipynb")


def read_submission(path: Path, student: str | None = None) -> Submission:
    """Read one submission from disk (never executing it)."""
    path = Path(path)
    if not path.exists():
        what = "a broken link" if path.is_symlink() else "no such file or folder"
        raise SubmissionError(f"{path}: {what}; check the path")
    file = pick_file(path) if path.is_dir() else path
    if not has_submission_suffix(file):
        raise SubmissionError(f"{file}: not a .py or .ipynb file; submit rnn.py or rnn.ipynb")
    if not file.is_file():
        raise SubmissionError(f"{file}: not a regular file; submit the rnn.py or rnn.ipynb file itself")
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:
            raise SubmissionError(f"{file}: {size / 2**20:.0f} MB is too large for a submission "
                                  f"(limit {MAX_BYTES // 2**20} MB); clear the notebook's outputs or submit the source")
        data = file.read_bytes()
    except OSError as exc:
        raise SubmissionError(f"{file}: cannot be read ({exc.strerror}); check its permissions") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SubmissionError(f"{file}: not UTF-8 text (it is UTF-16 or UTF-32); save it as UTF-8")
    if b"\x00" in data:
        raise SubmissionError(f"{file}: contains NUL bytes, so it is not a text file; "
                              "submit the source file saved as UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SubmissionError(f"{file}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    if not text.strip():
        raise SubmissionError(f"{file}: the file is empty; submit your completed rnn.py or rnn.ipynb")
    notebook = None
    if file.suffix.lower() == ".ipynb":
        try:
            notebook = notebook_to_source(text)
        except NotebookError as exc:
            raise SubmissionError(f"{file}: {exc}", kind="notebook") from None
        text = notebook.source
    return Submission(student or student_id(path), file, text, hashlib.sha256(data).hexdigest(), notebook)
