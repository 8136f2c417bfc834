"""Batch grading: a messy folder completes, the gradebook grows after every submission, ids stay unique."""
from __future__ import annotations

import csv
import json
import os
import re
import signal
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from grader import batch as batch_module
from grader import executors as executors_module
from grader.batch import BatchInputError, plan, run_batch
from grader.model import GradingError
from grader.reference import load_reference
from grader.runner import GradingOptions, error_result
from grader.sandbox import Limits
from grader.spec import RNN
from tests.conftest import REFERENCE, STUBS

FAST = Limits(call_seconds=2.0, import_seconds=5.0)
CHECK = GradingOptions(mode="check", limits=FAST)
HEADER = ["student", "score", "max_score", "status", *RNN.part_names]


def reference_notebook() -> str:
    """The reference as a student's notebook: Korean markdown, magics, shell lines, one function per cell, demo code."""
    source = REFERENCE.read_text(encoding="utf-8")
    chunks = re.split(r"\n(?=def )", source)
    assert len(chunks) == 1 + len(RNN.part_names)
    cells = [v4.new_markdown_cell("# RNN 과제\n순환 신경망을 numpy로 구현합니다. 모든 함수를 채우세요."),
             v4.new_code_cell("%matplotlib inline\n!pip install numpy\n%load_ext autoreload"),
             v4.new_code_cell(chunks[0])]
    for chunk in chunks[1:]:
        cells += [v4.new_markdown_cell("## 다음 함수"), v4.new_code_cell(chunk)]
    cells.append(v4.new_code_cell("rng = np.random.default_rng(0)\n"
                                  "h = rnn_forward(rng.normal(size=(2, 3, 4)), np.zeros((2, 5)),\n"
                                  "                rng.normal(size=(4, 5)), rng.normal(size=(5, 5)), np.zeros(5))\n"
                                  "print(h.shape)\nh.shape"))
    return nbformat.writes(v4.new_notebook(cells=cells))


def read_gradebook(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def report(out: Path, student: str) -> dict:
    return json.loads((out / "reports" / f"{student}.json").read_text(encoding="utf-8"))


def fake_grade(score: float = 50.0):
    """A stand-in for runner.grade that needs no sandbox: every readable submission scores `score`."""
    def grade(submission, options):
        base = error_result(submission.student, submission.sha256, GradingError("x", "y"), options)
        return replace(base, status="graded", error=None, score=score)
    return grade


def test_messy_folder_completes_with_a_row_and_a_report_for_every_entry(tmp_path):
    folder, out = tmp_path / "submissions", tmp_path / "out"
    folder.mkdir()
    (folder / "correct.py").write_bytes(REFERENCE.read_bytes())
    (folder / "stub.py").write_bytes(STUBS.read_bytes())
    (folder / "notebook.ipynb").write_text(reference_notebook(), encoding="utf-8")
    (folder / "folder_student").mkdir()
    (folder / "folder_student" / "rnn.py").write_bytes(REFERENCE.read_bytes())
    (folder / "김민준.py").write_bytes(REFERENCE.read_bytes())
    (folder / "empty.py").write_bytes(b"")
    (folder / "junk.py").write_bytes(bytes(range(256)) * 8)
    (folder / "syntax.py").write_text("def rnn_forward(x:\n    return x\n", encoding="utf-8")

    seen = []
    result = run_batch(folder, out, CHECK, progress=lambda done, total, r: seen.append((done, total, r.student)))

    ids = ["correct", "empty", "folder_student", "junk", "notebook", "stub", "syntax", "김민준"]
    assert [e.student for e in result.entries] == ids
    assert seen == [(i + 1, len(ids), s) for i, s in enumerate(ids)]
    rows = read_gradebook(out / "gradebook.csv")
    assert rows[0] == HEADER
    by_id = {row[0]: dict(zip(HEADER, row)) for row in rows[1:]}
    assert list(by_id) == ids and len(rows) == 1 + len(ids)
    for student in ("correct", "notebook", "folder_student", "김민준"):
        assert by_id[student]["status"] == "graded" and float(by_id[student]["score"]) == 100, student
        assert all(float(by_id[student][p]) > 0 for p in RNN.part_names)
    assert by_id["stub"]["status"] == "graded" and float(by_id["stub"]["score"]) == 0
    for student, kind, words in [("empty", "input", "empty"), ("junk", "input", "NUL"), ("syntax", "syntax", "line 1")]:
        assert by_id[student]["status"] == "error" and float(by_id[student]["score"]) == 0
        data = report(out, student)
        assert data["status"] == "error" and data["error"]["kind"] == kind and words in data["error"]["message"]
    for student in ids:
        data = report(out, student)
        assert data["student"] == student
        for fmt in ("md", "html"):
            assert (out / "reports" / f"{student}.{fmt}").is_file()
    assert report(out, "correct")["submission_sha256"] == report(out, "김민준")["submission_sha256"] != ""
    summary = (out / "summary.html").read_text(encoding="utf-8")
    assert "김민준" in summary
    assert not [p for p in out.rglob(".tmp-*")]


def test_gradebook_is_written_after_every_submission(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_module, "grade", fake_grade())
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.py").write_text("x = 1\n", encoding="utf-8")
    rows_when_called = []

    def progress(done, total, result):
        rows = read_gradebook(out / "gradebook.csv")
        rows_when_called.append([row[0] for row in rows[1:]])
        assert (out / "reports" / f"{result.student}.json").is_file()

    run_batch(folder, out, CHECK, progress=progress)
    assert rows_when_called == [["a"], ["a", "b"], ["a", "b", "c"]]


def test_interrupted_batch_keeps_what_was_graded(tmp_path, monkeypatch):
    graded = fake_grade()
    calls = []

    def interrupted(submission, options):
        calls.append(submission.student)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return graded(submission, options)

    monkeypatch.setattr(batch_module, "grade", interrupted)
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for name in ("a", "b", "c", "d"):
        (folder / f"{name}.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        run_batch(folder, out, CHECK)
    assert [row[0] for row in read_gradebook(out / "gradebook.csv")[1:]] == ["a", "b"]
    assert sorted(p.name for p in (out / "reports").glob("*.json")) == ["a.json", "b.json"]
    assert (out / "summary.html").is_file()


def test_ctrl_c_while_writing_waits_until_the_submission_is_fully_recorded(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_module, "grade", fake_grade())
    real_write = batch_module.write_reports

    def write_then_interrupted(result, folder, formats):
        if result.student == "b":
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C arrives between two report files
        return real_write(result, folder, formats)

    monkeypatch.setattr(batch_module, "write_reports", write_then_interrupted)
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        run_batch(folder, out, CHECK)
    assert [row[0] for row in read_gradebook(out / "gradebook.csv")[1:]] == ["a", "b"]
    assert sorted(p.name for p in (out / "reports").iterdir()) == \
        ["a.html", "a.json", "a.md", "b.html", "b.json", "b.md"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_grader_crash_costs_one_row_not_the_batch(tmp_path, monkeypatch):
    graded = fake_grade()

    def flaky(submission, options):
        if submission.student == "b":
            raise RuntimeError("boom")
        return graded(submission, options)

    monkeypatch.setattr(batch_module, "grade", flaky)
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.py").write_text("x = 1\n", encoding="utf-8")
    result = run_batch(folder, out, CHECK)
    assert [(e.student, e.result.status) for e in result.entries] == [("a", "graded"), ("b", "error"), ("c", "graded")]
    error = report(out, "b")["error"]
    assert error["kind"] == "internal" and "RuntimeError: boom" in error["message"]


def test_hidden_files_and_tool_folders_are_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_module, "grade", fake_grade())
    folder, out = tmp_path / "in", tmp_path / "out"
    for name in ("__pycache__", ".ipynb_checkpoints", ".git", "__MACOSX"):
        (folder / name).mkdir(parents=True)
        (folder / name / "x.py").write_text("x = 1\n", encoding="utf-8")
    (folder / ".hidden.py").write_text("x = 1\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not a submission", encoding="utf-8")
    (folder / "kim.py").write_text("x = 1\n", encoding="utf-8")
    (folder / "_lee.py").write_text("x = 1\n", encoding="utf-8")
    result = run_batch(folder, out, CHECK)
    assert [e.student for e in result.entries] == ["_lee", "kim"]


def test_same_id_twice_is_one_error_row_and_no_report_overwritten(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_module, "grade", fake_grade())
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    (folder / "a.py").write_text("x = 1\n", encoding="utf-8")
    (folder / "a.ipynb").write_text(nbformat.writes(v4.new_notebook(cells=[v4.new_code_cell("x = 1")])),
                                    encoding="utf-8")
    (folder / "b.py").write_text("x = 1\n", encoding="utf-8")
    (folder / "B.py").write_text("x = 2\n", encoding="utf-8")  # B.json and b.json collide on macOS/Windows
    (folder / "김민준.py").write_text("x = 1\n", encoding="utf-8")
    (folder / "\u1100\u1175\u11b7\u1106\u1175\u11ab\u110c\u116e\u11ab.py").write_text("x = 2\n", encoding="utf-8")  # NFD
    (folder / "c.py").write_text("x = 1\n", encoding="utf-8")
    result = run_batch(folder, out, CHECK)
    rows = read_gradebook(out / "gradebook.csv")[1:]
    ids = [row[0] for row in rows]
    assert len(ids) == len(set(ids)) == 4
    assert {row[0]: row[3] for row in rows} == {"a": "error", "B": "error", "c": "graded", "김민준": "error"}
    message = report(out, "a")["error"]["message"]
    assert "duplicate student id a" in message and "a.ipynb" in message and "a.py" in message and "keep one" in message
    assert "b.py" in report(out, "B")["error"]["message"]
    assert len(list((out / "reports").glob("*.json"))) == 4
    assert len(result.entries) == 4


def test_symlinks_outside_the_folder_become_error_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_module, "grade", fake_grade())
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "answers.py").write_text("SECRET = 1\n", encoding="utf-8")
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    (folder / "real.py").write_text("x = 1\n", encoding="utf-8")
    (folder / "escape.py").symlink_to(outside / "answers.py")
    (folder / "escape_dir").symlink_to(outside)
    (folder / "sneaky").mkdir()
    (folder / "sneaky" / "rnn.py").symlink_to(outside / "answers.py")
    (folder / "alias.py").symlink_to(folder / "real.py")  # inside the folder: allowed
    (folder / "loop.py").symlink_to(folder / "loop.py")
    read = []
    real_read = batch_module.read_submission
    monkeypatch.setattr(batch_module, "read_submission", lambda path, *a: read.append(Path(path)) or real_read(path, *a))
    result = run_batch(folder, out, CHECK)
    status = {e.student: e.result for e in result.entries}
    assert status["real"].status == status["alias"].status == "graded"
    for student in ("escape", "escape_dir", "sneaky"):
        assert status[student].status == "error"
        assert "symlink points outside the batch folder" in status[student].error.message
        assert status[student].submission_sha256 == ""
    assert status["loop"].status == "error"
    assert not [p for p in read if p.resolve().is_relative_to(outside.resolve())]
    assert "SECRET" not in (out / "reports" / "escape.json").read_text(encoding="utf-8")


def test_output_folder_inside_the_batch_folder_is_not_graded(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_module, "grade", fake_grade())
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.py").write_text("x = 1\n", encoding="utf-8")
    for _ in range(2):
        result = run_batch(folder, folder / "grades", CHECK)
        assert [e.student for e in result.entries] == ["a"]
    result = run_batch(folder, folder, CHECK)  # --out the folder itself: reports/ is not a student either
    result = run_batch(folder, folder, CHECK)
    assert [e.student for e in result.entries] == ["a", "grades"]


def test_unusable_folders(tmp_path):
    with pytest.raises(BatchInputError, match="no such folder"):
        plan(tmp_path / "nope")
    (tmp_path / "file.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(BatchInputError, match="not a folder"):
        plan(tmp_path / "file.py")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("x", encoding="utf-8")
    (empty / ".hidden.py").write_text("x", encoding="utf-8")
    with pytest.raises(BatchInputError, match="no submissions"):
        plan(empty)


def test_parallel_batch_gives_the_same_gradebook_in_order(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a_correct.py").write_bytes(REFERENCE.read_bytes())
    (folder / "b_stub.py").write_bytes(STUBS.read_bytes())
    (folder / "c_syntax.py").write_text("def f(:\n", encoding="utf-8")
    (folder / "d_empty.py").write_bytes(b"")
    options = GradingOptions(mode="check", limits=FAST, reference=load_reference(REFERENCE))
    progress = []
    parallel = run_batch(folder, tmp_path / "par", options, ("json",), jobs=2,
                         progress=lambda done, total, r: progress.append(done))
    assert progress == [1, 2, 3, 4]
    rows = read_gradebook(tmp_path / "par" / "gradebook.csv")
    assert [row[0] for row in rows[1:]] == ["a_correct", "b_stub", "c_syntax", "d_empty"]
    assert [(row[1], row[3]) for row in rows[1:]] == [("100.0", "graded"), ("0.0", "graded"),
                                                      ("0.0", "error"), ("0.0", "error")]
    assert [e.student for e in parallel.entries] == [row[0] for row in rows[1:]]
    assert sorted(p.name for p in (tmp_path / "par" / "reports").iterdir()) == \
        ["a_correct.json", "b_stub.json", "c_syntax.json", "d_empty.json"]


def test_parallel_falls_back_to_sequential_when_a_worker_dies(tmp_path, monkeypatch):
    class Broken:
        def __init__(self, *args, **kwargs):
            pass

        def submit(self, fn, *args):
            from concurrent.futures import Future
            from concurrent.futures.process import BrokenProcessPool
            future = Future()
            future.set_exception(BrokenProcessPool("worker died"))
            return future

        def shutdown(self, *args, **kwargs):
            pass

    monkeypatch.setattr(executors_module.concurrent.futures, "ProcessPoolExecutor", Broken)
    monkeypatch.setattr(batch_module, "grade", fake_grade(75.0))
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.py").write_text("x = 1\n", encoding="utf-8")
    result = run_batch(folder, tmp_path / "out", CHECK, jobs=2)
    assert [(e.student, e.result.score) for e in result.entries] == [("a", 75.0), ("b", 75.0)]
