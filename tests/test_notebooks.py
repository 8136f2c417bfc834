"""Notebooks in, Python source out: magics neutralised, line numbers kept, bad notebooks named clearly; each cell
run on its own, so a failing leftover demo cell costs nothing and a failing graded cell only its part."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from grader.notebooks import NotebookError, bound_names, notebook_to_source
from grader.runner import GradingOptions, grade
from grader.sandbox import Limits, Sandbox
from grader.submissions import read_submission
from tests.conftest import REFERENCE
from tests.sandbox.sandbox_support import level_params


def nb(*cells, **metadata) -> str:
    return nbformat.writes(v4.new_notebook(cells=list(cells), metadata=metadata))


def test_code_cells_joined_in_order_markdown_skipped():
    text = nb(v4.new_markdown_cell("# 과제: RNN\n설명입니다."),
              v4.new_code_cell("import numpy as np\nSCALE = 2.0"),
              v4.new_raw_cell("raw text that is not code ="),
              v4.new_code_cell("def f(x):\n    return SCALE * np.asarray(x)"))
    out = notebook_to_source(text)
    namespace: dict = {}
    exec(compile(out.source, "notebook.py", "exec"), namespace)
    assert namespace["f"](3) == 6.0
    assert "설명" not in out.source and "raw text" not in out.source


def test_magics_and_shell_lines_neutralised_with_lines_aligned():
    cell2 = "%matplotlib inline\n!pip install numpy\nimport numpy as np\nfiles = !ls\nt = %time 1 + 1\nnp.dot?\n?np.sum"
    cell3 = "def g():\n    !echo indented shell inside a block\n    return 7\n\nx = g(\n  1 +\n"
    text = nb(v4.new_markdown_cell("제목"), v4.new_code_cell(cell2), v4.new_code_cell(cell3))
    out = notebook_to_source(text)
    lines = out.source.split("\n")
    # every original line is still there, one generated line per cell line
    assert len(out.line_map) == len(cell2.split("\n")) + len(cell3.split("\n"))
    for generated, original in zip(lines, cell2.split("\n") + cell3.split("\n")):
        assert original.strip() in generated
    for line in lines[:7]:
        assert line == "import numpy as np" or line.startswith("pass  # ")
    assert lines[8] == "    pass  # !echo indented shell inside a block"
    # the magic part compiles; the deliberately broken last statement is reported in its cell
    ast.parse("\n".join(lines[:11]))
    with pytest.raises(SyntaxError) as info:
        compile(out.source, "notebook.py", "exec")
    assert out.where(info.value.lineno).startswith("cell 3, line ")
    assert out.where(1) == "cell 2, line 1"
    assert out.where(8) == "cell 3, line 1"
    assert out.where(10) == "cell 3, line 3"
    assert out.where(999) == "line 999"


def test_where_counts_cells_including_markdown():
    text = nb(v4.new_markdown_cell("a"), v4.new_markdown_cell("b"), v4.new_code_cell("x = 1\ny = 2"))
    assert notebook_to_source(text).where(2) == "cell 3, line 2"


def test_bash_cell_commented_out_and_python_cell_magics_kept():
    text = nb(v4.new_code_cell("%%bash\necho hi\nrm -rf /"),
              v4.new_code_cell("\n%%writefile helper.py\ndef nope(): pass"),
              v4.new_code_cell("%%time\ndef kept():\n    return 42"),
              v4.new_code_cell("y = kept()"))
    out = notebook_to_source(text)
    lines = out.source.split("\n")
    assert lines[:3] == ["# %%bash", "# echo hi", "# rm -rf /"]
    assert "def nope" not in "\n".join(line for line in lines if not line.startswith("#"))
    namespace: dict = {}
    exec(compile(out.source, "notebook.py", "exec"), namespace)
    assert namespace["y"] == 42 and "nope" not in namespace
    assert out.where(len(lines) - 1) == "cell 4, line 1"


def test_source_as_list_of_lines_and_missing_ids_are_accepted():
    raw = {"nbformat": 4, "nbformat_minor": 2, "metadata": {},
           "cells": [{"cell_type": "code", "source": ["def f():\n", "    return 1\n"]}]}  # no id, outputs, metadata
    out = notebook_to_source(json.dumps(raw))
    assert out.source.startswith("def f():\n    return 1\n")


def test_windows_line_endings():
    out = notebook_to_source(nb(v4.new_code_cell("a = 1\r\n%time a\r\nb = 2")))
    assert out.source.split("\n")[:3] == ["a = 1", "pass  # %time a", "b = 2"]


@pytest.mark.parametrize("text, words", [
    (json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                 "worksheets": [{"cells": [{"cell_type": "code", "input": "x = 1"}]}]}), ["version 3", "nbformat 4"]),
    (json.dumps({"nbformat": 5, "nbformat_minor": 0, "metadata": {}, "cells": []}), ["version 5"]),
    ('{"nbformat": 4, "cells": [', ["broken", "line 1", "save it again"]),
    ("[" * 100_000 + "]" * 100_000, ["cannot be parsed"]),
    ("[1, 2, 3]", ["not a Jupyter notebook", "nbformat"]),
    (json.dumps({"nbformat": "4", "cells": []}), ["nbformat is '4'"]),
    (json.dumps({"nbformat": 4, "cells": 5}), ["no list of cells"]),
    (json.dumps({"nbformat": 4, "cells": ["x = 1"]}), ["cell 1 is not a notebook cell"]),
    (json.dumps({"nbformat": 4, "cells": [{"cell_type": "code", "source": 5}]}), ["cell 1", "source"]),
], ids=["v3", "v5", "corrupt-json", "deeply-nested", "json-list", "version-string", "cells-not-list",
        "cell-not-dict", "source-not-text"])
def test_unreadable_notebooks_give_clear_errors(text, words):
    with pytest.raises(NotebookError) as info:
        notebook_to_source(text)
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message


@pytest.mark.parametrize("cells", [
    [],
    [v4.new_markdown_cell("def rnn_forward(): pass  # written in markdown by mistake")],
    [v4.new_code_cell(""), v4.new_code_cell("# only a comment\n   ")],
    [v4.new_code_cell("%matplotlib inline\n!pip install numpy")],
    [v4.new_code_cell("%%bash\necho hi")],
], ids=["no-cells", "markdown-only", "empty-code", "magics-only", "bash-only"])
def test_notebook_without_code_is_an_error(cells):
    with pytest.raises(NotebookError, match="no code cells with code"):
        notebook_to_source(nb(*cells))


def test_nothing_in_the_notebook_is_executed(tmp_path):
    marker = tmp_path / "ran"
    text = nb(v4.new_code_cell(f"open({str(marker)!r}, 'w').write('x')\n%%bash\ntouch {marker}"))
    notebook_to_source(text)
    assert not marker.exists()


@pytest.mark.parametrize("text, english, korean", [
    (json.dumps({"nbformat": 3, "worksheets": []}), "notebook format version 3 is not supported",
     "노트북 형식 버전 3은(는) 지원하지 않습니다"),
    ('{"nbformat": 4,\n "cells": [', "its JSON is broken at line 2, column 12",
     "JSON이 2번째 줄, 12번째 열에서 깨져 있습니다"),
], ids=["v3", "corrupt-json"])
def test_errors_render_in_korean_and_str_stays_english(text, english, korean):
    with pytest.raises(NotebookError) as info:
        notebook_to_source(text)
    assert english in str(info.value) and english in info.value.render("en")
    assert korean in info.value.render("ko") and english not in info.value.render("ko")


# ---- cells: each runs on its own, as in Jupyter ---------------------------------------------------------

def test_each_code_cell_keeps_its_number_lines_and_the_names_it_binds():
    out = notebook_to_source(nb(v4.new_markdown_cell("# 제목"),
                                v4.new_code_cell("import numpy as np\n%matplotlib inline"),
                                v4.new_code_cell("def f(x):\n    return x\n\nclass K: pass"),
                                v4.new_code_cell("y = f(undefined)")))
    assert [(c.number, c.first, c.last) for c in out.cells] == [(2, 1, 2), (3, 3, 6), (4, 7, 7)]
    assert [set(c.binds) for c in out.cells] == [{"np"}, {"f", "K"}, {"y"}]
    assert out.sections == ((1, 2), (3, 6), (7, 7))
    assert out.cell_texts() == ["import numpy as np\npass  # %matplotlib inline", "def f(x):\n    return x\n\nclass K: pass",
                                "y = f(undefined)"]


@pytest.mark.parametrize("code, names", [
    ("import numpy as np, os.path\nfrom math import tanh as t", {"np", "os", "t"}),
    ("a, (b, *c) = 1, (2, 3)\nd: int = 4\ne += 1\nx[0] = 1\nobj.attr = 2", {"a", "b", "c", "d", "e"}),
    ("try:\n    def rnn_forward(): pass\nexcept ImportError:\n    rnn_forward = None\nif True:\n    class C: pass",
     {"rnn_forward", "C"}),
    ("def outer():\n    inner = 1\n    def hidden(): pass", {"outer"}),
    ("def rnn_forward(x):\n    return x +\n\nasync def g(): pass", {"rnn_forward", "g"}),
], ids=["imports", "assignments", "inside-blocks", "not-nested-scopes", "syntax-error"])
def test_bound_names(code, names):
    assert bound_names(code) == names


def test_a_failed_cell_takes_down_the_functions_it_defines_last_and_is_a_note_otherwise():
    out = notebook_to_source(nb(v4.new_code_cell("def rnn_forward(): pass\ndef rnn_output(): pass"),
                                v4.new_code_cell("def rnn_output(): pass\nboom"),
                                v4.new_markdown_cell("demo"),
                                v4.new_code_cell("print(x_demo)"),
                                v4.new_code_cell("def rnn_forward(): pass\nboom")))
    failed = {1: "NameError: name 'boom' is not defined (cell 2, line 2)",
              2: "NameError: name 'x_demo' is not defined (cell 4, line 1)"}
    broken, notes = out.failures(failed, ["rnn_forward", "rnn_output", "rnn_backward"])
    assert list(broken) == ["rnn_output"]  # cell 5 redefines rnn_forward and ran
    assert broken["rnn_output"].render("en") == (
        "rnn_output is defined in cell 2, which failed when the notebook was run from the top: NameError: name 'boom' "
        "is not defined (cell 2, line 2); fix that cell (Restart & Run All shows it)")
    assert "셀 2" in broken["rnn_output"].render("ko")
    assert [n.render("en") for n in notes] == [
        "cell 4 failed and was skipped (it defines no graded function): NameError: name 'x_demo' is not defined "
        "(cell 4, line 1); delete leftover demo code, or make it run after Restart & Run All"]
    assert notes[0].render("ko").startswith("셀 4이(가) 실패해 건너뛰었습니다")


def test_too_many_cells_is_a_clear_error(monkeypatch):
    monkeypatch.setattr("grader.notebooks.MAX_CELLS", 3)
    with pytest.raises(NotebookError, match="more than 3 code cells; merge or delete cells"):
        notebook_to_source(nb(*(v4.new_code_cell(f"x{i} = {i}") for i in range(4))))


@pytest.mark.parametrize("level", level_params())
def test_the_sandbox_runs_each_cell_on_its_own(level):
    out = notebook_to_source(nb(v4.new_code_cell("a = 1"),
                                v4.new_code_cell("b = a + undefined"),
                                v4.new_code_cell("def f(:\n    pass"),
                                v4.new_code_cell("import sys\nsys.exit(3)"),
                                v4.new_code_cell("from __future__ import annotations\ndef g() -> Later:\n    return a")))
    with Sandbox(out.source, "rnn.py", Limits(isolation=level), sections=out.sections) as box:
        assert box.load() is None
        assert box.call("g").value == 1  # the cells after the failures ran, a `from __future__` line included
        failed = dict(box.failed_sections)
    assert failed == {1: "NameError: name 'undefined' is not defined (line 2)",
                      2: "SyntaxError: invalid syntax (line 3)",
                      3: "SystemExit: 3 (line 6)"}
    assert [out.where(line) for line in (2, 3, 6)] == ["cell 2, line 1", "cell 3, line 1", "cell 4, line 2"]


# ---- the fixtures, graded for real -------------------------------------------------------------------

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "submissions"


def with_reference(name: str, folder: Path) -> Path:
    """The fixture notebook with its `# <reference solution>` cell holding the reference."""
    notebook = nbformat.read(FIXTURES / name, as_version=4)
    (cell,) = [c for c in notebook.cells if c.source == "# <reference solution>"]
    cell.source = REFERENCE.read_text(encoding="utf-8")
    nbformat.write(notebook, folder / name)
    return folder / name


@pytest.mark.parametrize("level", level_params())
def test_a_failing_leftover_demo_cell_is_skipped_with_a_note(tmp_path, level):
    path = with_reference("notebook_failing_demo_cell.ipynb", tmp_path)
    for lang, note in (("en", "cell 4 failed and was skipped (it defines no graded function): NameError: name "
                              "'x_demo' is not defined (cell 4, line 2)"),
                       ("ko", "셀 4이(가) 실패해 건너뛰었습니다 (채점하는 함수를 정의하지 않는 셀입니다): NameError: "
                              "name 'x_demo' is not defined (cell 4, line 2)")):
        result = grade(read_submission(path), GradingOptions(mode="check", lang=lang, limits=Limits(isolation=level)))
        assert result.status == "graded" and result.score == result.max_score, [(p.name, p.score) for p in result.parts]
        (only,) = result.to_dict()["notes"]
        assert only.startswith(note)


@pytest.mark.parametrize("level", level_params())
def test_a_failing_cell_that_defines_a_graded_function_fails_only_that_part(tmp_path, level):
    path = with_reference("notebook_failing_graded_cell.ipynb", tmp_path)
    result = grade(read_submission(path), GradingOptions(mode="check", limits=Limits(isolation=level)))
    assert result.status == "graded" and "notes" not in result.to_dict()
    scores = {p.name: p.score for p in result.parts}
    assert scores.pop("rnn_output") == 0 and all(p.score == p.max_score for p in result.parts if p.name in scores)
    output = next(p for p in result.parts if p.name == "rnn_output")
    assert {t.message for t in output.tests} == {
        "rnn_output is defined in cell 4, which failed when the notebook was run from the top: NameError: name "
        "'h_demo' is not defined (cell 4, line 6); fix that cell (Restart & Run All shows it)"}


def test_a_lone_surrogate_in_a_cell_becomes_a_replacement_character():
    """JSON can hold "\\ud800"; no Python file can: written as is, it crashed the grader before the sandbox ran."""
    out = notebook_to_source(json.dumps({"nbformat": 4, "cells": [{"cell_type": "code", "source": "x = 1  # \ud800"}]}))
    assert out.source == "x = 1  # \ufffd\n"
    out.source.encode("utf-8")


def test_nesting_is_measured_without_parsing_and_skips_brackets_in_strings():
    from grader.notebooks import MAX_NESTING, _nesting

    assert _nesting('{"a": "[[[[{{", "b": [[1], [2, "]"]]}') == 3
    assert _nesting("[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1)) == MAX_NESTING + 1
