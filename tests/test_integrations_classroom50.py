"""`rnn-grader export classroom50`: the folder has what Classroom 50 needs, and its autograder.py,
run as Classroom 50's runner runs it (bundle extracted under RUNNER_TEMP, the student's checkout as
working directory, the runner's environment variables), writes a result.json that passes a schema
written from Classroom 50's contract, whose whole-number scores map back to the grader's exact
points, plus the release body and the step outputs."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

import grader
from grader.cli import main
from grader.integrations import classroom50
from grader.reports import classroom50 as result_format
from tests.conftest import MISTAKES, REFERENCE, RNN, ROOT, compose
from tests.reports.helpers import make_result

SCHEMA = json.loads((ROOT / "tests" / "fixtures" / "schemas" / "classroom50_result.schema.json")
                    .read_text(encoding="utf-8"))
SHADOWING = ROOT / "tests" / "fixtures" / "classroom50" / "shadowing_grader"
COMMITTED = "2026-03-15T23:59:30+09:00"  # the committer date; the author date differs on purpose
COMMITTED_UTC = "2026-03-15T14:59:30Z"


@pytest.fixture(scope="module")
def public_export(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "rnn"
    assert main(["export", "classroom50", "--out", str(out), "--lang", "ko", "--seed", "1234"]) == 0
    return out


def git(repo: Path, *args: str, env: dict | None = None) -> str:
    done = subprocess.run(["git", "-c", "user.name=s", "-c", "user.email=s@example.org", "-C", str(repo), *args],
                          check=True, capture_output=True, text=True, env={**os.environ, **(env or {})})
    return done.stdout.strip()


def checkout(root: Path, files: dict[str, str], committed: str = COMMITTED) -> Path:
    """A student's repository as the runner checks it out: committed at a fixed committer date."""
    repo = root / "cs101-rnn-alice"
    repo.mkdir(parents=True)
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "submit", env={"GIT_AUTHOR_DATE": "2026-01-01T00:00:00+00:00",
                                                    "GIT_COMMITTER_DATE": committed})
    return repo


def run_autograder(export: Path, repo: Path, tmp: Path) -> tuple[subprocess.CompletedProcess, dict[str, str]]:
    """As Classroom 50's runner: the bundle under RUNNER_TEMP/classroom50-runtime/ASSIGNMENT, the
    checkout as working directory, its environment; this venv's Python stands in for the installation."""
    runner_temp = tmp / "runner-temp"
    bundle = runner_temp / "classroom50-runtime" / "rnn"
    shutil.copytree(export, bundle, dirs_exist_ok=True)
    outputs = tmp / "github-output"
    outputs.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RNN_GRADER", "PYTHON"))}
    env.update(CLASSROOM="cs101", ASSIGNMENT="rnn", SUBMISSION_TAG="submit/2026-03-15T14-59-30Z-a1b2c3d",
               USERNAME="alice", OWNER="alice", ASSIGNMENT_TYPE="individual",
               COMMIT_URL="https://github.com/cs101/cs101-rnn-alice/commit/a1b2c3d",
               RELEASE_URL="https://github.com/cs101/cs101-rnn-alice/releases/tag/submit%2F2026",
               REVIEW_URL="https://github.com/cs101/cs101-rnn-alice/compare/000...a1b2c3d",
               GITHUB_SHA=git(repo, "rev-parse", "HEAD"), GITHUB_OUTPUT=str(outputs), RUNNER_TEMP=str(runner_temp),
               CLASSROOM50_BUNDLE_DIR=str(bundle), RNN_GRADER_PYTHON=sys.executable)
    done = subprocess.run([sys.executable, str(bundle / "autograder.py")], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=600)
    written = dict(line.split("=", 1) for line in outputs.read_text(encoding="utf-8").splitlines())
    return done, written


def valid_result(repo: Path) -> dict:
    document = json.loads((repo / "result.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    assert document["score"] == sum(t["score"] for t in document["tests"]) <= document["max-score"]
    assert document["max-score"] == sum(t["max-score"] for t in document["tests"])
    assert all(t["score"] <= t["max-score"] for t in document["tests"])
    return document


def exact_points(document: dict) -> tuple[float, float]:
    """The grader's points from Classroom 50's integers: units divided by the scale every test carries."""
    (scale,) = {t["scale"] for t in document["tests"]}
    return document["score"] / scale, document["max-score"] / scale


def our_report(path: Path, tmp: Path, *options: str) -> dict:
    assert main(["check", str(path), "--format", "json", "--out", str(tmp / "ours"), *options]) in (0, 1)
    (report,) = (tmp / "ours").glob("*.json")
    return json.loads(report.read_text(encoding="utf-8"))


# ---- the folder -----------------------------------------------------------------------------------

def test_the_folder_has_the_autograder_the_grader_and_the_instructions(public_export):
    assert sorted(p.name for p in public_export.iterdir()) == ["README.md", "autograder.py", "rnn-grader",
                                                               "runtime.json"]
    source = public_export / "rnn-grader"
    assert (source / "grader" / "cli.py").is_file() and (source / "assignments" / "rnn" / "assignment.toml").is_file()
    assert not (source / "solutions").exists()  # public checks only: nothing secret in the folder
    assert not [p for p in source.rglob("*") if "__pycache__" in p.parts or p.suffix == ".pyc"]
    pyproject = (source / "pyproject.toml").read_text(encoding="utf-8")
    assert f'version = "{grader.__version__}"' in pyproject and "torch" not in pyproject
    autograder = (public_export / "autograder.py").read_text(encoding="utf-8")
    compile(autograder, "autograder.py", "exec")
    assert "MODE = 'check'" in autograder and "'--lang', 'ko'" in autograder and "'--seed', '1234'" in autograder
    assert json.loads((public_export / "runtime.json").read_text(encoding="utf-8"))["python"] == "3.11"
    readme = (public_export / "README.md").read_text(encoding="utf-8")
    for said in ("CLASSROOM/autograders/ASSIGNMENT/autograder.py", '"python": "3.11"', "Who can read this folder",
                 ".classroom50.yaml", "TAs read", "sandbox", "10000 for this"):
        assert said in readme, said


def test_the_bundled_grader_installs_as_the_same_version(public_export, tmp_path):
    target = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                           "--no-build-isolation", "--target", str(target), str(public_export / "rnn-grader")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (target / "grader" / "integrations" / "classroom50.py").is_file()
    assert (target / "assignments" / "rnn" / "checks").is_dir()
    assert (target / f"rnn_grader-{grader.__version__}.dist-info").is_dir()


def test_hidden_exports_the_reference_and_grades_with_it(tmp_path, capsys):
    out = tmp_path / "hidden"
    assert main(["export", "classroom50", "--out", str(out), "--hidden", "--solutions", str(REFERENCE)]) == 0
    assert (out / "rnn-grader" / "solutions" / "rnn" / "rnn.py").read_bytes() == REFERENCE.read_bytes()
    assert (out / "rnn-grader" / "solutions" / "rnn" / "checks" / "hidden.py").is_file()
    assert "MODE = 'grade'" in (out / "autograder.py").read_text(encoding="utf-8")
    assert "Hidden checks and the reference are in this folder" in (out / "README.md").read_text(encoding="utf-8")
    repo = checkout(tmp_path, {"rnn.py": compose(MISTAKES / "missing_tanh.py")})
    done, outputs = run_autograder(out, repo, tmp_path)
    assert done.returncode == 0, done.stderr
    tests = valid_result(repo)["tests"]
    assert {t["public"] for t in tests} == {True, False}  # hidden checks graded too
    assert any("missing-tanh" in t["misconceptions"] for t in tests if not t["passed"])
    assert "missing-tanh" in (repo / "release-body.md").read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["export", "classroom50", "--out", str(out)]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    assert main(["export", "classroom50", "--out", str(tmp_path / "h2"), "--hidden", "--solutions",
                 str(tmp_path / "missing.py")]) == 2
    assert "reference solution not found" in capsys.readouterr().err
    assert main(["export", "gradescope", "--out", str(tmp_path / "a.zip"), "--hidden"]) == 2
    assert "--hidden is for classroom50" in capsys.readouterr().err


# ---- run as Classroom 50 runs it --------------------------------------------------------------------

def test_a_submission_with_a_known_mistake(public_export, tmp_path):
    repo = checkout(tmp_path, {"rnn.py": compose(MISTAKES / "clip_per_tensor.py")})
    done, outputs = run_autograder(public_export, repo, tmp_path)
    assert done.returncode == 0, done.stderr
    document = valid_result(repo)
    assert document["datetime"] == COMMITTED_UTC  # the committer date, not the author date, in UTC
    assert (document["classroom"], document["assignment"], document["owner"]) == ("cs101", "rnn", "alice")
    report = our_report(repo / "rnn.py", tmp_path, "--seed", "1234", "--lang", "ko")
    points, max_points = exact_points(document)
    assert (points, max_points) == (pytest.approx(report["score"], abs=1e-9), report["max_score"])
    assert 0 < points < max_points and document["score"] == round(report["score"] * 10_000)
    failed = [t for t in document["tests"] if not t["passed"]]
    assert failed and all(t["test-name"].startswith("clip_grad_norm: ") and t["points"] == 0 for t in failed)
    body = (repo / "release-body.md").read_text(encoding="utf-8")
    assert body.startswith("## ") and "clip_grad_norm" in body and "max_norm" in body  # the report, in Korean
    assert f"{document['score']} / {document['max-score']}" in body  # how Classroom 50's numbers relate
    assert outputs["status"] == "failure"
    assert outputs["summary"].startswith(f"rnn-grader: {report['score']:g} / 100") and \
        f"{document['score']} / {document['max-score']}" in outputs["summary"]


def test_the_checkout_cannot_stand_in_for_the_grader(public_export, tmp_path):
    files = {str(p.relative_to(SHADOWING)): p.read_text(encoding="utf-8") for p in SHADOWING.rglob("*.py")}
    repo = checkout(tmp_path, {**files, "rnn.py": REFERENCE.read_text(encoding="utf-8")})
    done, outputs = run_autograder(public_export, repo, tmp_path)
    assert done.returncode == 0, done.stderr
    document = valid_result(repo)
    assert "forged" not in document and exact_points(document) == (100, 100) and outputs["status"] == "success"
    assert not (repo / "sitecustomize-ran").exists()


def test_an_unreadable_submission_scores_zero_with_the_reason(public_export, tmp_path):
    repo = checkout(tmp_path, {"notes.md": "I did not finish\n"})
    done, outputs = run_autograder(public_export, repo, tmp_path)
    assert done.returncode == 0, done.stderr  # the grader ran: the score says the rest
    document = valid_result(repo)
    assert exact_points(document) == (0, 100) and document["score"] == 0 and document["max-score"] == 100
    assert outputs["status"] == "failure"
    body = (repo / "release-body.md").read_text(encoding="utf-8")
    assert "rnn.py" in body and str(repo) not in body  # the reason, without the runner's paths


def test_without_classroom_50s_environment_it_is_an_infrastructure_error(public_export, tmp_path):
    repo = checkout(tmp_path, {"rnn.py": REFERENCE.read_text(encoding="utf-8")})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RNN_GRADER", "PYTHON", "CLASSROOM"))}
    done = subprocess.run([sys.executable, str(public_export / "autograder.py")], cwd=repo, capture_output=True,
                          text=True, timeout=600, env={**env, "RNN_GRADER_PYTHON": sys.executable})
    assert done.returncode == 1 and "CLASSROOM" in done.stderr and not (repo / "result.json").exists()


# ---- pieces -----------------------------------------------------------------------------------------

def test_assignment_files_are_dated_by_their_last_commit(tmp_path):
    repo = checkout(tmp_path, {"rnn.py": "x = 1\n", "rnn.ipynb": "{}\n"}, committed="2026-03-01T10:00:00+00:00")
    (repo / "rnn.ipynb").write_text("{ }\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "later", env={"GIT_COMMITTER_DATE": "2026-03-02T10:00:00+00:00"})
    for name in ("rnn.py", "rnn.ipynb"):
        os.utime(repo / name, (0, 0))  # a checkout's times say nothing
    classroom50.date_by_last_commit(repo, repo, RNN.files)
    assert (repo / "rnn.ipynb").stat().st_mtime - (repo / "rnn.py").stat().st_mtime == 24 * 3600


def test_whole_numbers_are_exact_units_of_the_shares():
    result = make_result()
    scale = result_format.scale(result)
    rows = result_format.tests(result, scale)
    assert all(float(r["max-score"]) == pytest.approx(r["max-points"] * scale, abs=1e-9) for r in rows)
    assert sum(r["score"] for r in rows) / scale == pytest.approx(result.score, abs=1e-9)
    assert result_format.scale_of([10.0, 5.0]) == 1 and result_format.scale_of([1.5, 2.25]) == 100
