"""gradebook.sqlite: results round-trip exactly, one transaction per submission, lookups by hash and settings."""
from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import replace

import pytest

from grader.gradebook_db import (
    Gradebook,
    GradebookError,
    comparable,
    normalised,
    result_from_dict,
    to_json,
)
from grader.reports import html, json_report, markdown
from grader.sandbox import inert
from tests.reports.helpers import error_result, make_result


def test_a_result_round_trips_through_its_json_report():
    for result in (make_result("en"), make_result("ko"), error_result("ko"), make_result(series=False)):
        back = result_from_dict(json.loads(json_report.render(result)))
        assert to_json(back) == to_json(result)
        assert back.parts[1].diagnoses == result.parts[1].diagnoses
        assert back.parts[1].misconceptions == result.parts[1].misconceptions
        assert back.error == result.error and back.lang == result.lang and back.isolation == result.isolation
        # the NaN and inf of the series survive, so the reports render the same
        assert html.render(back) == html.render(result)
        assert markdown.render(back) == markdown.render(result)


def test_series_nan_survives_storage():
    back = normalised(make_result())
    student = back.parts[2].series.student
    assert isinstance(student, tuple) and math.isnan(student[2]) and math.isinf(student[4])


def test_unknown_top_level_fields_are_kept_as_extra():
    data = make_result().to_dict() | {"course": "DL101"}
    back = result_from_dict(data)
    assert back.extra == {"course": "DL101"} and back.to_dict()["course"] == "DL101"


def test_comparable_ignores_only_timing():
    a = make_result()
    assert comparable(a) == comparable(replace(a, duration_seconds=12.5))
    assert comparable(a) != comparable(replace(a, score=1.0))


def test_record_and_lookup(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as store:
        batch = store.start_batch(tmp_path, "0.1.0", "key1", {"seed": 1}, 2, "processes", 2)
        a = make_result(student="김민준")
        store.record(batch, 0, a, "key1")
        assert store.lookup("김민준", a.submission_sha256, "key1")[1].to_dict() == normalised(a).to_dict()
        assert store.lookup("김민준", a.submission_sha256, "other-settings") is None
        assert store.lookup("김민준", "0" * 64, "key1") is None
        assert store.lookup("someone", a.submission_sha256, "key1") is None
        newer = replace(a, score=99.0)
        store.record(batch, 0, newer, "key1")
        assert store.lookup("김민준", a.submission_sha256, "key1")[1].score == 99.0   # the latest wins
        store.finish_batch(batch, "complete", 3.2)
    db = sqlite3.connect(tmp_path / "g.sqlite")
    assert db.execute("SELECT status, graded, reused, executor, jobs FROM batches").fetchall() == \
        [("complete", 1, 0, "processes", 2)]   # row 0 recorded twice: batch_rows keeps the last
    tests = db.execute("SELECT part, test, passed, public, counterexample FROM test_results "
                       "WHERE result_id = 1 ORDER BY rowid").fetchall()
    assert len(tests) == sum(len(p.tests) for p in a.parts)
    assert tests[0][:4] == ("rnn_cell_forward", "matches_reference", 1, 1)
    assert json.loads(tests[2][4])["relative_error"] == 0.949187
    parts = db.execute("SELECT part, score, misconceptions FROM part_results WHERE result_id = 1").fetchall()
    assert ("rnn_cell_backward", 4.2857, '["missing-tanh-derivative"]') in parts
    row = db.execute("SELECT student, grader_version, seed, mode, lang, status, graded_at FROM results "
                     "WHERE id = 1").fetchone()
    assert row[:6] == ("김민준", "0.1.0", 20261125, "grade", "en", "graded") and row[6][:2] == "20"


def test_reused_rows_are_recorded_per_batch(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as store:
        first = store.start_batch(tmp_path, "0.1.0", "k", {}, 1, "local", 1)
        result_id = store.record(first, 0, make_result(), "k")
        second = store.start_batch(tmp_path, "0.1.0", "k", {}, 1, "local", 1)
        store.record_reused(second, [(0, "lee_seoyeon", result_id)])
        store.finish_batch(second, "complete", 0.1)
    db = sqlite3.connect(tmp_path / "g.sqlite")
    assert db.execute("SELECT batch_id, row, result_id, reused FROM batch_rows ORDER BY batch_id").fetchall() == \
        [(1, 0, 1, 0), (2, 0, 1, 1)]
    assert db.execute("SELECT graded, reused FROM batches WHERE id = 2").fetchone() == (0, 1)


def test_a_failed_transaction_leaves_nothing_behind(tmp_path, monkeypatch):
    store = Gradebook(tmp_path / "g.sqlite")
    batch = store.start_batch(tmp_path, "0.1.0", "k", {}, 1, "local", 1)
    good = make_result()
    odd_test = replace(good.parts[2].tests[1], public="sometimes")   # int() fails on it: after two inserts
    broken = replace(good, parts=good.parts[:2] + (replace(good.parts[2], tests=(good.parts[2].tests[0], odd_test)),))
    with pytest.raises(ValueError):
        store.record(batch, 0, broken, "k")
    assert store.db.execute("SELECT COUNT(*) FROM results").fetchone() == (0,)
    assert store.db.execute("SELECT COUNT(*) FROM part_results").fetchone() == (0,)
    store.record(batch, 0, make_result(), "k")   # and the database is still usable
    assert store.db.execute("SELECT COUNT(*) FROM results").fetchone() == (1,)
    store.close()


def _with_message(message: str):
    result = make_result()
    test = replace(result.parts[1].tests[0], message=message)
    return replace(result, parts=(result.parts[0], replace(result.parts[1], tests=(test,)), result.parts[2]))


def test_unencodable_text_fails_whole_and_inert_text_round_trips(tmp_path):
    """A lone surrogate cannot be stored (the batch then records an error row instead); once made inert,
    as the sandbox does with every string from the child, the same message is stored and read back exactly."""
    raw = "shape mismatch \ud800 \x00\x1b[2J"
    with Gradebook(tmp_path / "g.sqlite") as store:
        batch = store.start_batch(tmp_path, "0.1.0", "k", {}, 1, "local", 1)
        with pytest.raises(UnicodeEncodeError):
            store.record(batch, 0, _with_message(raw), "k")
        assert store.db.execute("SELECT COUNT(*) FROM results").fetchone() == (0,)
        safe = _with_message(inert.text(raw, 1000))
        store.record(batch, 0, safe, "k")
        assert store.lookup(safe.student, safe.submission_sha256, "k")[1] == normalised(safe)


def test_unusable_files_are_one_clear_error(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(GradebookError, match="cannot be used as the SQLite gradebook"):
        Gradebook(junk)
    newer = tmp_path / "newer.sqlite"
    Gradebook(newer).close()
    with sqlite3.connect(newer) as db:
        db.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    with pytest.raises(GradebookError, match="newer rnn-grader"):
        Gradebook(newer)


def test_a_damaged_report_is_never_trusted(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as store:
        batch = store.start_batch(tmp_path, "0.1.0", "k", {}, 1, "local", 1)
        result = make_result()
        store.record(batch, 0, result, "k")
        store.db.execute("UPDATE results SET report = '{\"not\": \"a report\"}'")
        assert store.lookup(result.student, result.submission_sha256, "k") is None
