"""`gradebook.sqlite`: every grading of every submission, kept with the standard library's sqlite3.

Tables (one file, readable with any SQLite client):

- `batches`: one row per `rnn-grader batch` run: when, the settings, -j, the executor, and
  how it ended (`running` while it runs, then `complete` or `interrupted`).
- `results`: one row per grading of one submission: student, submission sha256, settings
  key, grader version, seed, mode, language, status, score, error, when, how long, and the
  whole `<id>.json` report (`report`), from which the result is rebuilt exactly on resume.
- `part_results` and `test_results`: the same results per part and per test, for queries.
- `batch_rows`: which result made each gradebook row of each batch (`reused` = 1 when the
  row was taken from an earlier run instead of graded again).
- `lateness`: with a course deadline, each row's lateness as that batch computed it (submission
  time and its source, the student's deadline, hours and days late, penalty, final score) and
  the policy it was computed under: a changed extension shows up as a new batch whose rows
  reuse their results and carry new penalties, the old ones kept.

Each finished submission is one transaction (synchronous=FULL), so an interrupted batch,
even by a power loss, loses at most the submissions that were being graded.
"""
from __future__ import annotations

import json
import math
import sqlite3
import time
from dataclasses import fields
from pathlib import Path
from typing import Any, Iterable

from grader.model import Diagnosis, GradingError, Lateness, PartResult, Series, SubmissionResult, TestResult

SCHEMA_VERSION = 1
FILENAME = "gradebook.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    folder TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    settings_key TEXT NOT NULL,
    settings TEXT NOT NULL,
    jobs INTEGER NOT NULL,
    executor TEXT NOT NULL,
    total INTEGER NOT NULL,
    graded INTEGER NOT NULL DEFAULT 0,
    reused INTEGER NOT NULL DEFAULT 0,
    wall_seconds REAL
);
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY,
    batch_id INTEGER REFERENCES batches(id),
    student TEXT NOT NULL,
    submission_sha256 TEXT NOT NULL,
    settings_key TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    seed INTEGER NOT NULL,
    mode TEXT NOT NULL,
    lang TEXT NOT NULL,
    status TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    error_kind TEXT,
    error_message TEXT,
    graded_at TEXT NOT NULL,
    duration_seconds REAL NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS results_lookup ON results (student, submission_sha256, settings_key);
CREATE TABLE IF NOT EXISTS part_results (
    result_id INTEGER NOT NULL REFERENCES results(id),
    part TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    misconceptions TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS test_results (
    result_id INTEGER NOT NULL REFERENCES results(id),
    part TEXT NOT NULL,
    test TEXT NOT NULL,
    passed INTEGER NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    public INTEGER NOT NULL,
    message TEXT NOT NULL,
    counterexample TEXT
);
CREATE INDEX IF NOT EXISTS part_results_result ON part_results (result_id);
CREATE INDEX IF NOT EXISTS test_results_result ON test_results (result_id);
CREATE TABLE IF NOT EXISTS batch_rows (
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    row INTEGER NOT NULL,
    student TEXT NOT NULL,
    result_id INTEGER NOT NULL REFERENCES results(id),
    reused INTEGER NOT NULL,
    PRIMARY KEY (batch_id, row)
);
CREATE TABLE IF NOT EXISTS lateness (
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    row INTEGER NOT NULL,
    student TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    time_source TEXT NOT NULL,
    deadline TEXT NOT NULL,
    extended INTEGER NOT NULL,
    late_hours REAL NOT NULL,
    late_days INTEGER NOT NULL,
    penalty REAL NOT NULL,
    final_score REAL NOT NULL,
    policy TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    PRIMARY KEY (batch_id, row)
);
"""


class GradebookError(RuntimeError):
    """The SQLite gradebook cannot be used (not a database, a newer schema, locked)."""


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


# ---- results to and from their JSON report ---------------------------------------------------

def to_json(result: SubmissionResult) -> str:
    """The report as stored: the `<id>.json` content (CONTRACT §4 plus our extra fields)."""
    return json.dumps(result.to_dict(), ensure_ascii=False, sort_keys=False)


def _tuple(values: Any) -> tuple:
    return tuple(values or ())


def result_from_dict(data: dict[str, Any]) -> SubmissionResult:
    """Rebuild a SubmissionResult from its report dict (the inverse of `to_dict`)."""
    parts = []
    for p in data.get("parts", ()):
        tests = tuple(TestResult(t["name"], bool(t["passed"]), t["score"], t["max_score"], t.get("message", ""),
                                 t.get("counterexample"), bool(t.get("public", True))) for t in p.get("tests", ()))
        diagnoses = tuple(Diagnosis(d["id"], d["title"], d["explanation"], d["hint"])
                          for d in p.get("diagnoses") or ())
        s = p.get("series")
        series = Series(s["title"], s["x_label"], s["y_label"], _tuple(s["x"]), _tuple(s["student"]),
                        _tuple(s["reference"]), bool(s.get("log_y", True))) if s else None
        parts.append(PartResult(p["name"], p["score"], p["max_score"], tests, diagnoses, series))
    error = GradingError(data["error"]["kind"], data["error"]["message"]) if data.get("error") else None
    known = {f.name for f in fields(SubmissionResult)} | {"misconceptions"}
    extra = {k: v for k, v in data.items() if k not in known}
    return SubmissionResult(
        assignment=data["assignment"], student=data["student"], submission_sha256=data["submission_sha256"],
        status=data["status"], score=data["score"], max_score=data["max_score"], parts=tuple(parts),
        grader_version=data["grader_version"], seed=data["seed"], error=error, lang=data.get("lang", "en"),
        mode=data.get("mode", "grade"), isolation=data.get("isolation", ""),
        duration_seconds=data.get("duration_seconds", 0.0), extra=extra)


def result_from_json(text: str) -> SubmissionResult:
    return result_from_dict(json.loads(text))


def normalised(result: SubmissionResult) -> SubmissionResult:
    """The result as it reads back from storage (tuples where JSON has lists, and so on), so a
    fresh result and a stored one render byte for byte the same reports."""
    return result_from_json(to_json(result))


def comparable(result: SubmissionResult) -> dict[str, Any]:
    """The report without its timing, for "same result?" comparisons."""
    data = json.loads(to_json(result))
    data.pop("duration_seconds", None)
    return data


# ---- the database ------------------------------------------------------------------------------

def _finite(x: float) -> float:
    return x if isinstance(x, (int, float)) and math.isfinite(x) else 0.0


class Gradebook:
    """The SQLite gradebook of one output folder; one writer (the batch's parent process)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self.db.execute("PRAGMA synchronous = FULL")
            self.db.execute("PRAGMA foreign_keys = ON")
            with self.transaction():
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
                if row is None:
                    self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                elif int(row[0]) > SCHEMA_VERSION:
                    raise GradebookError(f"{self.path} was written by a newer rnn-grader (schema {row[0]}); "
                                         "upgrade rnn-grader or use another --out folder")
        except sqlite3.DatabaseError as exc:
            raise GradebookError(f"{self.path}: cannot be used as the SQLite gradebook ({exc}); "
                                 "move it away or use another --out folder") from None

    # transactions: BEGIN IMMEDIATE takes the write lock up front, so a commit never fails half-way
    def transaction(self):
        db = self.db

        class _Tx:
            def __enter__(self_inner):
                db.execute("BEGIN IMMEDIATE")
                return db

            def __exit__(self_inner, kind, value, tb):
                db.execute("COMMIT" if kind is None else "ROLLBACK")
                return False

        return _Tx()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Gradebook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- batches ----
    def start_batch(self, folder: Path, grader_version: str, settings_key: str, settings: dict[str, Any],
                    jobs: int, executor: str, total: int) -> int:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO batches (started_at, status, folder, grader_version, settings_key, settings, jobs, "
                "executor, total) VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?)",
                (now(), str(folder), grader_version, settings_key, json.dumps(settings, sort_keys=True), jobs,
                 executor, total))
            return int(cursor.lastrowid)

    def finish_batch(self, batch_id: int, status: str, wall_seconds: float) -> None:
        with self.transaction() as db:
            graded, reused = db.execute(
                "SELECT COALESCE(SUM(1 - reused), 0), COALESCE(SUM(reused), 0) FROM batch_rows WHERE batch_id = ?",
                (batch_id,)).fetchone()
            db.execute("UPDATE batches SET finished_at = ?, status = ?, graded = ?, reused = ?, wall_seconds = ? "
                       "WHERE id = ?", (now(), status, graded, reused, round(wall_seconds, 3), batch_id))

    # ---- results ----
    def lookup(self, student: str, sha256: str, settings_key: str) -> tuple[int, SubmissionResult] | None:
        """The latest stored result of this student's submission (these bytes) under these settings."""
        row = self.db.execute(
            "SELECT id, report FROM results WHERE student = ? AND submission_sha256 = ? AND settings_key = ? "
            "ORDER BY id DESC LIMIT 1", (student, sha256, settings_key)).fetchone()
        if row is None:
            return None
        try:
            return int(row[0]), result_from_json(row[1])
        except (ValueError, KeyError, TypeError):  # a damaged row is graded again, never trusted
            return None

    def record(self, batch_id: int, row: int, result: SubmissionResult, settings_key: str) -> int:
        """Store one freshly graded result and its gradebook row, in one transaction."""
        error = result.error
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO results (batch_id, student, submission_sha256, settings_key, grader_version, seed, mode, "
                "lang, status, score, max_score, error_kind, error_message, graded_at, duration_seconds, report) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (batch_id, result.student, result.submission_sha256, settings_key, result.grader_version, result.seed,
                 result.mode, result.lang, result.status, _finite(result.score), _finite(result.max_score),
                 error.kind if error else None, error.message if error else None, now(),
                 _finite(result.duration_seconds), to_json(result)))
            result_id = int(cursor.lastrowid)
            db.executemany("INSERT INTO part_results VALUES (?, ?, ?, ?, ?)",
                           [(result_id, p.name, _finite(p.score), _finite(p.max_score),
                             json.dumps(list(p.misconceptions))) for p in result.parts])
            db.executemany("INSERT INTO test_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           [(result_id, p.name, t.name, int(t.passed), _finite(t.score), _finite(t.max_score),
                             int(t.public), t.message,
                             json.dumps(t.counterexample, ensure_ascii=False) if t.counterexample is not None else None)
                            for p in result.parts for t in p.tests])
            db.execute("INSERT OR REPLACE INTO batch_rows VALUES (?, ?, ?, ?, 0)",
                       (batch_id, row, result.student, result_id))
        return result_id

    def record_reused(self, batch_id: int, rows: Iterable[tuple[int, str, int]]) -> None:
        """Gradebook rows taken from earlier runs: (row, student, result id)."""
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO batch_rows VALUES (?, ?, ?, ?, 1)",
                           [(batch_id, row, student, result_id) for row, student, result_id in rows])

    def record_lateness(self, batch_id: int, rows: Iterable[tuple[int, str, Lateness]], policy: dict[str, Any]) -> None:
        """Rows' lateness as this batch computes it, under `policy`: (row, student, lateness), one transaction."""
        policy_text, when = json.dumps(policy, sort_keys=True, ensure_ascii=False), now()
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO lateness VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           [(batch_id, row, student, late.submitted_at, late.time_source, late.deadline,
                             int(late.extended), late.late_hours, late.late_days, late.penalty, late.final_score,
                             policy_text, when) for row, student, late in rows])

