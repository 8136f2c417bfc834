"""LMS gradebooks: Canvas's Gradebook import CSV and Moodle's grading worksheet, identities
recovered from the names each LMS gives downloaded submissions."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest

from grader.cli import main
from grader.model import BatchEntry, BatchResult
from grader.reports import lms
from tests.conftest import REFERENCE, STUBS
from tests.reports.helpers import PART_NAMES, error_result, make_result


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def batch_of(*students: str) -> BatchResult:
    results = [make_result(student=s) if i % 2 == 0 else error_result(student=s) for i, s in enumerate(students)]
    return BatchResult(tuple(BatchEntry(r.student, r) for r in results), PART_NAMES)


def test_canvas_columns_and_identities():
    batch = batch_of("kimminjun_12345_678901_rnn", "leeseoyeon_LATE_222_333_rnn", "park.jiho", "김민준")
    table = rows(lms.canvas(batch, "RNN homework"))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "RNN homework"]
    assert table[1] == ["kimminjun", "12345", "", "", "", "16.79"]
    assert table[2][:2] == ["leeseoyeon", "222"] and table[2][5] == "0"
    assert table[3] == ["park.jiho", "", "", "park.jiho", "", "16.79"]
    assert table[4][0] == "김민준" and table[4][3] == "김민준"
    assert all(len(r) == 6 for r in table)


def test_moodle_worksheet_columns_and_identities():
    batch = batch_of("Kim Minjun_1234567_assignsubmission_file_", "Lee, Seoyeon \"S\"_42_assignsubmission_file_",
                     "park_jiho")
    table = rows(lms.moodle(batch, now=datetime(2026, 11, 25, 9, 30)))
    assert table[0] == ["Identifier", "Full name", "Email address", "Grade", "Maximum Grade",
                        "Last modified (grade)", "Feedback comments"]
    assert table[1][:6] == ["Participant 1234567", "Kim Minjun", "", "16.79", "30", "2026-11-25 09:30"]
    assert table[1][6].startswith("rnn-grader: 16.79 / 30; rnn_cell_backward 4.29/15 (missing-tanh-derivative)")
    assert table[2][:2] == ["Participant 42", 'Lee, Seoyeon "S"']  # quoted by csv, read back intact
    assert "syntax" in table[2][6]
    assert table[3][:2] == ["park_jiho", "park_jiho"]


@pytest.mark.parametrize("name", ["canvas", "moodle"])
def test_every_row_has_one_grade_and_the_file_is_crlf_utf8(name):
    batch = batch_of("a", "b", "c")
    text = lms.LMS[name](batch)
    assert text.count("\r\n") == 4 and len(rows(text)) == 4
    assert lms.file_name(name) == f"gradebook-{name}.csv"


def test_batch_writes_both_lms_files(tmp_path, capsys):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "kimminjun_12345_678901_rnn.py").write_bytes(REFERENCE.read_bytes())
    student = folder / "Lee Seoyeon_42_assignsubmission_file_"
    student.mkdir()
    (student / "rnn.py").write_bytes(STUBS.read_bytes())
    out = tmp_path / "grades"
    code = main(["batch", str(folder), "--out", str(out), "--format", "json", "--lms", "canvas,moodle",
                 "--lms-column", "RNN (week 5)", "--solutions", str(REFERENCE), "--timeout", "5"])
    capsys.readouterr()
    assert code == 0
    canvas = rows((out / "gradebook-canvas.csv").read_text(encoding="utf-8"))
    moodle = rows((out / "gradebook-moodle.csv").read_text(encoding="utf-8"))
    assert canvas[0][-1] == "RNN (week 5)"
    assert sorted((r[0], r[1], r[5]) for r in canvas[1:]) == [
        ("Lee Seoyeon_42_assignsubmission_file_", "", "0"), ("kimminjun", "12345", "100")]
    assert sorted((r[0], r[3]) for r in moodle[1:]) == [("Participant 42", "0"),
                                                         ("kimminjun_12345_678901_rnn", "100")]
    assert (out / "gradebook.csv").is_file()  # the contract's gradebook is still written as it was


def test_unknown_lms_is_a_usage_error(tmp_path, capsys):
    code = main(["batch", str(tmp_path), "--out", str(tmp_path / "o"), "--lms", "blackboard"])
    err = capsys.readouterr().err
    assert code == 2 and "unknown LMS blackboard" in err
