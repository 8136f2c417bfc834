"""The student bundle: stubs, notebook, public checks and grader; no reference code, no hidden checks."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader import authoring, release
from grader.cli import main
from tests.conftest import REFERENCE, ROOT

# Reference lines that restate a formula the stub's docstrings print for students (so they
# may appear in the bundle's public checks): reference line → where the docstring states it.
PUBLIC_FORMULAS = {
    "return np.tanh(x_t @ W_xh + h_prev @ W_hh + b_h)": "h_t = tanh(x_t @ W_xh + h_prev @ W_hh + b_h)",
    "return h @ W_hy + b_y": "y[:, t] = h[:, t] @ W_hy + b_y",
    "coef = max_norm / (total_norm + 1e-6)": "coef = max_norm / (total_norm + 1e-6)",
}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "rnn"
    assert main(["release", "--out", str(out)]) == 0
    return out


def bundle_texts(bundle: Path) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8", errors="ignore") for p in bundle.rglob("*") if p.is_file()}


def test_bundle_holds_stubs_notebook_grader_and_no_instructor_files(bundle):
    names = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if "__pycache__" not in p.parts}
    assert {"rnn.py", "rnn.ipynb", "pyproject.toml", "grader/cli.py", "grader/checks/forward.py"} <= names
    assert not {"grader/misconceptions.py", "grader/checks/hidden.py"} & names
    assert not any(n.startswith("solutions") or n.endswith("lesson.md") for n in names)
    assert (bundle / "rnn.py").read_text(encoding="utf-8") == (authoring.ASSIGNMENT / "rnn.py").read_text(
        encoding="utf-8")


def test_no_reference_function_body_reaches_the_bundle(bundle):
    source = REFERENCE.read_text(encoding="utf-8")
    stub = authoring.strip_solutions(source)
    for line, stated in PUBLIC_FORMULAS.items():
        assert stated in stub, f"the docstrings no longer state {stated!r}; drop it from PUBLIC_FORMULAS"
    texts = bundle_texts(bundle)
    flat = {p: " ".join(t.split()) for p, t in texts.items()}
    for region in authoring.solution_regions(source):
        body = [line.strip() for line in region.splitlines()[1:-1] if line.strip()]
        whole = " ".join(" ".join(body).split())
        if body != [b for b in body if b in PUBLIC_FORMULAS]:
            assert not any(whole in t for t in flat.values()), body[0]
        for line in body:
            if len(line) > 20 and not line.startswith("#") and line not in PUBLIC_FORMULAS:
                leaks = [p.relative_to(bundle).as_posix() for p, t in texts.items() if line in t]
                assert not leaks, f"{line!r} found in {leaks}"


def test_bundle_grader_checks_stubs_without_solutions_or_hidden_checks(bundle, tmp_path):
    work = tmp_path / "student"
    work.mkdir()
    (work / "rnn.py").write_text((bundle / "rnn.py").read_text(encoding="utf-8"), encoding="utf-8")
    (work / "solved.py").write_text(REFERENCE.read_text(encoding="utf-8"), encoding="utf-8")
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import grader, grader.spec as s, grader.cli as c; "
            "assert grader.__file__.startswith(sys.argv[1]), grader.__file__; "
            "assert all(ch.public for p in s.RNN.parts for ch in p.checks); "
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


def test_release_refuses_a_non_empty_folder(tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("x", encoding="utf-8")
    assert main(["release", "--out", str(tmp_path)]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_bundle_pyproject_installs_the_grader_without_test_extras(bundle):
    text = (bundle / "pyproject.toml").read_text(encoding="utf-8")
    assert 'rnn-grader = "grader.cli:main"' in text and "torch" not in text and "pytest" in text
    assert release.INSTRUCTOR_ONLY and ROOT.joinpath("grader", "misconceptions.py").exists()
