"""Notebooks in, Python source out: magics neutralised, line numbers kept, bad notebooks named clearly."""
from __future__ import annotations

import ast
import json

import nbformat
import pytest
from nbformat import v4

from grader.notebooks import NotebookError, notebook_to_source


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
