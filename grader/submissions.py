"""Finding and reading submissions: a .py file, a .ipynb notebook, or a folder holding one.

Reading happens in the grader's process and never runs student code; what can go wrong
here (missing, unreadable, empty, binary, too large, ambiguous) becomes a `SubmissionError`
with a one-line message that names the file and says what to do, in English or Korean (a
catalog key, rendered in the language the student chose), which a batch records as an error
row.

Which file of a folder is graded is decided by one rule, `choose_file`, that `check`, the
bundle's pytest, `batch` and the CI workflow all use. A folder submission also carries the
Python modules beside the graded file (and the packages it imports), so `from my_helpers
import ...` works in the sandbox as it does on the student's machine. The file names an
assignment's students hand in (its manifest's `files`) are passed in: this module knows none.
"""
from __future__ import annotations

import ast
import hashlib
import os
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

from grader import i18n
from grader.i18n import Msg, msg
from grader.notebooks import NotebookError, NotebookSource, notebook_to_source

SUFFIXES = (".py", ".ipynb")
MAX_BYTES = 64 * 2**20  # notebooks with plots are a few MB; anything near this is not a submission
SKIPPED_NAMES = frozenset({"__pycache__", "__MACOSX", "__init__.py"})
MAX_MODULES = 64  # modules handed in beside the graded file: a few helpers, not a project
MAX_MODULE_BYTES = 4 * 2**20  # their total size
PACKAGE_DEPTH = 4  # folders below an imported package that are still read


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
    sha256: str  # of the graded file's bytes; with modules beside it, of those too (see `_digest`)
    notebook: NotebookSource | None = None
    modules: tuple[tuple[str, bytes], ...] = ()  # (path relative to its folder, content), for the sandbox
    notes: tuple[Msg, ...] = ()  # for the report: e.g. which file of the folder was chosen, and why

    def where(self, line: int) -> str:
        """A line of the module as the student knows it (a notebook cell, or the file's line)."""
        return self.notebook.where(line) if self.notebook else f"line {line}"

    @property
    def module_file(self) -> str:
        """The graded module's file name in the sandbox (a notebook becomes `<name>.py`)."""
        return self.path.name if self.notebook is None else self.path.stem + ".py"

    @property
    def sections(self) -> tuple[tuple[int, int], ...]:
        """Line ranges the sandbox runs one by one (a notebook's cells); () runs the module as a whole."""
        return self.notebook.sections if self.notebook else ()

    def after_loading(self, failed: Mapping[int, str], graded: Iterable[str]) -> tuple[dict[str, Msg], tuple[Msg, ...]]:
        """What the sections that raised while loading (index → message) mean: the graded functions
        they take down (function → why), and every note for the report."""
        broken, skipped = self.notebook.failures(failed, graded) if self.notebook else ({}, ())
        return broken, self.notes + skipped


@dataclass(frozen=True)
class Choice:
    """The file `choose_file` picked, and a note saying why when there was a choice to make."""

    path: Path
    note: Msg | None = None


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


def _entries(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as found:
            return sorted((e for e in found if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError as exc:
        raise SubmissionError("input.folder_unreadable", folder=folder, reason=exc.strerror) from None


# ---- which file of a folder: the one rule ---------------------------------------------------------

def choose_file(folder: Path, names: tuple[str, ...] = ()) -> Choice:
    """The file to grade in a folder: one of the assignment's file `names` (e.g. its .py and its
    .ipynb), else the folder's only .py/.ipynb file.

    The student bundle ships both the .py and the .ipynb, and a student works in one of them.
    Modification times alone cannot tell which (a git checkout or an unzip sets them all), so:
    1. the one holding the student's work, when the other is still the released stub (every
       function only raises NotImplementedError, the form the stubs are released in);
    2. when both hold work, the one changed last (modification time; the CI workflow first
       dates each file by its last commit); equal times are an error that asks which;
    3. when neither holds work yet, the first of `names` (both score 0), with a note saying so.
    """
    files = [Path(e.path) for e in _entries(folder) if has_submission_suffix(Path(e.name)) and e.is_file()]
    named = [f for name in names for f in files if f.name.lower() == name.lower()]
    if len(named) == 1:
        return Choice(named[0])
    if len(named) > 1:
        return _choose_between(named)
    if len(files) == 1:
        return Choice(files[0])
    if not files:
        raise SubmissionError("input.no_candidate", folder=folder, files=", ".join(names or SUFFIXES))
    raise SubmissionError("input.several_candidates", folder=folder, names=", ".join(p.name for p in files),
                          files=", ".join(names or SUFFIXES))


def pick_file(folder: Path, names: tuple[str, ...] = ()) -> Path:
    """`choose_file` without its note."""
    return choose_file(folder, names).path


def _choose_between(named: list[Path]) -> Choice:
    worked = [path for path in named if holds_work(path)]
    if not worked:
        return Choice(named[0], msg("input.chose_no_work", chosen=named[0].name, other=named[1].name))
    changed = {path: path.stat().st_mtime_ns for path in worked}
    newest = max(worked, key=changed.__getitem__)
    other = next(path for path in named if path != newest).name
    if len(worked) == 1:
        return Choice(newest, msg("input.chose_worked", chosen=newest.name, other=other))
    if sum(changed[path] == changed[newest] for path in worked) > 1:
        raise SubmissionError("input.both_files", names=i18n.Names(tuple(str(path) for path in worked)), example=worked[-1])
    return Choice(newest, msg("input.chose_newer", chosen=newest.name, other=other))


def holds_work(path: Path) -> bool:
    """Whether a file differs from the released stub: any statement but imports, docstrings and
    functions that only raise NotImplementedError. What cannot be read or parsed counts as work
    (grading it shows the student what is wrong)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        code = notebook_to_source(text).source if path.suffix.lower() == ".ipynb" else text
        tree = ast.parse(code)
    except (OSError, UnicodeDecodeError, NotebookError, SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    return not all(_is_stub_statement(node) for node in tree.body)


def _is_stub_statement(node: ast.stmt) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.Pass)) or _is_docstring(node):
        return True
    if isinstance(node, ast.ClassDef):  # a class as released: its methods only raise NotImplementedError
        return all(_is_stub_statement(statement) for statement in node.body)
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    body = node.body[1:] if _is_docstring(node.body[0]) else node.body
    return len(body) == 1 and isinstance(body[0], ast.Raise) and _names_not_implemented(body[0].exc)


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _names_not_implemented(exc: ast.expr | None) -> bool:
    target = exc.func if isinstance(exc, ast.Call) else exc
    return isinstance(target, ast.Name) and target.id == "NotImplementedError"


def read_here(folder: Path, names: tuple[str, ...]) -> Submission:
    """The assignment in a student's own folder (`check` with no path, the bundle's pytest):
    the file `choose_file` picks among `names`, with the modules beside it, named after the file."""
    if not any((folder / name).is_file() for name in names):
        raise SubmissionError("input.none_here", files=", ".join(names))
    submission = read_submission(folder, names)
    return replace(submission, student=student_id(submission.path))


# ---- reading -------------------------------------------------------------------------------------

def _read_text(file: Path) -> tuple[bytes, str]:
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
    return data, text


def read_submission(path: Path, names: tuple[str, ...] = (), student: str | None = None) -> Submission:
    """Read one submission from disk (never executing it). A folder gives the file `choose_file`
    picks plus the modules beside it; a file is read alone (in a batch folder, the files beside a
    student's file are other students')."""
    path = Path(path)
    if not path.exists():
        raise SubmissionError("input.broken_link" if path.is_symlink() else "input.not_found", path=path)
    choice = choose_file(path, names) if path.is_dir() else Choice(path)
    file = choice.path
    data, text = _read_text(file)
    notebook = None
    if file.suffix.lower() == ".ipynb":
        try:
            notebook = notebook_to_source(text)
        except NotebookError as exc:
            raise SubmissionError("input.notebook", kind="notebook", file=file, problem=exc.message) from None
        text = notebook.source
    modules = helper_modules(path, {file.name, file.stem + ".py"}, notebook.cell_texts() if notebook else [text]) \
        if path.is_dir() else ()
    return Submission(student or student_id(path), file, text, _digest(data, modules), notebook, modules,
                      (choice.note,) if choice.note else ())


def _digest(data: bytes, modules: tuple[tuple[str, bytes], ...]) -> str:
    """sha256 of the graded file's bytes; with modules, of those bytes and each module's path and
    sha256 in path order, so that changing a helper changes the hash (resume grades it again)."""
    digest = hashlib.sha256(data)
    if not modules:
        return digest.hexdigest()
    combined = hashlib.sha256(digest.digest())
    for relative, content in modules:
        combined.update(b"\0" + relative.encode("utf-8") + b"\0" + hashlib.sha256(content).digest())
    return combined.hexdigest()


# ---- the modules handed in beside the graded file -----------------------------------------------

def helper_modules(folder: Path, taken: set[str], sources: list[str]) -> tuple[tuple[str, bytes], ...]:
    """Every .py file beside the graded one, and every package folder the submission imports
    (found by reading the import statements of `sources`, the graded code, and of the modules it
    reaches), bounded in count and size. `taken`: the graded file, and the file name its module
    gets in the sandbox (so the .py beside a graded notebook of the same name, an alternative to
    it, is left out). Symbolic links are refused, so nothing outside the folder is read."""
    found: dict[str, bytes] = {}
    for entry in _entries(folder):
        if entry.name.endswith(".py") and entry.name not in taken and not entry.is_dir(follow_symlinks=False):
            _add_module(found, folder, entry, entry.name)
    imported = set().union(*map(_imported_names, sources))
    done: set[str] = set()
    while imported - done:
        name = min(imported - done)
        done.add(name)
        if f"{name}.py" in found:
            reached = [f"{name}.py"]
        elif (folder / name).is_dir() and name.isidentifier():
            reached = _package_files(folder, name, found)
        else:
            continue  # the standard library, numpy, or a module that is not there
        imported |= set().union(*(_imported_names(found[r].decode("utf-8", "replace")) for r in reached))
    return tuple(sorted(found.items()))


def _package_files(folder: Path, name: str, found: dict[str, bytes]) -> list[str]:
    """Add the .py files of the package folder `name` (and its sub-folders) to `found`."""
    if (folder / name).is_symlink():
        raise SubmissionError("input.module_symlink", file=folder / name)
    added = []
    todo = [(folder / name, name, 0)]
    while todo:
        directory, relative, depth = todo.pop()
        for entry in _entries(directory):
            inner = f"{relative}/{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                if depth < PACKAGE_DEPTH and entry.name not in SKIPPED_NAMES:
                    todo.append((Path(entry.path), inner, depth + 1))
            elif entry.name.endswith(".py"):
                _add_module(found, folder, entry, inner)
                added.append(inner)
    return added


def _add_module(found: dict[str, bytes], folder: Path, entry: os.DirEntry, relative: str) -> None:
    if entry.is_symlink():
        raise SubmissionError("input.module_symlink", file=Path(entry.path))
    if not entry.is_file():
        return
    try:
        size = entry.stat().st_size
        if len(found) == MAX_MODULES or sum(map(len, found.values())) + size > MAX_MODULE_BYTES:
            raise SubmissionError("input.too_many_modules", folder=folder, count=MAX_MODULES,
                                  size=MAX_MODULE_BYTES // 2**20)
        found[relative] = Path(entry.path).read_bytes()
    except OSError as exc:
        raise SubmissionError("input.unreadable", file=Path(entry.path), reason=exc.strerror) from None


def _imported_names(code: str) -> set[str]:
    """The top-level names of every module an import statement of `code` names (anywhere in it)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names
