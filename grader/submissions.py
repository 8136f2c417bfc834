"""Finding and reading submissions: a .py file, a .ipynb notebook, or a folder holding one.

Reading happens in the grader's process and never runs student code; what can go wrong
here (missing, unreadable, empty, binary, ambiguous) becomes a `SubmissionError` with a
one-line message, which a batch records as an error row.
"""
from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from grader.notebooks import NotebookError, NotebookSource, notebook_to_source

SUFFIXES = (".py", ".ipynb")
ASSIGNMENT_FILES = ("rnn.py", "rnn.ipynb")


class SubmissionError(ValueError):
    """A submission that cannot be read; the message says what, where and what to do."""


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


def student_id(entry: Path) -> str:
    """The entry's name without its extension, NFC-normalised so Korean names compare equal."""
    name = entry.name if entry.is_dir() else entry.stem
    return unicodedata.normalize("NFC", name)


def is_candidate(entry: Path) -> bool:
    """Whether a batch folder entry looks like a submission (hidden files and others are skipped)."""
    if entry.name.startswith((".", "_")):
        return False
    return entry.is_dir() or entry.suffix in SUFFIXES


def _file_in_folder(folder: Path) -> Path:
    for name in ASSIGNMENT_FILES:
        if (folder / name).is_file():
            return folder / name
    found = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in SUFFIXES)
    if len(found) == 1:
        return found[0]
    if not found:
        raise SubmissionError(f"{folder}: no .py or .ipynb file inside; put rnn.py or rnn.ipynb in the folder")
    names = ", ".join(p.name for p in found)
    raise SubmissionError(f"{folder}: several candidate files ({names}); name the one to grade rnn.py or rnn.ipynb")


def read_submission(path: Path, student: str | None = None) -> Submission:
    """Read one submission from disk (never executing it)."""
    if not path.exists():
        raise SubmissionError(f"{path}: no such file or folder; check the path")
    file = _file_in_folder(path) if path.is_dir() else path
    if file.suffix not in SUFFIXES:
        raise SubmissionError(f"{file}: not a .py or .ipynb file; submit rnn.py or rnn.ipynb")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise SubmissionError(f"{file}: cannot be read ({exc.strerror}); check its permissions") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SubmissionError(f"{file}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    if "\x00" in text:
        raise SubmissionError(f"{file}: contains NUL bytes, so it is not a text file; submit the source file")
    if not text.strip():
        raise SubmissionError(f"{file}: the file is empty; submit your completed rnn.py or rnn.ipynb")
    notebook = None
    if file.suffix == ".ipynb":
        try:
            notebook = notebook_to_source(text)
        except NotebookError as exc:
            raise SubmissionError(f"{file}: {exc}") from None
        text = notebook.source
    return Submission(student or student_id(path), file, text, hashlib.sha256(data).hexdigest(), notebook)
