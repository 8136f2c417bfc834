"""Check the notebook from inside it, without leaving it for a terminal:

    from grader.notebook_check import check
    check("homework.ipynb")              # or check("homework.ipynb", lang="ko"); or check() in its folder

grades the notebook as saved on disk (what would be handed in; save first) with the public checks,
through the same sandboxed path as `rnn-grader check`, and shows the same table and first failure
inline: as HTML in Jupyter, as text anywhere else. The assignment is recognised from the file name,
as `check` does. The cell holding this call is itself left out of the graded code
(grader.notebooks), so checking never checks itself.
"""
from __future__ import annotations

import os
from pathlib import Path

from grader import assignments
from grader.i18n import LANGS, text
from grader.manifest import FILE_NAME, read_manifest
from grader.reports import inline_html, terminal
from grader.runner import GradingOptions, grade
from grader.sandbox import Limits
from grader.submissions import SubmissionError, read_submission

SESSION_VARIABLE = "JPY_SESSION_NAME"  # the notebook's path, in a kernel started by Jupyter Server


class NotebookCheckError(ValueError):
    """The notebook to check cannot be found or read: said in one line, in the chosen language."""


def _notebook(path: str | os.PathLike | None) -> Path:
    """`path`; else the notebook Jupyter says is open; else the one assignment notebook in the current folder
    (where Jupyter starts a notebook's kernel)."""
    if path is not None:
        return Path(path)
    session = os.environ.get(SESSION_VARIABLE, "")
    if session.endswith(".ipynb"):
        return Path(session)
    here = sorted({name for folder in assignments.installed().values()
                   for name in read_manifest(folder / FILE_NAME).files if name.endswith(".ipynb") and Path(name).is_file()})
    if len(here) == 1:
        return Path(here[0])
    raise NotebookCheckError(f"name the notebook to check, e.g. check({(here or ['homework.ipynb'])[0]!r})")


def _show(html: str, plain: str) -> None:
    """HTML in a notebook front end, the text summary anywhere else."""
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(HTML(html))
    else:
        print(plain, end="")


def check(path: str | os.PathLike | None = None, lang: str = "en") -> None:
    """Grade the saved notebook at `path` with the public checks and show the result (nothing is returned:
    a cell ending in this call shows the report, not a long repr)."""
    if lang not in LANGS:
        raise NotebookCheckError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    notebook = _notebook(path)
    assignment = assignments.load(assignments.owner(notebook.name) or assignments.DEFAULT)
    try:
        submission = read_submission(notebook, assignment.files)
    except SubmissionError as exc:
        raise NotebookCheckError(exc.render(lang)) from None
    runtime = assignment.runtime
    options = GradingOptions(mode="check", limits=Limits(call_seconds=runtime.call_seconds,
                                                         memory_bytes=int(runtime.memory_gib * 2**30)),
                             assignment=assignment, lang=lang)
    result = grade(submission, options)
    note = text(lang, "notebook.checked_saved", file=notebook.name)
    _show(inline_html.render(result, note), f"{note}\n{terminal.render(result, reports_hint=False)}")
