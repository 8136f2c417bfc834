"""A batch with a course deadline: a grace period, a per-day penalty with a cap and two extensions
give the final scores the policy says, beside the raw ones, in every gradebook; changing an
extension grades nothing again and only recomputes (and records) the penalties."""
from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from grader import batch_grading
from grader import course as course_module
from grader.batch import run_batch
from grader.reports import gradebook, lms
from tests.conftest import RNN, read_gradebook
from tests.test_batch import CHECK, counting_grade
from tests.test_deadlines import COURSE as COURSE_WITH_LMS

RAW = 80.0  # what every submission scores here (a stand-in grader): the penalties are the subject
# due 2026-03-15 23:59 in Seoul, 10 minutes' grace, 10% of the maximum per started day, at most 50%
COURSE = COURSE_WITH_LMS.replace('submission_times = "moodle.csv"\n', "")


def dated(path: Path, when: str) -> None:
    stamp = datetime.fromisoformat(when).timestamp()
    os.utime(path, (stamp, stamp))


def the_class(folder: Path) -> Path:
    """Six students, each dated by another source or another lateness."""
    folder.mkdir(parents=True)
    for name, when in (("ahn", "2026-03-15T23:00+09:00"),     # on time
                       ("baek", "2026-03-16T00:05+09:00"),    # 6 min late: within the 10-min grace
                       ("lee", "2026-03-16T20:00+09:00"),     # a day late, but extended to the 17th
                       ("song", "2026-03-25T12:00+09:00")):   # 10 started days late: capped at 50%
        (folder / f"{name}.py").write_text(f"x = '{name}'\n", encoding="utf-8")
        dated(folder / f"{name}.py", when)
    cho = folder / "cho"  # a clone: its commit's committer date, 30 h 01 min late: 2 started days
    cho.mkdir()
    (cho / "rnn.py").write_text("x = 'cho'\n", encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_DATE": "2026-03-10T00:00+09:00", "GIT_COMMITTER_DATE": "2026-03-17T06:00+09:00"}
    for args in (["init", "-q"], ["add", "rnn.py"], ["commit", "-q", "-m", "work"]):
        subprocess.run(["git", "-c", "user.name=c", "-c", "user.email=c@example.org", "-C", str(cho), *args],
                       check=True, capture_output=True, env=env)
    park = folder / "park"  # Gradescope's record: 10 h 01 min after park's extended deadline: 1 day
    park.mkdir()
    (park / "rnn.py").write_text("x = 'park'\n", encoding="utf-8")
    (park / "submission_metadata.json").write_text(json.dumps({"created_at": "2026-03-18T10:00:00+09:00"}),
                                                   encoding="utf-8")
    return folder


def setup(tmp_path: Path, extensions: str) -> tuple[Path, Path, Path]:
    (tmp_path / "extensions.csv").write_text(extensions, encoding="utf-8")
    (tmp_path / "course.toml").write_text(COURSE, encoding="utf-8")
    return the_class(tmp_path / "in"), tmp_path / "out", tmp_path / "course.toml"


def rows(out: Path) -> dict[str, dict[str, str]]:
    header, *body = read_gradebook(out / "gradebook.csv")
    return {row[0]: dict(zip(header, row)) for row in body}


def test_final_scores_follow_the_deadline_grace_penalty_and_extensions(tmp_path, monkeypatch):
    calls: list = []
    monkeypatch.setattr(batch_grading, "grade", counting_grade(calls, RAW))
    folder, out, course_file = setup(tmp_path, "student,deadline\nlee,2026-03-17 23:59\npark,2026-03-17 23:59\n")
    done = run_batch(folder, out, CHECK, course=course_module.load(course_file))

    header = read_gradebook(out / "gradebook.csv")[0]
    assert header == ["student", "score", "max_score", "status", *RNN.part_names, *gradebook.LATE]
    book = rows(out)
    expected = {"ahn": (0, 0, RAW), "baek": (0, 0, RAW), "lee": (0, 0, RAW), "cho": (2, 20, RAW - 20),
                "park": (1, 10, RAW - 10), "song": (10, 50, RAW - 50)}  # (days, penalty, final)
    assert {s: (int(r["late_days"]), float(r["penalty"]), float(r["final_score"])) for s, r in book.items()} == expected
    assert all(float(r["score"]) == RAW for r in book.values())  # the raw score stays beside the final one
    assert {s: r["time_source"] for s, r in book.items()} == {"ahn": "mtime", "baek": "mtime", "lee": "mtime",
                                                              "song": "mtime", "cho": "git", "park": "gradescope"}
    assert (book["cho"]["submitted_at"], book["cho"]["late_hours"]) == ("2026-03-16T21:00:00Z", "30.02")
    assert (book["baek"]["late_hours"], book["baek"]["late_days"]) == ("0.1", "0")  # shown, not charged
    assert {s for s, r in book.items() if r["extended"] == "yes"} == {"lee", "park"}
    assert book["park"]["deadline"] == "2026-03-17T23:59:00+09:00"

    by_student = {e.student: e for e in done.entries}
    assert by_student["cho"].late.final_score == RAW - 20
    moodle = {r["Identifier"]: r for r in csv.DictReader(io.StringIO(lms.moodle(done)))}
    assert moodle["cho"]["Grade"] == "60" and "30.02 h after the deadline" in moodle["cho"]["Feedback comments"]
    assert "Late" not in moodle["ahn"]["Feedback comments"]
    canvas = {r["Student"]: r for r in csv.DictReader(io.StringIO(lms.canvas(done)))}
    assert canvas["song"][lms.DEFAULT_COLUMN] == "30"
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "| final |" in summary and "`gradescope`" in summary and "⚠" in summary
    assert "penalty" in (out / "summary.html").read_text(encoding="utf-8")


def test_changing_an_extension_regrades_nothing_and_keeps_the_history(tmp_path, monkeypatch):
    calls: list = []
    monkeypatch.setattr(batch_grading, "grade", counting_grade(calls, RAW))
    folder, out, course_file = setup(tmp_path, "student,deadline\nlee,2026-03-17 23:59\npark,2026-03-17 23:59\n")
    run_batch(folder, out, CHECK, course=course_module.load(course_file))
    assert len(calls) == 6
    calls.clear()
    (tmp_path / "extensions.csv").write_text("student,deadline\nlee,2026-03-17 23:59\ncho,2026-03-17 12:00\n",
                                             encoding="utf-8")
    again = run_batch(folder, out, CHECK, course=course_module.load(course_file))
    assert calls == [] and (again.graded, again.reused) == (0, 6)
    book = rows(out)
    assert (book["cho"]["final_score"], book["cho"]["extended"]) == (str(RAW), "yes")  # on time now
    assert (book["park"]["late_days"], book["park"]["penalty"]) == ("3", "30.0")  # no extension: 2 days 10 h late
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM results").fetchone() == (6,)  # graded once
        history = db.execute("SELECT batch_id, penalty, policy FROM lateness WHERE student = 'cho' "
                             "ORDER BY batch_id").fetchall()
    assert [(b, p) for b, p, _ in history] == [(1, 20.0), (2, 0.0)]
    assert "cho" in json.loads(history[1][2])["extensions"] and "cho" not in json.loads(history[0][2])["extensions"]


def test_without_a_course_file_the_gradebook_keeps_its_contract_columns(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_grading, "grade", counting_grade([], RAW))
    folder = the_class(tmp_path / "in")
    done = run_batch(folder, tmp_path / "out", CHECK)
    assert read_gradebook(tmp_path / "out" / "gradebook.csv")[0] == ["student", "score", "max_score", "status",
                                                                   *RNN.part_names]
    assert all(e.late is None for e in done.entries)
    assert "| final |" not in (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
