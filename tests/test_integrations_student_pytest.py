"""`pytest assignments/rnn`: one test per part with the verdicts of `rnn-grader check`, and the
score at the end; the project's own `pytest` never collects it."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.cli import main
from grader.i18n import text
from grader.reports.view import num
from tests.conftest import RNN
from tests.conftest import MISTAKES, REFERENCE, ROOT, compose

ASSIGNMENT = ROOT / "assignments" / "rnn"


def pytest_run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RNN_", "PYTEST_"))}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rN", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=600)


def student_folder(tmp_path: Path, source: str) -> Path:
    """What a student has: the tests beside their rnn.py."""
    for name in ("conftest.py", "test_rnn.py"):
        shutil.copy(ASSIGNMENT / name, tmp_path / name)
    (tmp_path / "rnn.py").write_text(source, encoding="utf-8")
    return tmp_path


def score_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("rnn-grader check:")]
    assert len(lines) == 1, output
    return lines[0]


def test_the_reference_passes_every_part_and_scores_100(tmp_path):
    done = pytest_run(cwd=student_folder(tmp_path, REFERENCE.read_text(encoding="utf-8")))
    assert done.returncode == 0, done.stdout
    assert f"{len(RNN.part_names)} passed" in done.stdout
    assert score_line(done.stdout).endswith("score 100 / 100")


def test_pytest_assignments_rnn_on_the_stubs_fails_every_part_and_scores_0():
    done = pytest_run("assignments/rnn", cwd=ROOT)
    assert done.returncode == 1
    assert f"{len(RNN.part_names)} failed" in done.stdout
    assert score_line(done.stdout).endswith("score 0 / 100")
    assert "rnn_cell_forward is not implemented yet" in done.stdout
    verbose = pytest_run("assignments/rnn", "-v", "-k", "rnn_output", cwd=ROOT)
    assert re.search(r"rnn-grader: checking .*assignments/rnn/rnn\.(py|ipynb) with the public checks", verbose.stdout)


def test_the_verdicts_are_those_of_rnn_grader_check(tmp_path, capsys):
    source = compose(MISTAKES / "bptt_no_accumulation.py")
    (tmp_path / "student").mkdir()
    folder = student_folder(tmp_path / "student", source)
    done = pytest_run("-v", "--rnn-lang", "ko", cwd=folder)
    assert main(["check", str(folder / "rnn.py"), "--format", "json", "--out", str(tmp_path / "r"),
                 "--lang", "ko"]) == 0
    capsys.readouterr()
    report = json.loads((tmp_path / "r" / "rnn.json").read_text(encoding="utf-8"))
    for part in report["parts"]:
        verdict = "PASSED" if part["score"] == part["max_score"] else "FAILED"
        assert f"test_rnn.py::test_part[{part['name']}] {verdict}" in done.stdout
    assert any(p["score"] < p["max_score"] for p in report["parts"])
    assert score_line(done.stdout) == text("ko", "report.terminal_header", mode="check", student="rnn",
                                           score=num(report["score"]), max_score="100")
    first = next(p for p in report["parts"] if p["score"] < p["max_score"])
    message = next(t["message"] for t in first["tests"] if not t["passed"])
    assert message.split("(")[0].strip() in done.stdout  # the same feedback, in Korean
    assert "처음 실패한 테스트" in done.stdout and "직접 재현하기" in done.stdout  # detailed as `check` does


def test_the_project_test_run_does_not_collect_the_student_tests():
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    collected = done.stdout.splitlines()
    assert collected and not [line for line in collected if "test_rnn.py" in line or line.startswith("assignments/")]


def test_an_unreadable_submission_fails_every_part_with_the_reason(tmp_path):
    folder = student_folder(tmp_path, "")
    done = pytest_run(cwd=folder)
    assert done.returncode == 1 and f"{len(RNN.part_names)} failed" in done.stdout
    assert "empty" in done.stdout and score_line(done.stdout).endswith("score 0 / 100")


@pytest.mark.parametrize("choice", ["--submission", "RNN_SUBMISSION"])
def test_the_file_to_check_can_be_named(tmp_path, choice):
    folder = student_folder(tmp_path, "")
    solution = tmp_path / "mine.py"
    solution.write_bytes(REFERENCE.read_bytes())
    args = ("--submission", str(solution)) if choice == "--submission" else ()
    env_extra = {"RNN_SUBMISSION": str(solution)} if choice == "RNN_SUBMISSION" else {}
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("RNN_", "PYTEST_"))}, **env_extra}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout
    assert score_line(done.stdout) == "rnn-grader check: mine  score 100 / 100"


def test_the_student_bundle_ships_the_tests_and_they_run_there(tmp_path):
    from grader import release

    bundle = tmp_path / "bundle"
    release.build_bundle(RNN, bundle)
    assert (bundle / "conftest.py").is_file() and (bundle / "test_rnn.py").is_file()
    assert not list(bundle.rglob("hidden.py")) and not list(bundle.rglob("misconceptions.py"))
    (bundle / "rnn.py").write_bytes(REFERENCE.read_bytes())  # saved last: the one checked
    done = pytest_run("-v", cwd=bundle)
    assert done.returncode == 0, done.stdout
    assert "rnn-grader: checking " in done.stdout and "rnn.py with the public checks" in done.stdout
    assert score_line(done.stdout).endswith("score 100 / 100")
