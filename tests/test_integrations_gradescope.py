"""`rnn-grader export gradescope`: the zip has what Gradescope needs at its root, and its
run_autograder, unpacked and run against submissions laid out as Gradescope lays them out
(/autograder/submission, here under a temporary root), writes a results.json that passes the
Gradescope schema, with the hidden tests after_published."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import jsonschema
import pytest

from grader.cli import main
from grader.sandbox.isolation import LEVELS, probe
from tests.conftest import HOSTILE, MISTAKES, REFERENCE, STUBS, compose

SCHEMA = json.loads((Path(__file__).resolve().parent / "fixtures" / "schemas" /
                     "gradescope_results.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "autograder.zip"
    assert main(["export", "gradescope", "--out", str(out), "--solutions", str(REFERENCE), "--seed", "1234",
                 "--lang", "ko", "--timeout", "5"]) == 0
    return out


def unpack(archive: Path, root: Path) -> Path:
    """As Gradescope does: the zip's contents in /autograder/source, modes kept."""
    source = root / "source"
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            target = source / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(z.read(info))
            target.chmod((info.external_attr >> 16) & 0o777 or 0o644)
    return source


def run_autograder(root: Path, submission: dict[str, bytes], isolation: str | None = None) -> dict:
    folder = root / "submission"
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in submission.items():
        (folder / name).write_bytes(data)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RNN_GRADER", "PYTHON"))}
    env.update(AUTOGRADER_ROOT=str(root), RNN_GRADER_PYTHON=sys.executable)
    if isolation:
        env["RNN_GRADER_ISOLATION"] = isolation
    done = subprocess.run([str(root / "source" / "run_autograder")], cwd=root, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    document = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    return document


def test_the_zip_has_what_gradescope_and_grade_need(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as z:
        names = set(z.namelist())
        modes = {i.filename: (i.external_attr >> 16) for i in z.infolist()}
        run = z.read("run_autograder").decode("utf-8")
    assert {"setup.sh", "run_autograder", "rnn-grader/pyproject.toml", "rnn-grader/solutions/rnn/rnn.py"} <= names
    for script in ("setup.sh", "run_autograder"):
        assert modes[script] & stat.S_IXUSR, script
    assert {"rnn-grader/grader/cli.py", "rnn-grader/solutions/rnn/checks/hidden.py",
            "rnn-grader/solutions/rnn/checks/misconceptions.py",
            "rnn-grader/assignments/rnn/assignment.toml", "rnn-grader/assignments/rnn/locales/ko.json",
            "rnn-grader/grader/locales/ko.json"} <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert "--seed 1234" in run and "--lang ko" in run and "--format gradescope" in run
    with zipfile.ZipFile(autograder_zip) as z:
        pyproject = z.read("rnn-grader/pyproject.toml").decode("utf-8")
    assert "numpy" in pyproject and "torch" not in pyproject and "pytest" not in pyproject


def test_the_scripts_are_valid_bash(autograder_zip, tmp_path):
    source = unpack(autograder_zip, tmp_path)
    for script in ("setup.sh", "run_autograder"):
        done = subprocess.run(["bash", "-n", str(source / script)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


def test_run_autograder_on_a_submission_with_a_known_mistake(autograder_zip, tmp_path):
    unpack(autograder_zip, tmp_path)
    document = run_autograder(tmp_path, {"rnn.py": compose(MISTAKES / "missing_tanh.py").encode("utf-8"),
                                         "notes.txt": b"uploaded along with it"})
    tests = document["tests"]
    assert 0 < document["score"] < 100
    assert document["score"] == pytest.approx(sum(t["score"] for t in tests))
    assert sum(t["max_score"] for t in tests) == pytest.approx(100)
    assert {t["visibility"] for t in tests} == {"visible", "after_published"}
    assert any(t["visibility"] == "after_published" and t["status"] == "passed" for t in tests)
    forward = [t for t in tests if t["name"].startswith("rnn_cell_forward:") and t["status"] == "failed"]
    assert forward and "missing-tanh" in forward[0]["tags"]
    assert "tanh" in forward[0]["output"]
    assert document["extra_data"]["seed"] == 1234 and document["extra_data"]["mode"] == "grade"
    assert "점" in document["output"]  # Korean, as exported


def test_run_autograder_on_the_reference_and_on_a_notebook_of_stubs(autograder_zip, tmp_path):
    unpack(autograder_zip, tmp_path)
    assert run_autograder(tmp_path, {"rnn.py": REFERENCE.read_bytes()})["score"] == 100
    (tmp_path / "submission" / "rnn.py").unlink()
    import nbformat
    from nbformat import v4

    notebook = v4.new_notebook(cells=[v4.new_code_cell(STUBS.read_text(encoding="utf-8"))])
    document = run_autograder(tmp_path, {"rnn.ipynb": nbformat.writes(notebook).encode("utf-8")})
    assert document["score"] == 0 and all(t["status"] == "failed" for t in document["tests"])


def test_run_autograder_explains_an_unreadable_upload(autograder_zip, tmp_path):
    unpack(autograder_zip, tmp_path)
    document = run_autograder(tmp_path, {"rnn.py": b"x = 1\n", "rnn.ipynb": b"{}"})
    assert document["score"] == 0 and document["tests"] == []
    assert "rnn-grader could not grade this submission" in document["output"]
    assert "rnn.py" in document["output"] and "Traceback" not in document["output"]


def test_export_errors_are_one_line(tmp_path, capsys):
    assert main(["export", "gradescope", "--out", str(tmp_path / "a.zip"), "--solutions",
                 str(tmp_path / "missing.py")]) == 2
    assert "reference solution not found" in capsys.readouterr().err
    assert main(["export", "gradescope", "--out", str(tmp_path / "a.tar"), "--solutions", str(REFERENCE)]) == 2
    assert ".zip" in capsys.readouterr().err


@pytest.mark.parametrize("level", LEVELS)
def test_the_reference_and_hidden_checks_are_unreadable_to_the_student(autograder_zip, level):
    """The student's code knows where Gradescope keeps the autograder and tries to read the
    reference and the hidden checks there, left world-readable as a Docker image may have them."""
    if not probe(level).ok:
        pytest.skip(f"{level}: {probe(level).reason}")
    root = Path(tempfile.mkdtemp(prefix="rnn-grader-autograder-"))  # outside the 0700 pytest tree
    try:
        root.chmod(0o755)
        source = unpack(autograder_zip, root)
        secrets = [source / "rnn-grader" / "solutions" / "rnn" / name for name in ("rnn.py", "checks/hidden.py")]
        assert all(p.stat().st_mode & stat.S_IROTH for p in secrets)  # only the sandbox stands in the way
        fixture = (HOSTILE / "reads_autograder_source.py").read_text(encoding="utf-8")
        fixture = fixture.replace('ROOT = "/autograder"', f"ROOT = {str(root)!r}")
        document = run_autograder(root, {"rnn.py": fixture.encode("utf-8")}, isolation=level)
        assert document["score"] == 0
        said = {t["output"] for t in document["tests"] if "autograder source" in t["output"]}
        assert said and all("read nothing; refused source/rnn-grader/solutions/rnn/rnn.py (" in o and "hidden.py (" in o
                            for o in said), said
    finally:
        shutil.rmtree(root, ignore_errors=True)

