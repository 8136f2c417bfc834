"""Checking a notebook from inside it: one import and one call grade the saved notebook with the public checks,
through the same sandboxed `check`, and show the same table and first failure inline (HTML in Jupyter, text
elsewhere), in the chosen language; the checking cell itself is never graded."""
from __future__ import annotations

from html import escape
from pathlib import Path

import nbformat
import pytest

from grader import authoring
from grader.i18n import text
from grader.notebook_check import NotebookCheckError, check
from grader.notebooks import notebook_to_source
from grader.reports.terminal import header
from grader.runner import GradingOptions, grade
from grader.submissions import read_submission
from tests.conftest import MISTAKES, REFERENCE, RNN

LESSON = (RNN.folder / authoring.LESSON).read_text(encoding="utf-8")


def notebook_with_a_mistake(folder: Path) -> Path:
    """The generated notebook, solved, with one function overridden by a named mistake in a cell of its own
    placed before the checking cell (a student's fix-in-progress), saved as rnn.ipynb in `folder`."""
    nb = authoring.build_notebook(REFERENCE.read_text(encoding="utf-8"), LESSON, "rnn.ipynb")
    mistake = nbformat.v4.new_code_cell((MISTAKES / "bptt_no_carry.py").read_text(encoding="utf-8"))
    nb.cells.insert(len(nb.cells) - 1, mistake)
    path = folder / "rnn.ipynb"
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


def test_the_checking_cell_is_left_out_of_the_graded_code():
    cell = authoring.check_cell("rnn.ipynb")
    source = notebook_to_source(nbformat.writes(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("def f():\n    return 1"), nbformat.v4.new_code_cell(cell),
        nbformat.v4.new_code_cell("import grader.notebook_check as nc\nnc.check()")])))
    assert source.cells[1].binds == frozenset() and source.cells[2].binds == frozenset()
    assert [line for line in source.source.splitlines()[2:] if line and not line.startswith("# ")] == []


def test_outside_jupyter_the_check_prints_the_terminal_summary(tmp_path, capsys, monkeypatch):
    path = notebook_with_a_mistake(tmp_path)
    monkeypatch.chdir(tmp_path)
    check()                                      # the one assignment notebook in the current folder
    out = capsys.readouterr().out
    expected = grade(read_submission(path), GradingOptions(mode="check", assignment=RNN))
    assert 0 < expected.score < 100
    assert header(expected) in out and text("en", "notebook.checked_saved", file="rnn.ipynb") in out
    failing = next(p for p in expected.parts if p.first_failure is not None)
    assert text("en", "report.terminal_first_failure", part=failing.name, test=failing.first_failure.name) in out


def test_a_missing_notebook_or_language_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    with pytest.raises(NotebookCheckError, match="name the notebook"):
        check()
    with pytest.raises(NotebookCheckError, match="rnn.ipynb"):
        check("rnn.ipynb")
    with pytest.raises(NotebookCheckError, match="lang"):
        check("rnn.ipynb", lang="fr")


def test_executing_the_notebook_shows_the_check_inline_in_both_languages(tmp_path):
    nbclient = pytest.importorskip("nbclient")
    path = notebook_with_a_mistake(tmp_path)
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('from grader.notebook_check import check\ncheck("rnn.ipynb", lang="ko")'))
    path.write_text(nbformat.writes(nb), encoding="utf-8")   # the check reads the saved file
    nbclient.NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    shown = {}
    for lang, cell in zip(("en", "ko"), nb.cells[-2:]):
        assert [o.output_type for o in cell.outputs] == ["display_data"], cell.outputs
        shown[lang] = cell.outputs[0].data["text/html"]
    for lang, page in shown.items():
        expected = grade(read_submission(path), GradingOptions(mode="check", assignment=RNN, lang=lang))
        failing = next(p for p in expected.parts if p.first_failure is not None)
        assert escape(header(expected)) in page
        assert all(f"<code>{p.name}</code>" in page for p in expected.parts)
        assert escape(text(lang, "report.terminal_first_failure", part=failing.name,
                           test=failing.first_failure.name)) in page
    assert "점수" in shown["ko"] and "점수" not in shown["en"]
