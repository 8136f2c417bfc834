"""One source of truth: the committed student files are exactly what the reference generates."""
from __future__ import annotations

import re

import nbformat
import pytest

from grader import assignments, authoring
from grader.runner import GradingOptions, grade
from grader.submissions import read_submission
from tests.conftest import REFERENCE, RNN, STUBS


@pytest.mark.parametrize("name", ["rnn", "gated"])
def test_committed_student_files_are_up_to_date(name):
    assignment = assignments.load(name)
    for file, text in authoring.student_files(assignment).items():
        committed = (assignment.folder / file).read_text(encoding="utf-8")
        assert committed == text, f"assignments/{name}/{file} is stale: run `rnn-grader generate --assignment {name}`"


def test_stub_keeps_docstrings_and_drops_every_answer():
    source = REFERENCE.read_text(encoding="utf-8")
    stub = authoring.strip_solutions(source)
    assert stub == STUBS.read_text(encoding="utf-8")
    assert "### BEGIN SOLUTION" not in stub and stub.count("raise NotImplementedError") == 10
    code = re.sub(r'""".*?"""', "", stub, flags=re.S)  # docstrings state the public formulas
    for region in authoring.solution_regions(source):
        body = [line.strip() for line in region.splitlines()[1:-1] if line.strip()]
        assert not any(line in code for line in body if len(line) > 20 and not line.startswith("#"))


def test_unbalanced_markers_are_an_error():
    with pytest.raises(authoring.AuthoringError):
        authoring.strip_solutions("def f():\n    ### BEGIN SOLUTION\n    return 1\n")


def test_notebook_interleaves_bilingual_lesson_and_one_cell_per_function():
    nb = nbformat.reads(authoring.student_files(RNN)["rnn.ipynb"], as_version=4)
    nbformat.validate(nb)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert code[0] == "import numpy as np" and len(code) == 12
    assert code[-1].endswith('from grader.notebook_check import check\ncheck("rnn.ipynb", lang="en")')
    assert [c.split("(")[0].removeprefix("def ") for c in code[1:]][:2] == ["rnn_cell_forward", "rnn_forward"]
    lesson = "\n".join(markdown)
    for term in ("은닉 상태", "시간 역전파", "기울기 소실", "기울기 클리핑", "hidden state", "through time", "vanishing"):
        assert term in lesson


def test_lesson_sections_split_on_markers_only():
    text = "head\n<!-- cell: intro -->\n## not a section\nbody\n<!-- cell: check -->\nend\n"
    assert authoring.lesson_sections(text) == {"intro": "## not a section\nbody\n", "check": "end\n"}


def test_missing_lesson_section_is_an_error():
    with pytest.raises(authoring.AuthoringError, match="missing sections"):
        authoring.build_notebook(STUBS.read_text(encoding="utf-8"), "<!-- cell: intro -->\nhi\n", "rnn.ipynb")


def test_generated_notebook_stubs_score_zero_and_solved_notebook_scores_full(tmp_path, reference):
    solved = authoring.build_notebook(REFERENCE.read_text(encoding="utf-8"),
                                      (RNN.folder / authoring.LESSON).read_text(encoding="utf-8"), "solved.ipynb")
    solved.cells.insert(1, nbformat.v4.new_code_cell("%matplotlib inline\n!pip install numpy"))
    solved.cells.append(nbformat.v4.new_code_cell("import numpy as np\nprint(rnn_forward(np.zeros((1, 2, 3)), "
                                                  "np.zeros((1, 4)), np.ones((3, 4)), np.eye(4), np.zeros(4)))"))
    path = tmp_path / "solved.ipynb"
    path.write_text(nbformat.writes(solved), encoding="utf-8")
    options = GradingOptions(reference=reference, assignment=RNN)
    solved_result = grade(read_submission(path), options)
    assert solved_result.score == 100
    assert not solved_result.extra.get("notes")   # the notebook's own check cell is no graded code, and no failed cell
    stub = tmp_path / "stub.ipynb"
    stub.write_text(authoring.student_files(RNN)["rnn.ipynb"], encoding="utf-8")
    assert grade(read_submission(stub), GradingOptions(mode="check")).score == 0
