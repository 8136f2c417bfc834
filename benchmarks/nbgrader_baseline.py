"""nbgrader's per-submission autograding time on a one-question RNN-cell notebook (the baseline).

nbgrader goes into a throw-away virtual environment (created once, kept in the cache folder
so a second benchmark run does not download it again; `--fresh-nbgrader` starts over). The
course is built from scratch in a temporary folder every run: a source notebook with one
solution cell (the RNN cell) and one autograded test cell, `nbgrader generate_assignment`,
a class of student copies of the released notebook (correct, wrong, broken), then
`nbgrader autograde`, which runs every notebook in a Jupyter kernel, one after the other.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

NBGRADER = "nbgrader==0.9.6"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rnn-grader-bench"

SOLUTION = '''import numpy as np

def rnn_cell_forward(x_t, h_prev, W_xh, W_hh, b_h):
    """h_t = tanh(x_t @ W_xh + h_prev @ W_hh + b_h)"""
    ### BEGIN SOLUTION
    return np.tanh(x_t @ W_xh + h_prev @ W_hh + b_h)
    ### END SOLUTION
'''

TESTS = '''import numpy as np
rng = np.random.default_rng(0)
for N, D, H in [(1, 1, 1), (2, 3, 4), (5, 4, 3), (3, 8, 8)]:
    x, h = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    W_xh, W_hh, b_h = rng.normal(size=(D, H)), rng.normal(size=(H, H)), rng.normal(size=H)
    got = rnn_cell_forward(x, h, W_xh, W_hh, b_h)
    assert got.shape == (N, H)
    np.testing.assert_allclose(got, np.tanh(x @ W_xh + h @ W_hh + b_h), rtol=1e-7, atol=1e-9)
'''

ANSWERS = {  # what a student writes in the solution cell: correct, partly wrong, broken
    "correct": "    return np.tanh(x_t @ W_xh + h_prev @ W_hh + b_h)",
    "wrong": "    return np.tanh(x_t @ W_xh + h_prev @ W_hh) + b_h",
    "broken": "    return np.tanh(x_t @ W_xh + h_prev @ W_hh + b_h  # unclosed",
}


def _cell(kind: str, source: str, grade_id: str, **nbgrader) -> dict:
    meta = {"grade": False, "grade_id": grade_id, "locked": False, "schema_version": 3, "solution": False,
            "task": False, **nbgrader}
    cell = {"cell_type": kind, "metadata": {"nbgrader": meta}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def source_notebook() -> dict:
    cells = [_cell("markdown", "# RNN cell\nImplement `rnn_cell_forward`.", "intro", locked=True),
             _cell("code", SOLUTION, "rnn_cell", solution=True),
             _cell("code", TESTS, "test_rnn_cell", grade=True, locked=True, points=10)]
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                         "language_info": {"name": "python"}}}


def venv(fresh: bool = False) -> Path:
    """The throw-away environment holding nbgrader; its `bin` folder."""
    home = CACHE / NBGRADER.replace("==", "-")
    if fresh:
        shutil.rmtree(home, ignore_errors=True)
    bin_dir = home / "bin"
    if not (bin_dir / "nbgrader").exists():
        shutil.rmtree(home, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(home)], check=True)
        done = subprocess.run([str(bin_dir / "pip"), "install", "-q", NBGRADER, "ipykernel", "numpy"],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"cannot install {NBGRADER} into {home}:\n{done.stderr[-2000:]}")
    return bin_dir


def version(bin_dir: Path) -> str:
    done = subprocess.run([str(bin_dir / "python"), "-c", "import nbgrader; print(nbgrader.__version__)"],
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


def course(root: Path, bin_dir: Path, students: int) -> None:
    """A course folder with the assignment released and `students` submissions in it."""
    root.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'bench'\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        "c.ExecutePreprocessor.timeout = 60\n", encoding="utf-8")
    source = root / "source" / "rnn1"
    source.mkdir(parents=True)
    (source / "rnn.ipynb").write_text(json.dumps(source_notebook(), indent=1), encoding="utf-8")
    nbgrader(bin_dir, root, "generate_assignment", "rnn1", "--create", "--force")
    released = json.loads((root / "release" / "rnn1" / "rnn.ipynb").read_text(encoding="utf-8"))
    kinds = list(ANSWERS)
    for i in range(students):
        notebook = json.loads(json.dumps(released))
        for cell in notebook["cells"]:
            if cell["metadata"].get("nbgrader", {}).get("grade_id") == "rnn_cell":
                text = "".join(cell["source"])
                cell["source"] = text.replace("    # YOUR CODE HERE\n    raise NotImplementedError()",
                                              ANSWERS[kinds[i % len(kinds)]])
        folder = root / "submitted" / f"student{i:03d}" / "rnn1"
        folder.mkdir(parents=True)
        (folder / "rnn.ipynb").write_text(json.dumps(notebook), encoding="utf-8")


def nbgrader(bin_dir: Path, root: Path, *args: str) -> None:
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "JUPYTER_CONFIG_DIR": str(root / ".jupyter"), "JUPYTER_DATA_DIR": str(root / ".jupyter-data")}
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run([str(bin_dir / "nbgrader"), *args], cwd=root, env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(f"nbgrader {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")


def autograde_seconds(bin_dir: Path, work: Path, students: int, runs: int) -> list[float]:
    """Seconds per submission of `nbgrader autograde` over a fresh course, once per run."""
    out = []
    for run in range(runs):
        root = work / f"nbgrader-course-{run}"
        shutil.rmtree(root, ignore_errors=True)
        course(root, bin_dir, students)
        start = time.perf_counter()
        nbgrader(bin_dir, root, "autograde", "rnn1", "--create", "--force")
        out.append((time.perf_counter() - start) / students)
        graded = list((root / "autograded").glob("*/rnn1/rnn.ipynb"))
        if len(graded) != students:
            raise SystemExit(f"nbgrader autograded {len(graded)} of {students} submissions")
    return out
