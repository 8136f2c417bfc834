"""The student bundle: stubs, notebook, public checks and grader; no reference code, no hidden checks."""
from __future__ import annotations

import ast
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import nbformat
import pytest

from grader import assignments, authoring, cli, release
from grader.cli import main
from tests.conftest import REFERENCE, RNN, ROOT

@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "rnn"
    assert main(["release", "--out", str(out)]) == 0
    return out


def test_bundle_holds_stubs_notebook_grader_and_no_instructor_files(bundle):
    names = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if "__pycache__" not in p.parts}
    assert {"rnn.py", "rnn.ipynb", "pyproject.toml", "grader/cli.py", "assignments/rnn/checks/forward.py",
            "assignments/rnn/assignment.toml", "assignments/rnn/stored_examples.json",
            "assignments/rnn/locales/ko.json"} <= names
    assert not any("hidden" in n or "misconceptions" in n or n.startswith("solutions") or n.endswith("lesson.md")
                   for n in names)
    assert (bundle / "rnn.py").read_text(encoding="utf-8") == (RNN.folder / "rnn.py").read_text(encoding="utf-8")


def code_lines(source: str) -> list[str]:
    """The lines of Python code in `source`, whitespace collapsed, without comments and docstrings."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # not Python (a notebook cell with magics): every line counts
        return [" ".join(line.split()) for line in source.splitlines()]
    docstrings = {n for node in ast.walk(tree) if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
                  and ast.get_docstring(node) is not None
                  for n in range(node.body[0].lineno, node.body[0].end_lineno + 1)}
    lines = source.splitlines()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            row, column = token.start
            lines[row - 1] = lines[row - 1][:column]
    return [" ".join(line.split()) for number, line in enumerate(lines, 1) if number not in docstrings]


def solution_code_lines() -> set[str]:
    """The references' code lines (every installed assignment's) that compute something: `return` dropped, and left out the
    imports, block headers (`for t in range(T):`) and trivial lines of fewer than four tokens
    (`return h`, `else:`)."""
    found = set()
    references = [assignments.load(name).reference_path() for name in assignments.installed()]
    for path in references:
        for line in code_lines(path.read_text(encoding="utf-8")):
            line = line.removeprefix("return ")
            if line and not line.startswith(("import ", "from ")) and not line.endswith(":") and \
                    len(re.findall(r"\w+|[^\w\s]", line)) >= 4:
                found.add(line)
    return found


def bundle_lines(bundle: Path) -> dict[str, list[str]]:
    """Every file of the bundle as lines to search: the code of Python files and notebook code
    cells (their docstrings restate the assignment's formulas), and other text files whole."""
    found = {}
    for path in bundle.rglob("*"):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        if path.suffix == ".py":
            lines = code_lines(text)
        elif path.suffix == ".ipynb":
            lines = [line for cell in nbformat.reads(text, as_version=4).cells if cell.cell_type == "code"
                     for line in code_lines(cell.source)]
        else:
            lines = [" ".join(line.split()) for line in text.splitlines()]
        found[path.relative_to(bundle).as_posix()] = lines
    return found


def test_no_code_line_of_the_solutions_reaches_the_bundle(bundle):
    solution = solution_code_lines()
    assert "np.tanh(x_t @ W_xh + h_prev @ W_hh + b_h)" in solution and "h @ W_hy + b_y" in solution
    leaks = {(line, name) for name, lines in bundle_lines(bundle).items() for line in solution
             if any(line in text for text in lines)}
    assert not leaks, sorted(leaks)


def bundled_functions_reproducing_answers(bundle: Path, work: Path) -> list[str]:
    work.mkdir()
    run = subprocess.run([sys.executable, str(ROOT / "tests" / "bundle_functions.py"), str(bundle)], cwd=work,
                         capture_output=True, text=True, env={**os.environ, "HOME": str(work)})
    assert run.returncode == 0, run.stderr
    return run.stdout.splitlines()


def test_no_bundled_function_reproduces_a_graded_answer(bundle, tmp_path):
    assert bundled_functions_reproducing_answers(bundle, tmp_path / "work") == []


def test_a_bundled_function_that_computes_a_part_is_found(bundle, tmp_path):
    copy = tmp_path / "bundle"
    shutil.copytree(bundle, copy)
    (copy / "grader" / "checks" / "leaked.py").write_text(
        "def affine(h, W, b):\n    return h @ W + b\n", encoding="utf-8")
    assert bundled_functions_reproducing_answers(copy, tmp_path / "work") == [
        "grader/checks/leaked.py::affine reproduces rnn_output"]


def test_bundle_grader_checks_stubs_without_solutions_or_hidden_checks(bundle, tmp_path):
    work = tmp_path / "student"
    work.mkdir()
    (work / "rnn.py").write_text((bundle / "rnn.py").read_text(encoding="utf-8"), encoding="utf-8")
    (work / "solved.py").write_text(REFERENCE.read_text(encoding="utf-8"), encoding="utf-8")
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import grader, grader.assignments as a, grader.cli as c; "
            "assert grader.__file__.startswith(sys.argv[1]), grader.__file__; "
            "assert all(ch.public for p in a.load('rnn').parts for ch in p.checks); "
            "sys.exit(c.main(sys.argv[2:]))")
    env = {k: v for k, v in os.environ.items() if k != "RNN_GRADER_SOLUTIONS"}

    def run(*args):
        return subprocess.run([sys.executable, "-c", code, str(bundle), *args], cwd=work, capture_output=True,
                              text=True, env=env)

    stubs = run("check", "rnn.py", "--timeout", "5")
    assert stubs.returncode == 0 and "0 / 100" in stubs.stdout
    solved = run("check", "solved.py", "--fail-under", "100")
    assert solved.returncode == 0 and "100 / 100" in solved.stdout
    notebook = run("check", str(bundle / "rnn.ipynb"))
    assert notebook.returncode == 0 and "0 / 100" in notebook.stdout
    graded = run("grade", "solved.py", "--out", str(tmp_path / "out"))
    assert graded.returncode == 2 and "reference solution not found" in graded.stderr
    shutil.copy(bundle / "rnn.ipynb", work / "rnn.ipynb")
    inline = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import grader; "
                             "assert grader.__file__.startswith(sys.argv[1]); "
                             "from grader.notebook_check import check; check()", str(bundle)],
                            cwd=work, capture_output=True, text=True, env=env)   # the notebook's own check, as in it
    assert inline.returncode == 0 and "rnn.ipynb" in inline.stdout and "0 / 100" in inline.stdout, inline.stderr


def test_release_refuses_a_non_empty_folder(tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("x", encoding="utf-8")
    assert main(["release", "--out", str(tmp_path)]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_bundle_pyproject_installs_the_grader_without_test_extras(bundle):
    text = (bundle / "pyproject.toml").read_text(encoding="utf-8")
    assert 'rnn-grader = "grader.cli:main"' in text and "torch" not in text and "pytest" in text
    assert 'hypothesis==' in text and 'include = ["grader*", "assignments*"]' in text


def readme_commands(bundle: Path) -> list[str]:
    """The shell commands the bundle's README shows: the lines of its code blocks."""
    text = (bundle / "README.md").read_text(encoding="utf-8")
    return [line.strip() for block in re.findall(r"^```\n(.*?)^```", text, re.S | re.M) for line in block.splitlines()]


def test_the_bundle_has_a_bilingual_readme_whose_commands_parse(bundle):
    text = (bundle / "README.md").read_text(encoding="utf-8")
    assert "## English" in text and "## 한국어" in text and "rnn.ipynb" in text
    commands = readme_commands(bundle)
    assert commands[0] == "pip install ." and "rnn-grader check" in commands and "rnn-grader check --lang ko" in commands
    inline = re.findall(r"`(rnn-grader [^`]+)`", text)
    assert "rnn-grader check --watch" in inline
    for command in [c for c in commands + inline if c.startswith("rnn-grader ")]:
        args = cli.parser().parse_args(shlex.split(command)[1:])   # a usage error would exit
        assert args.command == "check", command


def test_the_bundle_gitignore_hides_what_installing_and_checking_leave(bundle, tmp_path):
    copy = tmp_path / "student"
    shutil.copytree(bundle, copy)
    leftovers = ["build/lib/grader/cli.py", "rnn_grader.egg-info/PKG-INFO", "__pycache__/rnn.cpython-311.pyc",
                 ".hypothesis/examples/x", "reports/rnn.html", "rnn.html", "rnn.junit.xml",
                 ".ipynb_checkpoints/rnn-checkpoint.ipynb"]
    for name in leftovers:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_text("x", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(copy)], check=True)
    shown = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=copy, capture_output=True,
                           text=True, check=True).stdout
    assert not [name for name in leftovers if name in shown]
    assert {"?? rnn.py", "?? rnn.ipynb", "?? README.md", "?? .gitignore"} <= set(shown.splitlines())


def test_the_bundle_installs_with_pip_and_checks_outside_its_folder(bundle, tmp_path):
    """The README's install line (`pip install .`, not editable) puts the assignment folder next to the
    package, where the grader looks: `rnn-grader check` then works from any folder."""
    target, copy = tmp_path / "site", tmp_path / "bundle"
    shutil.copytree(bundle, copy)  # pip builds in the source folder: keep the shared bundle clean
    install = shlex.split(readme_commands(bundle)[0])
    assert install[:2] == ["pip", "install"]
    done = subprocess.run([sys.executable, "-m", *install, "-q", "--no-deps", "--no-build-isolation",  # offline here
                           "--target", str(target)], cwd=copy, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (target / "assignments" / "rnn" / "assignment.toml").is_file() and (target / "grader" / "cli.py").is_file()
    work = tmp_path / "work"
    work.mkdir()
    (work / "rnn.py").write_text(REFERENCE.read_text(encoding="utf-8"), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(target)}
    checked = subprocess.run([sys.executable, "-m", "grader", "check", "--timeout", "5"], cwd=work,
                             capture_output=True, text=True, env=env)
    assert checked.returncode == 0 and "100 / 100" in checked.stdout, checked.stderr
