"""`grade` and `batch` say in one line when student code would not be fenced off the grader's
files (neither bubblewrap nor Landlock), every report names the isolation with what it leaves
open, and --require-isolation refuses to grade instead (exit 2, one line)."""

from __future__ import annotations

import json
import shutil

import pytest

from grader.cli import main
from grader.sandbox import isolation

from sandbox_support import HOSTILE, without

WARNING = "rnn-grader: warning: isolation "
OPEN = "process (no landlock: every file of the grader's user readable and writable)"


@pytest.fixture
def unfenced(monkeypatch):
    """This machine as one with neither bubblewrap nor Landlock: the process level, unfenced."""
    monkeypatch.setenv(isolation.ENV_VAR, "process")
    without(monkeypatch, "process", landlock=0)


def _stderr_lines(capsys) -> list[str]:
    return capsys.readouterr().err.splitlines()


def test_grade_warns_once_and_the_report_says_what_is_left_open(unfenced, tmp_path, capsys):
    assert main(["grade", str(HOSTILE / "syntax_error.py"), "--out", str(tmp_path), "--format", "json"]) == 0
    warnings = [line for line in _stderr_lines(capsys) if line.startswith(WARNING)]
    assert warnings == [f"{WARNING}{OPEN}: student code can read the reference, the hidden checks and other "
                        "submissions; install bubblewrap (apt-get install bubblewrap) or grade on Linux >= 5.13 "
                        "(Landlock); --require-isolation refuses instead"]
    report = json.loads((tmp_path / "syntax_error.json").read_text(encoding="utf-8"))
    assert report["isolation"] == OPEN


@pytest.mark.parametrize("command", ["grade", "batch"])
def test_required_isolation_refuses_to_grade_in_one_line(unfenced, tmp_path, capsys, command):
    folder = tmp_path / "subs"
    folder.mkdir()
    shutil.copy(HOSTILE / "good.py", folder / "alice.py")
    target = folder / "alice.py" if command == "grade" else folder
    out = tmp_path / "out"
    assert main([command, str(target), "--out", str(out), "--require-isolation"]) == 2
    lines = _stderr_lines(capsys)
    assert len(lines) == 1 and lines[0].startswith(f"rnn-grader: error: isolation {OPEN} leaves every file")
    assert "install bubblewrap" in lines[0]
    assert not out.exists()


def test_batch_warns_once_at_the_start(unfenced, tmp_path, capsys):
    folder = tmp_path / "subs"
    folder.mkdir()
    for name in ("alice", "bob"):
        shutil.copy(HOSTILE / "syntax_error.py", folder / f"{name}.py")
    assert main(["batch", str(folder), "--out", str(tmp_path / "out"), "-j", "1"]) == 0
    lines = _stderr_lines(capsys)
    assert lines[0].startswith(WARNING + OPEN)
    assert sum(line.startswith(WARNING) for line in lines) == 1


def test_no_warning_behind_a_fence(level, monkeypatch, tmp_path, capsys):
    if isolation.files_left_open(level):
        pytest.skip(f"{level} has no fence here")
    monkeypatch.setenv(isolation.ENV_VAR, level)
    assert main(["grade", str(HOSTILE / "syntax_error.py"), "--out", str(tmp_path), "--format", "json",
                 "--require-isolation"]) == 0
    assert not [line for line in _stderr_lines(capsys) if "isolation" in line]
    report = json.loads((tmp_path / "syntax_error.json").read_text(encoding="utf-8"))
    assert report["isolation"] == isolation.describe(level)
