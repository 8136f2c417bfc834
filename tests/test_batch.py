"""Batch grading: a messy folder completes, the gradebook grows after every submission, ids stay unique."""
from __future__ import annotations

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
from grader import batch_grading, batch_inputs, batch_outputs, batch_resume
from grader import executors as executors_module
from grader.batch import run_batch
from grader.batch_inputs import BatchInputError, plan
from grader.model import GradingError
from grader.reference import load_reference
from grader.runner import GradingOptions, error_result
from grader.sandbox import Limits
from tests.conftest import RNN
from grader.reports.filenames import report_stem
from tests.conftest import EXAMPLES, REFERENCE, STUBS, affected_parts, compose, read_gradebook, reports_without_timing

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
    monkeypatch.setattr(batch_grading, "grade", fake_grade())
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


def test_each_finished_row_is_appended_and_the_table_rewritten_in_order_once_at_the_end(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_grading, "grade", fake_grade())
    rendered = []
    real_render = batch_module.gradebook.render
    monkeypatch.setattr(batch_module.gradebook, "render", lambda *a, **k: rendered.append(1) or real_render(*a, **k))

    class Backwards:
        """Finishes the submissions last first, as workers may."""

        name = "fake"

        def run(self, work, context, items, finished):
            for index, submission in reversed(items):
                finished(index, work(submission, context))
            return []

    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for name in ("a", "b", "c", "d"):
        (folder / f"{name}.py").write_text("x = 1\n", encoding="utf-8")
    seen = []
    run_batch(folder, out, CHECK, executor=Backwards(),
              progress=lambda done, total, result: seen.append([r[0] for r in read_gradebook(out / "gradebook.csv")[1:]]))
    assert seen == [["d"], ["d", "c"], ["d", "c", "b"], ["d", "c", "b", "a"]]  # each row as soon as it is finished
    assert [r[0] for r in read_gradebook(out / "gradebook.csv")[1:]] == ["a", "b", "c", "d"]
    assert len(rendered) == 2  # the whole table: before grading and at the end, never once per submission
    run_batch(folder, out, CHECK, executor=Backwards())  # resumed: every row reused, none twice
    assert [r[0] for r in read_gradebook(out / "gradebook.csv")[1:]] == ["a", "b", "c", "d"]


def test_interrupted_batch_keeps_what_was_graded(tmp_path, monkeypatch):
    graded = fake_grade()
    calls = []

    def interrupted(submission, options):
        calls.append(submission.student)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return graded(submission, options)

    monkeypatch.setattr(batch_grading, "grade", interrupted)
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
    monkeypatch.setattr(batch_grading, "grade", fake_grade())
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

    monkeypatch.setattr(batch_grading, "grade", flaky)
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.py").write_text("x = 1\n", encoding="utf-8")
    result = run_batch(folder, out, CHECK)
    assert [(e.student, e.result.status) for e in result.entries] == [("a", "graded"), ("b", "error"), ("c", "graded")]
    error = report(out, "b")["error"]
    assert error["kind"] == "internal" and "RuntimeError: boom" in error["message"]


def test_hidden_files_and_tool_folders_are_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_grading, "grade", fake_grade())
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
    monkeypatch.setattr(batch_grading, "grade", fake_grade())
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
    monkeypatch.setattr(batch_grading, "grade", fake_grade())
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
    real_read = batch_inputs.read_submission
    monkeypatch.setattr(batch_inputs, "read_submission", lambda path, *a: read.append(Path(path)) or real_read(path, *a))
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


def test_unreadable_entries_are_explained_in_the_batch_language(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    (folder / "empty.py").write_bytes(b"")
    (folder / "loop.py").symlink_to(folder / "loop.py")
    (folder / "dup.py").write_text("x = 1\n", encoding="utf-8")
    (folder / "dup").mkdir()
    (folder / "dup" / "rnn.py").write_text("x = 1\n", encoding="utf-8")
    result = run_batch(folder, out, replace(CHECK, lang="ko"))
    messages = {e.student: e.result.error.message for e in result.entries}
    duplicate = messages.pop("dup")
    assert duplicate.startswith("학생 ID dup의 제출물이 여러 개입니다 (") and "dup.py" in duplicate
    assert duplicate.endswith("하나만 남기고 다시 채점하세요")
    assert messages == {"empty": "empty.py: 빈 파일입니다. 완성한 .py 파일이나 노트북을 제출하세요",
                        "loop": "loop.py: 따라갈 수 없는 심볼릭 링크입니다 (자기 자신을 가리킵니다). "
                                "링크 대신 파일 자체를 넣으세요"}
    assert report(out, "empty")["error"]["message"] == messages["empty"]


def test_error_rows_name_files_as_the_batch_folder_does_not_where_it_lies(tmp_path):
    """The same class graded from two places gives the same messages: no grader path leaks into them."""
    reports = []
    for place in ("a", "b/c"):
        folder = tmp_path / place / "class"
        (folder / "folder_student").mkdir(parents=True)
        (folder / "empty.py").write_bytes(b"")
        (folder / "folder_student" / "rnn.py").write_bytes(b"\x00junk")
        run_batch(folder, tmp_path / place / "out", CHECK)
        reports.append({s: report(tmp_path / place / "out", s)["error"]["message"] for s in ("empty", "folder_student")})
    assert reports[0] == reports[1]
    assert reports[0]["empty"].startswith("empty.py: the file is empty")
    assert reports[0]["folder_student"].startswith(f"folder_student{os.sep}rnn.py: contains NUL bytes")
    assert str(tmp_path) not in repr(reports)


def test_output_folder_inside_the_batch_folder_is_not_graded(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_grading, "grade", fake_grade())
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
    options = GradingOptions(mode="check", limits=FAST, reference=load_reference(RNN, REFERENCE))
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
    monkeypatch.setattr(batch_grading, "grade", fake_grade(75.0))
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.py").write_text("x = 1\n", encoding="utf-8")
    result = run_batch(folder, tmp_path / "out", CHECK, jobs=2)
    assert [(e.student, e.result.score) for e in result.entries] == [("a", 75.0), ("b", 75.0)]


# ---- resume, regrade, settings ----------------------------------------------------------------

def counting_grade(calls: list, score: float = 50.0):
    graded = fake_grade(score)

    def grade(submission, options):
        calls.append(submission.student)
        return graded(submission, options)
    return grade


def small_class(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in ("a", "b", "김민준"):
        (folder / f"{name}.py").write_text(f"x = '{name}'\n", encoding="utf-8")
    (folder / "empty.py").write_bytes(b"")
    (folder / "twice.py").write_text("x = 1\n", encoding="utf-8")
    (folder / "twice.ipynb").write_text(nbformat.writes(v4.new_notebook(cells=[v4.new_code_cell("x = 1")])),
                                        encoding="utf-8")
    return folder


def gradings(out: Path) -> list[tuple]:
    import sqlite3

    with sqlite3.connect(out / "gradebook.sqlite") as db:
        return db.execute("SELECT student, submission_sha256, settings_key FROM results ORDER BY id").fetchall()


def test_a_second_run_reuses_every_unchanged_submission(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(batch_grading, "grade", counting_grade(calls))
    folder, out = small_class(tmp_path / "in"), tmp_path / "out"
    first = run_batch(folder, out, CHECK)
    assert sorted(calls) == ["a", "b", "김민준"] and (first.graded, first.reused) == (5, 0)
    book, reports_before = (out / "gradebook.csv").read_bytes(), {p.name: p.stat().st_mtime_ns
                                                                   for p in (out / "reports").iterdir()}
    calls.clear()
    second = run_batch(folder, out, CHECK)
    assert calls == [] and (second.graded, second.reused) == (0, 5)
    assert (out / "gradebook.csv").read_bytes() == book
    assert [e.result.to_dict() for e in second.entries] == [e.result.to_dict() for e in first.entries]
    # the reports on disk were already those results: not rewritten
    assert {p.name: p.stat().st_mtime_ns for p in (out / "reports").iterdir()} == reports_before
    # nothing graded twice for the same settings, error rows included
    assert len(gradings(out)) == len(set(gradings(out))) == 5


def test_a_changed_submission_is_graded_again_and_a_deleted_report_rewritten(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(batch_grading, "grade", counting_grade(calls))
    folder, out = small_class(tmp_path / "in"), tmp_path / "out"
    run_batch(folder, out, CHECK)
    calls.clear()
    (folder / "b.py").write_text("x = 'b, second try'\n", encoding="utf-8")
    (out / "reports" / "a.html").unlink()
    (folder / "twice.ipynb").unlink()        # the duplicate is resolved: twice.py is graded now
    result = run_batch(folder, out, CHECK)
    assert sorted(calls) == ["b", "twice"]
    assert (out / "reports" / "a.html").is_file()
    assert {e.student: e.result.status for e in result.entries}["twice"] == "graded"
    shas = [g[1] for g in gradings(out) if g[0] == "b"]
    assert len(shas) == 2 and shas[0] != shas[1]


def test_regrade_and_changed_settings_grade_everything_again(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(batch_grading, "grade", counting_grade(calls))
    folder, out = small_class(tmp_path / "in"), tmp_path / "out"
    run_batch(folder, out, CHECK)
    for options, kwargs in [(CHECK, {"regrade": True}), (replace(CHECK, seed=7), {}), (replace(CHECK, lang="ko"), {}),
                            (replace(CHECK, limits=Limits(call_seconds=3.0)), {})]:
        calls.clear()
        run = run_batch(folder, out, options, **kwargs)
        assert sorted(calls) == ["a", "b", "김민준"] and run.reused == 0, (options, kwargs)
    assert len({g[2] for g in gradings(out)}) == 4   # default, seed 7, Korean, other limits (regrade: same key)


def test_settings_cover_what_changes_a_score():
    base = batch_resume.settings_of(CHECK)
    assert {"mode", "seed", "limits", "lang", "reference_sha256", "grader_version", "grading_code_sha256"} <= set(base)
    graded = GradingOptions(limits=FAST, reference=load_reference(RNN, REFERENCE))
    assert batch_resume.settings_of(graded)["reference_sha256"] == __import__("hashlib").sha256(
        REFERENCE.read_bytes()).hexdigest()
    keys = {batch_resume.settings_key(batch_resume.settings_of(o))
            for o in (CHECK, graded, replace(CHECK, seed=1), replace(CHECK, lang="ko"), replace(CHECK, mode="grade"))}
    assert len(keys) == 5
    assert batch_resume.settings_key(batch_resume.settings_of(CHECK)) == batch_resume.settings_key(base)


def test_a_grader_failure_is_not_reused(tmp_path, monkeypatch):
    def broken(submission, options):
        raise RuntimeError("grader bug")

    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    (folder / "a.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.setattr(batch_grading, "grade", broken)
    assert run_batch(folder, out, CHECK).entries[0].result.error.kind == "internal"
    calls = []
    monkeypatch.setattr(batch_grading, "grade", counting_grade(calls))
    assert run_batch(folder, out, CHECK).entries[0].result.status == "graded" and calls == ["a"]


def test_interruption_says_how_many_were_saved_and_how_to_resume(tmp_path, monkeypatch):
    graded = fake_grade()

    def interrupted(submission, options):
        if submission.student == "b":
            raise KeyboardInterrupt
        return graded(submission, options)

    monkeypatch.setattr(batch_grading, "grade", interrupted)
    folder, out = small_class(tmp_path / "in"), tmp_path / "out"
    with pytest.raises(batch_module.BatchInterrupted) as caught:
        run_batch(folder, out, CHECK)
    assert (caught.value.saved, caught.value.total) == (1, 5)   # a (b was in flight)
    assert "1 of 5 submissions are graded and saved" in caught.value.message
    assert "run the same command again to grade the other 4" in caught.value.message
    import sqlite3

    with sqlite3.connect(out / "gradebook.sqlite") as db:
        assert db.execute("SELECT status FROM batches").fetchall() == [("interrupted",)]


# ---- report file names, summary outputs ----------------------------------------------------------

def test_unsafe_ids_keep_their_name_in_the_gradebook_and_get_safe_file_names(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_grading, "grade", fake_grade())
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    ids = ["CON", "what?", "a:b", "김민준 (2)", "x" * 240]
    for student in ids:
        (folder / f"{student}.py").write_text("x = 1\n", encoding="utf-8")
    run_batch(folder, out, CHECK)
    assert sorted(row[0] for row in read_gradebook(out / "gradebook.csv")[1:]) == sorted(ids)
    names = sorted(p.name for p in (out / "reports").glob("*.json"))
    assert len(names) == 5 and "김민준 (2).json" in names
    for name in names:
        assert not re.search(r'[<>:"/\\|?*]', name) and len(name.encode()) < 255
        assert name.split(".")[0].upper() not in ("CON", "NUL", "AUX", "PRN")
        assert json.loads((out / "reports" / name).read_text(encoding="utf-8"))["student"] in ids
    summary = (out / "summary.html").read_text(encoding="utf-8")
    for name in names:   # every link of the summary points at a file that exists
        from urllib.parse import quote
        assert 'href="reports/' + quote(name[:-5] + ".html", safe="") + '"' in summary


def test_summary_md_and_similarity_pairs(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_grading, "grade", fake_grade())
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    source = REFERENCE.read_text(encoding="utf-8")
    (folder / "kim.py").write_text(source, encoding="utf-8")
    (folder / "lee.py").write_text("# mine!\n" + source.replace("dh_next", "grad_carry"), encoding="utf-8")
    (folder / "park.py").write_bytes((EXAMPLES / "park_jiho.py").read_bytes())
    result = run_batch(folder, out, CHECK, similarity=True)
    assert [(p.a, p.b, p.identical) for p in result.similar] == [("kim", "lee", True)]
    assert read_gradebook(out / "similarity.csv")[1:] == [["kim", "lee", "1.0", "yes"]]
    html_page = (out / "summary.html").read_text(encoding="utf-8")
    assert "Similar submissions" in html_page and 'href="reports/kim.html"' in html_page
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert "## Similar submissions" in md and "| [kim](reports/kim.md) | [lee](reports/lee.md) | 1.00 |" in md
    run_batch(folder, out, CHECK)   # without --similarity: no section
    assert "Similar submissions" not in (out / "summary.html").read_text(encoding="utf-8")


# ---- hostile text: one student's strings never stop the batch or take another's report ---------

HOSTILE_TEXT = sorted((Path(__file__).parent / "fixtures" / "hostile_text").glob("*.py"))


def first_message(data: dict, part: str) -> str:
    return next(p for p in data["parts"] if p["name"] == part)["tests"][0]["message"]


def test_hostile_text_is_graded_and_every_other_row_survives(tmp_path):
    """Before: a lone surrogate in one exception message ended the batch in SQLite and lost the rows after it."""
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for fixture in HOSTILE_TEXT:
        (folder / fixture.name).write_text(compose(fixture), encoding="utf-8")
    for name in ("good", "zz_good"):
        (folder / f"{name}.py").write_bytes(REFERENCE.read_bytes())
    result = run_batch(folder, out, CHECK, ("json", "md", "html", "junit"))
    rows = {row[0]: row for row in read_gradebook(out / "gradebook.csv")[1:]}
    assert set(rows) == {f.stem for f in HOSTILE_TEXT} | {"good", "zz_good"}
    full = {n: str(float(p)) for n, p in zip(RNN.part_names, (p.points for p in RNN.parts))}
    for fixture in HOSTILE_TEXT:
        broken = affected_parts(fixture)
        row = dict(zip(HEADER, rows[fixture.stem]))
        assert row["status"] == "graded", fixture.stem
        assert all(row[n] == full[n] for n in RNN.part_names if n not in broken), fixture.stem
        assert all(float(row[n]) < float(full[n]) for n in broken), fixture.stem
        if fixture.stem != "hostile_dict_keys":
            assert all(row[n] == "0.0" for n in broken), fixture.stem
    assert float(rows["good"][1]) == float(rows["zz_good"][1]) == 100
    message = first_message(report(out, "terminal_escapes"), "clip_grad_value")
    assert "\\x1b[2J" in message and "\x1b" not in message
    assert "\ufffd" in first_message(report(out, "lone_surrogate"), "clip_grad_value")
    import sqlite3

    with sqlite3.connect(out / "gradebook.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM results").fetchone() == (len(rows),)
    assert len(result.entries) == len(rows)


def test_a_result_that_cannot_be_stored_or_written_becomes_its_own_error_row(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_grading, "grade", fake_grade())
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for name in ("a", "b", "c", "d"):
        (folder / f"{name}.py").write_text("x = 1\n", encoding="utf-8")
    real_md, real_record = batch_outputs.RENDERERS["md"], batch_module.Gradebook.record

    def md(result):
        if result.student == "b" and result.status == "graded":
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
        return real_md(result)

    def record(self, batch_id, row, result, key):
        if result.student == "c" and result.status == "graded":
            raise ValueError("no room \x1b[2J")
        return real_record(self, batch_id, row, result, key)

    monkeypatch.setitem(batch_outputs.RENDERERS, "md", md)
    monkeypatch.setattr(batch_module.Gradebook, "record", record)
    result = run_batch(folder, out, CHECK)
    status = {e.student: e.result for e in result.entries}
    assert [s for s in status if status[s].status == "graded"] == ["a", "d"]
    for student, why in (("b", "UnicodeEncodeError"), ("c", "ValueError: no room \\x1b[2J")):
        assert status[student].error.kind == "internal" and why in status[student].error.message
        assert "could not be stored or its report written" in report(out, student)["error"]["message"]
    assert [row[3] for row in read_gradebook(out / "gradebook.csv")[1:]] == ["graded", "error", "error", "graded"]
    monkeypatch.setitem(batch_outputs.RENDERERS, "md", real_md)
    monkeypatch.setattr(batch_module.Gradebook, "record", real_record)
    again = run_batch(folder, out, CHECK)   # an internal error is graded again, the rest reused
    assert again.reused == 2 and {e.result.status for e in again.entries} == {"graded"}


def test_a_file_name_that_is_not_utf8_is_an_id_every_store_takes(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_grading, "grade", fake_grade())
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    (folder / os.fsdecode(b"kim\xff.py")).write_text("x = 1\n", encoding="utf-8")   # cp949 names unzipped as bytes
    (folder / "lee.py").write_text("x = 1\n", encoding="utf-8")
    result = run_batch(folder, out, CHECK)
    assert [e.student for e in result.entries] == ["kim\\xff", "lee"]
    assert {e.result.status for e in result.entries} == {"graded"}


def test_two_students_never_share_a_report_file(tmp_path, monkeypatch):
    """Before: `a:b` became `a_b~6783a31e`, another student's literal id, and one report overwrote the other."""
    monkeypatch.setattr(batch_grading, "grade", fake_grade())
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    ids = ["a:b", "a_b", "a_b~6783a31e", report_stem("a:b"), "CON", "_CON", "x.", "x_"]
    for student in ids:
        (folder / f"{student}.py").write_text(f"# {student}\n", encoding="utf-8")
    run_batch(folder, out, CHECK)
    owners = sorted(json.loads(p.read_text(encoding="utf-8"))["student"] for p in (out / "reports").glob("*.json"))
    assert owners == sorted(ids)


def test_spreadsheet_ids_are_neutralised_in_the_csv_only(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_grading, "grade", fake_grade())
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    ids = ["=HYPERLINK(1)", "-1", "@x", "+1", "kim"]
    for student in ids:
        (folder / f"{student}.py").write_text("x = 1\n", encoding="utf-8")
    run_batch(folder, out, CHECK)
    assert sorted(row[0] for row in read_gradebook(out / "gradebook.csv")[1:]) == \
        sorted(["'=HYPERLINK(1)", "'-1", "'@x", "'+1", "kim"])
    assert sorted(report(out, s)["student"] for s in ids) == sorted(ids)
    import sqlite3

    with sqlite3.connect(out / "gradebook.sqlite") as db:
        assert sorted(r[0] for r in db.execute("SELECT student FROM results")) == sorted(ids)


# ---- progress ------------------------------------------------------------------------------

def test_progress_lines_off_a_terminal_are_periodic_with_rate_and_eta():
    import io

    from grader.progress import BatchProgress, duration

    now = [0.0]
    log = io.StringIO()
    progress = BatchProgress(log, interval=10, tty=False, clock=lambda: now[0])
    result = error_result("kim", "", GradingError("input", "empty"), CHECK)
    progress.start(10, done=2)
    for done in range(3, 11):
        now[0] += 2.0
        progress(done, 10, result)
    lines = log.getvalue().splitlines()
    assert lines[0] == "[2/10] unchanged since an earlier run; grading the other 8"
    assert lines[1] == "[3/10] kim: 0 / 100 (could not grade) · 0.50/s · ETA 14s"     # the first graded
    assert lines[2].startswith("[8/10] kim") and "ETA 4s" in lines[2]        # 10 s later
    assert lines[3] == "[10/10] kim: 0 / 100 (could not grade) · 0.50/s · done in 16s"
    assert len(lines) == 4
    assert [duration(s) for s in (5, 65, 3600 * 2 + 60 * 3, float("nan"))] == ["5s", "1m05s", "2h03m", "?"]


def test_progress_lines_speak_the_batch_language():
    import io

    from grader.i18n import text
    from grader.progress import BatchProgress

    log = io.StringIO()
    progress = BatchProgress(log, tty=False, clock=lambda: 0.0, lang="ko")
    progress.start(3, done=1)
    progress(2, 3, error_result("kim", "", GradingError("input", "empty"), CHECK))
    lines = log.getvalue().splitlines()
    assert lines[0] == f"[1/3] {text('ko', 'batch.some_reused', count=2)}"
    assert f"kim: 0 / 100 ({text('ko', 'summary.status_error')})" in lines[1]


def test_progress_on_a_terminal_is_a_live_bar():
    import io

    from grader.progress import BatchProgress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    result = error_result("kim", "", GradingError("input", "empty"), CHECK)
    with BatchProgress(screen) as progress:
        progress.start(3)
        for done in (1, 2, 3):
            progress(done, 3, result)
    text = screen.getvalue()
    assert "3/3" in text and "kim: 0 / 100 (could not grade)" in text and "\x1b[" in text


# ---- the real thing: -j 1 and -j 2 agree; a batch killed halfway resumes -------------------------

def example_class(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for path in sorted(EXAMPLES.glob("*.py")):
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


def test_j1_and_j2_give_identical_gradebooks_reports_and_summaries(tmp_path):
    folder = example_class(tmp_path / "in")
    (folder / "stub.py").write_bytes(STUBS.read_bytes())
    (folder / "empty.py").write_bytes(b"")
    options = GradingOptions(mode="check", limits=FAST, reference=load_reference(RNN, REFERENCE))
    one = run_batch(folder, tmp_path / "j1", options, ("json", "md"), jobs=1, similarity=True)
    two = run_batch(folder, tmp_path / "j2", options, ("json", "md"), jobs=2, similarity=True)
    assert (tmp_path / "j1" / "gradebook.csv").read_bytes() == (tmp_path / "j2" / "gradebook.csv").read_bytes()
    assert reports_without_timing(tmp_path / "j1") == reports_without_timing(tmp_path / "j2")
    for name in ("summary.html", "summary.md", "similarity.csv"):
        assert (tmp_path / "j1" / name).read_bytes() == (tmp_path / "j2" / name).read_bytes(), name
    assert [e.student for e in one.entries] == [e.student for e in two.entries]
    assert any(p.misconceptions for e in one.entries for p in e.result.parts)   # real feedback was compared


def test_a_batch_killed_halfway_resumes_without_grading_anything_twice(tmp_path):
    import signal as signals
    import sqlite3
    import subprocess
    import sys
    import time

    folder = example_class(tmp_path / "in")
    # one slow submission keeps the batch busy past the kill, whatever the machine's speed
    (folder / "zz_slow.py").write_text("import time\ntime.sleep(6)\n" + REFERENCE.read_text(encoding="utf-8"),
                                       encoding="utf-8")
    out = tmp_path / "grades"
    command = [sys.executable, "-m", "grader", "batch", str(folder), "--out", str(out), "-j", "2",
               "--format", "json", "--timeout", "5"]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                             env=env)
    try:
        deadline = time.monotonic() + 240   # only so a wedged run cannot hang the suite
        while time.monotonic() < deadline and first.poll() is None:
            book = out / "gradebook.csv"
            if book.is_file() and len(read_gradebook(book)) - 1 >= 2:
                break
            time.sleep(0.05)
        assert first.poll() is None, "the batch ended before it could be interrupted"
        first.send_signal(signals.SIGINT)
        _, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 130, err
    assert "Traceback" not in err
    saved = len(read_gradebook(out / "gradebook.csv")) - 1
    assert 2 <= saved < 6
    assert f"interrupted: {saved} of 6 submissions are graded and saved in {out}" in err
    assert "run the same command again" in err

    second = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", env=env, timeout=300)
    assert second.returncode == 0, second.stderr
    assert f"{6 - saved} graded now, {saved} unchanged since an earlier run" in second.stderr
    rows = read_gradebook(out / "gradebook.csv")[1:]
    students = [row[0] for row in rows]
    assert sorted(students) == sorted(["choi_yuna", "jung_hyunwoo", "lee_seoyeon", "park_jiho", "김민준", "zz_slow"])
    assert len(students) == len(set(students))
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        twice = db.execute("SELECT student, COUNT(*) FROM results GROUP BY student, submission_sha256, settings_key "
                           "HAVING COUNT(*) > 1").fetchall()
        assert twice == []
        assert db.execute("SELECT COUNT(*) FROM results").fetchone() == (6,)
        assert db.execute("SELECT status, graded, reused FROM batches ORDER BY id").fetchall() == \
            [("interrupted", saved, 0), ("complete", 6 - saved, saved)]
    assert sorted(p.stem for p in (out / "reports").glob("*.json")) == sorted(students)


def test_results_from_workers_with_other_grading_code_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_grading, "grade", fake_grade())

    class Cluster:
        """Runs the tasks right here, like a cluster would, optionally with another grader's code hash."""

        name = "fake"

        def __init__(self, code=None):
            self.code = code

        def run(self, work, context, items, finished):
            for index, submission in items:
                code, result = work(submission, context)
                finished(index, (self.code or code, result))
            return []

    folder, out = small_class(tmp_path / "in"), tmp_path / "out"
    done = run_batch(folder, out, CHECK, executor=Cluster())
    assert done.graded == 5 and [e.result.status for e in done.entries].count("graded") == 3
    with pytest.raises(batch_module.ExecutorUnavailable, match="other grading code"):
        run_batch(folder, tmp_path / "other", CHECK, executor=Cluster(code="0" * 64))
    import sqlite3

    with sqlite3.connect(tmp_path / "other" / "gradebook.sqlite") as db:
        assert db.execute("SELECT status FROM batches").fetchall() == [("failed",)]
        assert db.execute("SELECT COUNT(*) FROM results WHERE status = 'graded'").fetchone() == (0,)


# ---- generated inputs depend on the seed only ------------------------------------------------------

def test_pinning_empties_hypothesis_local_constants():
    from hypothesis.internal.conjecture import providers

    from grader.determinism import pin_generation

    pin_generation()
    pin_generation()   # idempotent
    import grader.cli  # noqa: F401  (a local module full of constants, loaded after the pin)
    constants = providers._get_local_constants()
    assert not any(constants.set_for_type(kind) for kind in ("integer", "float", "bytes", "string"))


GRADE_ONE = """
import json, sys
{before}
from pathlib import Path
from grader import assignments
from grader.batch_grading import grade_submission
from grader.batch_inputs import prepare
from grader.reference import load_reference
from grader.runner import GradingOptions
from grader.sandbox import Limits
options = GradingOptions(mode="grade", limits=Limits(call_seconds=5.0, import_seconds=10.0),
                         reference=load_reference(assignments.load("rnn"), Path(sys.argv[2])))
result = grade_submission(prepare(Path(sys.argv[1])).submission, options)
print(json.dumps([[t.passed for t in p.tests] for p in result.parts] + [result.score]))
"""


def test_a_score_does_not_depend_on_what_the_grading_process_imported(tmp_path):
    """`batch -j 1` grades in the CLI process, `-j 2` in workers that import less: same inputs, same score."""
    import subprocess
    import sys

    from tests.conftest import MISTAKES, compose

    submission = tmp_path / "relu.py"
    submission.write_text(compose(MISTAKES / "relu_instead_of_tanh.py"), encoding="utf-8")
    outputs = []
    for before in ("", "import grader.cli"):
        script = tmp_path / f"grade{len(outputs)}.py"
        script.write_text(GRADE_ONE.format(before=before), encoding="utf-8")
        done = subprocess.run([sys.executable, str(script), str(submission), str(REFERENCE)], capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.append(done.stdout.strip().splitlines()[-1])
    assert outputs[0] == outputs[1]
