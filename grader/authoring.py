"""One source of truth: an assignment's stub and notebook are generated from its reference.

The reference (solutions/<name>/<module>.py) marks each answer with `### BEGIN SOLUTION` /
`### END SOLUTION`; the stub replaces every such region with `raise NotImplementedError`
at the region's indentation (nbgrader's convention).  The notebook interleaves the
lesson (assignments/<name>/lesson.md, Korean and English, one `<!-- cell: <function> -->`
section per function) with one code cell per stub function.

    rnn-grader generate [--assignment NAME]   # rewrite the stub, the notebook, the stored examples and
                                              # the diagnosis data
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader import diagnosis_data
from grader.checks import stored
from grader.errors import GraderError
from grader.spec import Assignment

LESSON = "lesson.md"  # in the assignment folder

SOLUTION_REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION\n", re.S | re.M)
INTRO, OUTRO = "intro", "check"


class AuthoringError(GraderError):
    """The solution source or the lesson cannot be turned into student files."""


def strip_solutions(source: str) -> str:
    """The stub: every answer region replaced by `raise NotImplementedError`."""
    if source.count("### BEGIN SOLUTION") != source.count("### END SOLUTION"):
        raise AuthoringError("unbalanced ### BEGIN SOLUTION / ### END SOLUTION markers in the solution source")
    return SOLUTION_REGION.sub(lambda m: m.group(1) + "raise NotImplementedError\n", source)


def solution_regions(source: str) -> list[str]:
    """The answer regions of the solution source (what must never reach a student)."""
    return [m.group(0) for m in SOLUTION_REGION.finditer(source)]


@dataclass(frozen=True)
class Pieces:
    header: str  # module docstring and imports
    functions: tuple[tuple[str, str], ...]  # (name, source) in file order


def split_module(source: str) -> Pieces:
    """Cut a module into its header (everything before the first def) and its top-level functions and classes."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    defs = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]  # a class is graded too
    if not defs:
        raise AuthoringError("the solution source defines no functions")
    header = "".join(lines[: defs[0].lineno - 1 - len(defs[0].decorator_list)]).rstrip() + "\n"
    functions = []
    for node, following in zip(defs, defs[1:] + [None]):
        end = following.lineno - 1 if following else len(lines)
        functions.append((node.name, "".join(lines[node.lineno - 1:end]).rstrip() + "\n"))
    return Pieces(header, tuple(functions))


CELL_MARKER = re.compile(r"^<!-- cell: ([\w-]+) -->\n", re.M)


def lesson_sections(text: str) -> dict[str, str]:
    """The lesson's cells keyed by name: the text after each `<!-- cell: name -->` line."""
    parts = CELL_MARKER.split(text)[1:]
    return {name: body.strip() + "\n" for name, body in zip(parts[::2], parts[1::2])}


def check_cell(notebook: str) -> str:
    """The last code cell: checks the saved notebook from inside it (grader.notebook_check)."""
    return ('# 저장된 노트북을 공개 검사로 확인합니다 · Checks the saved notebook with the public checks (lang="ko": 한국어)\n'
            f'from grader.notebook_check import check\ncheck("{notebook}", lang="en")')


def build_notebook(stub_source: str, lesson: str, notebook: str) -> nbformat.NotebookNode:
    """The student notebook `notebook`: lesson cells in Korean and English around one code cell per function,
    and a last cell that checks it."""
    pieces, sections = split_module(stub_source), lesson_sections(lesson)
    missing = [name for name, _ in pieces.functions if name not in sections]
    if missing or INTRO not in sections or OUTRO not in sections:
        raise AuthoringError(f"{LESSON}: missing sections {missing + [s for s in (INTRO, OUTRO) if s not in sections]}")
    cells = [nbformat.v4.new_markdown_cell(sections[INTRO]), nbformat.v4.new_code_cell(_imports(pieces.header))]
    for name, source in pieces.functions:
        cells += [nbformat.v4.new_markdown_cell(sections[name]), nbformat.v4.new_code_cell(source.rstrip())]
    cells += [nbformat.v4.new_markdown_cell(sections[OUTRO]), nbformat.v4.new_code_cell(check_cell(notebook))]
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number:02d}"  # stable ids: the generated file must not change between runs
    nb = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}})
    nbformat.validate(nb)
    return nb


def _imports(header: str) -> str:
    tree = ast.parse(header)
    return "\n".join(ast.get_source_segment(header, node) for node in tree.body
                     if isinstance(node, (ast.Import, ast.ImportFrom)))


def solution_file(assignment: Assignment) -> Path:
    path = assignment.reference_path()
    if path is None or not path.is_file():
        raise AuthoringError(f"{path or 'solutions/' + assignment.name}: the reference solution is needed to build "
                             f"the student files of {assignment.name!r}")
    return path


def student_files(assignment: Assignment) -> dict[str, str]:
    """File name → text of every generated student file (the stub, and the notebook when the
    assignment has a lesson)."""
    module = assignment.manifest.module
    stub = strip_solutions(solution_file(assignment).read_text(encoding="utf-8"))
    files = {f"{module}.py": stub}
    lesson = assignment.folder / LESSON
    if lesson.is_file():
        notebook = f"{module}.ipynb"
        files[notebook] = nbformat.writes(build_notebook(stub, lesson.read_text(encoding="utf-8"), notebook)) + "\n"
    return files


def stored_examples_text(assignment: Assignment) -> str:
    """The public checks' stored right answers: the reference on the designed inputs."""
    from grader.reference import load_reference

    if assignment.misconceptions is None:
        raise AuthoringError(f"{assignment.solutions}: no misconceptions.py with DESIGNED inputs to store answers for")
    return stored.examples_text(assignment.misconceptions.DESIGNED,
                                load_reference(assignment, solution_file(assignment)))


def diagnosis_text(assignment: Assignment) -> str:
    """The public diagnosis data: the right and the catalogued wrong versions on the designed inputs."""
    from grader.reference import load_reference

    return diagnosis_data.data_text(assignment.misconceptions, load_reference(assignment, solution_file(assignment)))


def generate(assignment: Assignment) -> list[Path]:
    """Rewrite the generated student files in the assignment's folder, its stored examples and its diagnosis
    data; returns the paths written."""
    written = []
    for name, text in [*student_files(assignment).items(), (stored.FILE_NAME, stored_examples_text(assignment)),
                       (diagnosis_data.FILE_NAME, diagnosis_text(assignment))]:
        path = assignment.folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
