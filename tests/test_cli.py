"""The command line: reports written, exit codes 0/1/2, one-line errors and never a traceback."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

import grader
from grader.cli import main
from tests.conftest import RNN
from tests.conftest import REFERENCE, STUBS

FAST = ["--timeout", "2"]
BIN = Path(sys.executable).parent


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_input_error(code: int, out: str, err: str, *words: str) -> None:
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("rnn-grader: error: ")
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], (word, lines[0])


def test_grade_writes_three_reports_and_reference_scores_full(tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "grade", REFERENCE, "--out", out, *FAST)
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["rnn.html", "rnn.json", "rnn.md"]
    data = json.loads((out / "rnn.json").read_text(encoding="utf-8"))
    assert data["status"] == "graded" and data["score"] == 100 and data["max_score"] == 100
    assert data["mode"] == "grade" and [p["name"] for p in data["parts"]] == list(RNN.part_names)
    assert "100 / 100" in stdout and "wrote" in err


def test_grade_stubs_score_zero_and_fail_under_gives_exit_1(tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "grade", STUBS, "--out", out, "--format", "json", "--fail-under", "0.5", *FAST)
    assert code == 1
    assert err.splitlines()[-1] == "rnn-grader: score 0 < 0.5 (--fail-under)"  # says why it failed
    assert [p.name for p in out.iterdir()] == ["rnn.json"]
    assert json.loads((out / "rnn.json").read_text(encoding="utf-8"))["score"] == 0
    code, _, err = run(capsys, "grade", STUBS, "--out", out, "--format", "json", "--fail-under", "0", *FAST)
    assert code == 0 and "--fail-under" not in err  # at the threshold is not below it


def test_check_fail_under_at_and_above_is_exit_0(capsys):
    assert run(capsys, "check", REFERENCE, "--fail-under", "100", *FAST)[0] == 0
    code, _, err = run(capsys, "check", REFERENCE, "--fail-under", "100.5", *FAST)
    assert code == 1 and err.splitlines()[-1] == "rnn-grader: score 100 < 100.5 (--fail-under)"
    code, _, err = run(capsys, "check", REFERENCE, "--fail-under", "100.5", "--lang", "ko", *FAST)
    assert code == 1 and err.splitlines()[-1] == "rnn-grader: 점수 100 < 100.5 (--fail-under)"


def test_check_keeps_the_isolation_level_that_worked_in_the_cache_and_batch_does_not(tmp_path, monkeypatch, capsys):
    from grader import cache
    from grader.sandbox import isolation

    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "cache"))
    monkeypatch.setattr(isolation, "_probes", {})  # as a new process finds it
    try:
        assert run(capsys, "check", REFERENCE, *FAST)[0] == 0
        kept = list((tmp_path / "cache" / "isolation").glob("*.json"))
        assert len(kept) == 1 and any(level["ok"] for level in json.loads(kept[0].read_text()).values())
        shutil.rmtree(tmp_path / "cache")
        monkeypatch.setattr(isolation, "_probes", {})
        (tmp_path / "class").mkdir()
        shutil.copy(REFERENCE, tmp_path / "class" / "a.py")
        assert run(capsys, "batch", tmp_path / "class", "--out", tmp_path / "out", *FAST)[0] == 0
        assert not (tmp_path / "cache" / "isolation").exists()
    finally:
        isolation.remember_in(None)


def test_check_finds_rnn_py_in_the_current_folder(tmp_path, monkeypatch, capsys):
    (tmp_path / "rnn.py").write_bytes(REFERENCE.read_bytes())
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "check", *FAST)
    assert code == 0 and "score 100 / 100" in out
    assert list(tmp_path.iterdir()) == [tmp_path / "rnn.py"]  # check writes no report files unless asked


def test_check_finds_rnn_ipynb_in_the_current_folder(tmp_path, monkeypatch, capsys):
    notebook = v4.new_notebook(cells=[v4.new_markdown_cell("# 과제"),
                                      v4.new_code_cell("%matplotlib inline\n" + STUBS.read_text(encoding="utf-8"))])
    (tmp_path / "rnn.ipynb").write_text(nbformat.writes(notebook), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "check", "--format", "json", *FAST)
    assert code == 0 and "score 0 / 100" in out
    data = json.loads((tmp_path / "rnn.json").read_text(encoding="utf-8"))
    assert data["mode"] == "check" and data["status"] == "graded"


def test_check_with_nothing_or_both_in_the_current_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert_input_error(*run(capsys, "check"), "none of rnn.py, rnn.ipynb is in the current folder", "pass its path")
    (tmp_path / "rnn.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "rnn.ipynb").write_text("{}", encoding="utf-8")
    same = (tmp_path / "rnn.py").stat().st_mtime_ns
    os.utime(tmp_path / "rnn.ipynb", ns=(same, same))  # no telling which one the student works in
    assert_input_error(*run(capsys, "check"), "both rnn.py and rnn.ipynb", "rnn-grader check rnn.ipynb")


@pytest.mark.parametrize("newer", ["rnn.py", "rnn.ipynb"])
def test_bare_check_with_both_files_checks_the_one_holding_the_work(newer, tmp_path, monkeypatch, capsys):
    """The student bundle ships both: the file the student works in is the one holding work, whichever was
    saved last (the one rule, `submissions.choose_file`, is tested in full in test_submissions)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rnn.py").write_bytes(STUBS.read_bytes())
    solved = v4.new_notebook(cells=[v4.new_code_cell(REFERENCE.read_text(encoding="utf-8"))])
    (tmp_path / "rnn.ipynb").write_text(nbformat.writes(solved), encoding="utf-8")
    older = "rnn.ipynb" if newer == "rnn.py" else "rnn.py"
    os.utime(tmp_path / older, ns=(10**18, 10**18))
    os.utime(tmp_path / newer, ns=(2 * 10**18, 2 * 10**18))
    code, out, err = run(capsys, "check", *FAST)
    assert code == 0 and "checking rnn.ipynb: it holds your work and rnn.py is still the unchanged stub" in err
    assert "score 100 / 100" in out
    code, _, err = run(capsys, "check", "--lang", "ko", *FAST)
    assert "rnn.ipynb을(를) 확인합니다: 작업한 내용이 있고 rnn.py은(는) 배포된 뼈대 그대로입니다" in err


@pytest.fixture
def bad_inputs(tmp_path):
    files = {"nul.py": b"x = 1\x00\x01\x02\n", "empty.py": b"", "latin.py": "s = 'é'\n".encode("latin-1"),
             "answer.txt": b"x = 1\n", "ok.py": b"x = 1\n", "broken.ipynb": b'{"nbformat": 4, "cells": ['}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "no_submissions").mkdir()
    (tmp_path / "no_submissions" / "readme.txt").write_text("nothing here", encoding="utf-8")
    (tmp_path / "a_file").write_text("", encoding="utf-8")
    return tmp_path


ERRORS = {
    "missing-path": (["check", "{d}/nope.py"], ["nope.py", "no such file or folder"]),
    "missing-grade-path": (["grade", "{d}/nope.py", "--out", "{d}/o"], ["nope.py", "no such file"]),
    "batch-missing-folder": (["batch", "{d}/nope", "--out", "{d}/o"], ["nope", "no such folder"]),
    "batch-no-submissions": (["batch", "{d}/no_submissions", "--out", "{d}/o"], ["no submissions"]),
    "nul": (["check", "{d}/nul.py"], ["nul.py", "NUL bytes"]),
    "empty": (["check", "{d}/empty.py"], ["empty.py", "empty"]),
    "not-utf8": (["check", "{d}/latin.py"], ["latin.py", "not UTF-8", "save it as UTF-8"]),
    "wrong-extension": (["check", "{d}/answer.txt"], ["answer.txt", "not a .py or .ipynb file"]),
    "broken-notebook": (["check", "{d}/broken.ipynb"], ["broken.ipynb", "notebook"]),
    "unknown-format": (["check", "{d}/ok.py", "--format", "json,pdf"], ["--format", "unknown format pdf"]),
    "missing-reference": (["grade", "{d}/ok.py", "--out", "{d}/o", "--solutions", "/nonexistent/rnn.py"],
                          ["reference solution not found", "/nonexistent/rnn.py"]),
    "broken-reference": (["grade", "{d}/ok.py", "--out", "{d}/o", "--solutions", "{d}/latin.py"],
                         ["reference solution", "could not be loaded"]),
    "incomplete-reference": (["grade", "{d}/ok.py", "--out", "{d}/o", "--solutions", "{d}/ok.py"],
                             ["does not define", "rnn_cell_forward"]),
    "negative-timeout": (["check", "{d}/ok.py", "--timeout", "-1"], ["--timeout", "positive"]),
    "nan-timeout": (["check", "{d}/ok.py", "--timeout", "nan"], ["--timeout", "finite"]),
    "text-timeout": (["check", "{d}/ok.py", "--timeout", "soon"], ["--timeout", "not a number"]),
    "inf-memory": (["check", "{d}/ok.py", "--memory", "inf"], ["--memory", "finite"]),
    "huge-memory": (["check", "{d}/ok.py", "--memory", "1e12"], ["--memory", "at most"]),
    "huge-timeout": (["check", "{d}/ok.py", "--timeout", "1e12"], ["--timeout", "at most"]),
    "nan-fail-under": (["check", "{d}/ok.py", "--fail-under", "nan"], ["--fail-under"]),
    "zero-jobs": (["batch", "{d}/no_submissions", "--out", "{d}/o", "-j", "0"], ["--jobs", "at least 1"]),
    "unknown-lang": (["check", "{d}/ok.py", "--lang", "fr"], ["--lang"]),
    "unknown-command": (["publish"], ["invalid choice"]),
    "no-command": ([], ["required"]),
    "grade-without-out": (["grade", "{d}/ok.py"], ["--out"]),
    "out-is-a-file": (["grade", "{d}/ok.py", "--out", "{d}/a_file"], ["a_file", "not a folder"]),
}


@pytest.mark.parametrize("case", ERRORS)
def test_input_errors_are_one_line_and_exit_2(case, bad_inputs, capsys):
    argv, words = ERRORS[case]
    code, out, err = run(capsys, *(a.format(d=bad_inputs) for a in argv))
    assert_input_error(code, out, err, *words)
    assert not (bad_inputs / "o").exists()  # nothing graded, nothing written


KOREAN_ERRORS = {
    "empty": ("empty.py", "empty.py: 빈 파일입니다. 완성한 .py 파일이나 노트북을 제출하세요",
              "empty.py: the file is empty"),
    "v3-notebook": ("old.ipynb", "old.ipynb: 노트북 형식 버전 3은(는) 지원하지 않습니다",
                    "notebook format version 3 is not supported"),
    "broken-notebook": ("broken.ipynb", "JSON이 1번째 줄, 27번째 열에서 깨져 있습니다",
                        "its JSON is broken at line 1, column 27"),
}


@pytest.mark.parametrize("case", KOREAN_ERRORS)
@pytest.mark.parametrize("command", ["check", "grade"])
def test_unreadable_submission_errors_are_in_the_chosen_language(case, command, bad_inputs, capsys):
    name, korean, english = KOREAN_ERRORS[case]
    (bad_inputs / "old.ipynb").write_text(json.dumps({"nbformat": 3, "worksheets": []}), encoding="utf-8")
    argv = [command, bad_inputs / name, *(["--out", bad_inputs / "o"] if command == "grade" else [])]
    code, out, err = run(capsys, *argv, "--lang", "ko")
    assert_input_error(code, out, err, korean)
    assert english not in err
    code, out, err = run(capsys, *argv)
    assert_input_error(code, out, err, english)
    assert korean not in err


def test_bare_check_with_both_files_says_so_in_korean(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert_input_error(*run(capsys, "check", "--lang", "ko"), "현재 폴더에 rnn.py, rnn.ipynb 중 어느 것도 없습니다")
    (tmp_path / "rnn.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "rnn.ipynb").write_text("{}", encoding="utf-8")
    same = (tmp_path / "rnn.py").stat().st_mtime_ns
    os.utime(tmp_path / "rnn.ipynb", ns=(same, same))
    code, out, err = run(capsys, "check", "--lang", "ko")
    assert_input_error(code, out, err, "rnn.py, rnn.ipynb 모두에 작업한 내용이 있고", "`rnn-grader check rnn.ipynb`")
    assert "both" not in err


def test_batch_error_rows_are_in_the_chosen_language(tmp_path, capsys):
    folder, out = tmp_path / "class", tmp_path / "grades"
    folder.mkdir()
    (folder / "empty.py").write_bytes(b"")
    code, _, err = run(capsys, "batch", folder, "--out", out, "--solutions", REFERENCE, "--lang", "ko", *FAST)
    assert code == 0 and "Traceback" not in err
    with (out / "gradebook.csv").open(encoding="utf-8", newline="") as handle:
        assert [(row[0], row[3]) for row in csv.reader(handle)][1:] == [("empty", "error")]
    report = json.loads((out / "reports" / "empty.json").read_text(encoding="utf-8"))
    korean = "empty.py: 빈 파일입니다. 완성한 .py 파일이나 노트북을 제출하세요"
    assert report["error"]["message"] == korean
    assert korean in (out / "reports" / "empty.md").read_text(encoding="utf-8")
    assert "the file is empty" not in (out / "reports" / "empty.md").read_text(encoding="utf-8")


def test_version_and_help(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"rnn-grader {grader.__version__}"
    code, out, _ = run(capsys, "batch", "--help")
    assert code == 0 and "--jobs" in out and "--fail-under" in out and "--lang" in out


def test_batch_in_process_writes_gradebook_and_reports(tmp_path, capsys):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "김민준.py").write_bytes(STUBS.read_bytes())
    (folder / "empty.py").write_bytes(b"")
    out = tmp_path / "grades"
    code, stdout, err = run(capsys, "batch", folder, "--out", out, "--solutions", REFERENCE, "--fail-under", "1",
                            *FAST)
    assert code == 1 and "rnn-grader: 2 of 2 scores < 1 (--fail-under)" in err.splitlines()  # everyone is below 1 point
    with (out / "gradebook.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["student", "score", "max_score", "status", *RNN.part_names]
    assert [(r[0], r[3]) for r in rows[1:]] == [("empty", "error"), ("김민준", "graded")]
    assert (out / "reports" / "김민준.json").is_file() and (out / "summary.html").is_file()
    assert "[1/2] empty" in err and "[2/2] 김민준" in err and "Traceback" not in err



def test_batch_speaks_the_chosen_language_on_the_terminal(tmp_path, capsys):
    from grader.i18n import text

    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "empty.py").write_bytes(b"")
    out = tmp_path / "grades"
    code, _, err = run(capsys, "batch", folder, "--out", out, "--solutions", REFERENCE, "--fail-under", "1",
                       "--lang", "ko", *FAST)
    assert code == 1
    lines = err.splitlines()
    assert text("ko", "batch.written", count=1, errors=1, path=out / "gradebook.csv") in lines
    assert f"rnn-grader: {text('ko', 'batch.below', below=1, count=1, fail_under='1')}" in lines
    assert any(line.startswith(text("ko", "batch.done", graded=1, reused=0, seconds="")[:10]) for line in lines)
    assert f"({text('ko', 'summary.status_error')})" in err and "(error)" not in err

# ---- the real console script and `python -m grader`, as CI and students run them ----

def cli(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    script = BIN / "rnn-grader"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "grader"]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(command + [str(a) for a in argv], capture_output=True, text=True, encoding="utf-8",
                          cwd=cwd, env=env, timeout=300)


def test_python_dash_m_grader_help():
    done = subprocess.run([sys.executable, "-m", "grader", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    for command in ("check", "grade", "batch"):
        assert command in done.stdout


def test_console_script_exit_codes_without_tracebacks(tmp_path):
    (tmp_path / "junk.py").write_bytes(bytes(range(256)))
    done = cli("check", tmp_path / "junk.py")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("rnn-grader: error: ")
    done = cli("check", tmp_path / "junk.py", "--timeout", "-1")
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    done = cli("--version")
    assert done.returncode == 0 and grader.__version__ in done.stdout
    done = cli("grade", STUBS, "--out", tmp_path / "out", "--fail-under", "10", *FAST)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert (tmp_path / "out" / "rnn.json").is_file()


def test_console_script_batch_in_parallel(tmp_path):
    folder = tmp_path / "class"
    (folder / "park").mkdir(parents=True)
    (folder / "park" / "rnn.py").write_bytes(STUBS.read_bytes())
    (folder / "lee.py").write_text("def rnn_forward(:\n", encoding="utf-8")
    (folder / "choi.ipynb").write_text("not json", encoding="utf-8")
    done = cli("batch", folder, "--out", tmp_path / "grades", "-j", "2", "--format", "json", *FAST)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    with (tmp_path / "grades" / "gradebook.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert [(r[0], r[3]) for r in rows[1:]] == [("choi", "error"), ("lee", "error"), ("park", "graded")]
    errors = {s: json.loads((tmp_path / "grades" / "reports" / f"{s}.json").read_text(encoding="utf-8"))["error"]
              for s in ("choi", "lee")}
    assert errors["choi"]["kind"] == "notebook" and errors["lee"]["kind"] == "syntax"
