"""Deadlines and late policies with fixed clocks and time zones (DST edges included), the course
file, and where a submission time comes from (never running what a student's .git names)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from grader import course as course_module
from grader import git_times, submission_times
from grader.deadlines import DeadlineError, Policy, late_days, parse_time
from tests.conftest import ROOT

SEOUL, NEW_YORK = ZoneInfo("Asia/Seoul"), ZoneInfo("America/New_York")
HOSTILE_GIT = ROOT / "tests" / "fixtures" / "hostile_git" / "config"


def at(text: str, zone: ZoneInfo = NEW_YORK) -> datetime:
    return parse_time(text, zone, "test")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


# ---- times on a course's clock ------------------------------------------------------------------

def test_a_wall_clock_time_is_read_in_the_course_zone_and_an_offset_is_kept():
    assert parse_time("2026-03-15 23:59", SEOUL, "x") == utc("2026-03-15 14:59")
    assert parse_time("2026-03-15T23:59:00-04:00", SEOUL, "x") == utc("2026-03-16 03:59")
    with pytest.raises(DeadlineError, match="course.toml: deadline.due: 'next friday' is not a date and time"):
        parse_time("next friday", SEOUL, "course.toml: deadline.due")


def test_a_time_the_clocks_skip_is_refused():
    with pytest.raises(DeadlineError, match="2026-03-08 02:30 does not exist in America/New_York"):
        at("2026-03-08 02:30")


def test_a_time_that_happens_twice_needs_its_offset():
    with pytest.raises(DeadlineError, match=r"happens twice .* 2026-11-01T01:30-04:00 or 2026-11-01T01:30-05:00"):
        at("2026-11-01 01:30")
    assert at("2026-11-01T01:30-05:00") - at("2026-11-01T01:30-04:00") == timedelta(hours=1)


# ---- late days on the course's calendar -------------------------------------------------------------

def test_a_day_across_spring_forward_is_23_hours():
    deadline = at("2026-03-07 23:00")  # EST; the next 23:00 is EDT, 23 hours later
    assert late_days(deadline, at("2026-03-08 22:30"), NEW_YORK) == 1
    assert late_days(deadline, at("2026-03-08 23:30"), NEW_YORK) == 2  # 23.5 h after, yet a second day
    assert at("2026-03-08 23:30") - deadline == timedelta(hours=23, minutes=30)


def test_a_day_across_fall_back_is_25_hours():
    deadline = at("2026-10-31 23:00")  # EDT; the next 23:00 is EST, 25 hours later
    submitted = at("2026-11-01 22:30")
    assert submitted - deadline == timedelta(hours=24, minutes=30) and late_days(deadline, submitted, NEW_YORK) == 1
    assert late_days(deadline, at("2026-11-01 23:01"), NEW_YORK) == 2


def test_a_day_boundary_in_a_skipped_or_repeated_hour_is_its_later_reading():
    skipped = at("2026-03-07 02:30")  # a day later, 02:30 does not exist: the day ends at 03:30 EDT
    assert late_days(skipped, at("2026-03-08 03:15"), NEW_YORK) == 1
    assert late_days(skipped, at("2026-03-08 03:45"), NEW_YORK) == 2
    repeated = at("2026-10-31 01:30")  # a day later, 01:30 happens twice: the day ends at the second one
    assert late_days(repeated, at("2026-11-01T01:45-04:00"), NEW_YORK) == 1
    assert late_days(repeated, at("2026-11-01T01:20-05:00"), NEW_YORK) == 1
    assert late_days(repeated, at("2026-11-01T01:45-05:00"), NEW_YORK) == 2


def test_on_time_and_exactly_at_the_deadline_is_no_day():
    deadline = at("2026-03-15 23:59", SEOUL)
    assert late_days(deadline, deadline, SEOUL) == 0 and late_days(deadline, deadline - timedelta(days=3), SEOUL) == 0
    assert late_days(deadline, deadline + timedelta(seconds=1), SEOUL) == 1
    assert late_days(deadline, deadline + timedelta(days=3), SEOUL) == 3  # Seoul keeps no DST: whole days
    assert late_days(deadline, deadline + timedelta(days=3, seconds=1), SEOUL) == 4


# ---- the policy -------------------------------------------------------------------------------------

POLICY = Policy(at("2026-03-15 23:59", SEOUL), SEOUL, grace=timedelta(minutes=10), per_day=10, cap=50,
                extensions={"lee": at("2026-03-17 23:59", SEOUL), unicodedata.normalize("NFC", "김민준"): at(
                    "2026-03-16 23:59", SEOUL)})


def test_the_grace_period_waives_the_penalty_but_shows_the_lateness():
    within = POLICY.assess("kim", POLICY.due + timedelta(minutes=9), "git", 80, 100)
    assert (within.late_days, within.penalty, within.final_score, within.late_hours) == (0, 0.0, 80, 0.15)
    after = POLICY.assess("kim", POLICY.due + timedelta(minutes=11), "git", 80, 100)
    assert (after.late_days, after.penalty, after.final_score) == (1, 10.0, 70.0)  # counted from the deadline
    assert after.submitted_at == "2026-03-15T15:10:00Z" and after.deadline == "2026-03-15T23:59:00+09:00"


def test_the_penalty_is_capped_and_the_final_score_never_below_zero():
    late = POLICY.assess("kim", POLICY.due + timedelta(days=8, hours=1), "lms", 30, 100)
    assert (late.late_days, late.penalty, late.final_score) == (9, 50.0, 0.0)
    partial = Policy(POLICY.due, SEOUL, per_day=12.5).assess("kim", POLICY.due + timedelta(days=2), "git", 33.3333, 40)
    assert (partial.penalty, partial.final_score) == (10.0, 23.3333)  # 25% of the maximum, 40 points


def test_an_extension_is_the_students_own_deadline_matched_like_ids():
    submitted = POLICY.due + timedelta(days=1, hours=2)  # a day late for everyone else
    others = POLICY.assess("kim", submitted, "git", 90, 100)
    lee = POLICY.assess("LEE", submitted, "git", 90, 100)
    decomposed = POLICY.assess(unicodedata.normalize("NFD", "김민준"), submitted, "git", 90, 100)
    assert (others.extended, others.final_score) == (False, 70.0)  # 2 started days
    assert (lee.extended, lee.late_hours, lee.final_score) == (True, 0.0, 90)
    assert (decomposed.extended, decomposed.late_days, decomposed.final_score) == (True, 1, 80.0)


def test_an_undated_submission_is_shown_as_such_and_not_charged():
    unknown = POLICY.assess("kim", None, "unknown", 55, 100)
    assert (unknown.time_source, unknown.submitted_at, unknown.penalty, unknown.final_score) == ("unknown", "", 0, 55)


# ---- the course file ----------------------------------------------------------------------------------

def write_course(folder: Path, body: str, **files: str) -> Path:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    path = folder / "course.toml"
    path.write_text(body, encoding="utf-8")
    return path


COURSE = """[deadline]
due = "2026-03-15 23:59"
timezone = "Asia/Seoul"
grace_minutes = 10
penalty_per_day = 10
max_penalty = 50
extensions = "extensions.csv"
submission_times = "moodle.csv"
"""


def test_a_course_file_with_extensions_and_an_lms_export(tmp_path):
    path = write_course(tmp_path, COURSE, **{
        "extensions.csv": "student,deadline\nLee,2026-03-17 23:59\npark,2026-03-18T12:00+00:00\n",
        "moodle.csv": "Identifier,Full name,Last modified (submission)\n"
                      "Participant 7,Kim Minjun,\"Monday, 16 March 2026, 09:30 AM\"\n"
                      "Participant 8,Choi,-\n"
                      "Participant 9,Han,2026-03-15 20:00\n"})
    course = course_module.load(path)
    assert course.policy.due == utc("2026-03-15 14:59") and course.policy.grace == timedelta(minutes=10)
    assert (course.policy.per_day, course.policy.cap) == (10, 50)
    assert course.policy.extensions == {"lee": utc("2026-03-17 14:59"), "park": utc("2026-03-18 12:00")}
    assert course.submission_times == {"participant 7": utc("2026-03-16 00:30"), "participant 9": utc("2026-03-15 11:00")}


@pytest.mark.parametrize("body, files, said", [
    ("due = 1", {}, "needs a [deadline] table"),
    ('[deadline]\ndue = "2026-03-15 23:59"\n', {}, "deadline.timezone: missing"),
    ('[deadline]\ndue = "2026-03-15 23:59"\ntimezone = "Seoul"\n', {}, "'Seoul' is not a time zone name"),
    ('[deadline]\ndue = "2026-03-15 23:59"\ntimezone = "UTC"\npenalty = 5\n', {}, "deadline.penalty: unknown field"),
    ('[deadline]\ndue = "2026-03-15 23:59"\ntimezone = "UTC"\npenalty_per_day = 150\n', {},
     "deadline.penalty_per_day: must be a number from 0 and at most 100"),
    ('[deadline]\ndue = "2026-03-08 02:30"\ntimezone = "America/New_York"\n', {}, "deadline.due: 2026-03-08 02:30 does not exist"),
    ('[deadline]\ndue = "2026-03-15 23:59"\ntimezone = "UTC"\nextensions = "x.csv"\n', {"x.csv": "lee,soon\n"},
     "x.csv: row 1: 'soon' is not a date and time"),
    ('[deadline]\ndue = "2026-03-15 23:59"\ntimezone = "UTC"\nextensions = "none.csv"\n', {}, "none.csv: the extensions file cannot be read"),
    ('[deadline]\ndue = "2026-03-15 23:59"\ntimezone = "UTC"\nsubmission_times = "t.csv"\n', {"t.csv": "name,grade\nkim,3\n"},
     "needs a header with an id column"),
    ("[deadline\n", {}, "not valid TOML"),
])
def test_course_file_problems_are_one_line_naming_the_place(tmp_path, body, files, said):
    with pytest.raises(DeadlineError) as caught:  # CourseError is one
        course_module.load(write_course(tmp_path, body, **files))
    assert said in str(caught.value) and "\n" not in str(caught.value) and str(tmp_path) in str(caught.value)


def test_the_batch_command_turns_a_bad_course_file_into_exit_2(tmp_path, capsys):
    from grader.cli import main

    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "kim.py").write_text("x = 1\n", encoding="utf-8")
    path = write_course(tmp_path, '[deadline]\ndue = "2026-03-15 23:59"\ntimezone = "Mars/Olympus"\n')
    assert main(["batch", str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--course", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnn-grader: error: ") and "Mars/Olympus" in err and err.count("\n") == 1


# ---- where a submission time comes from ----------------------------------------------------------------

def git(repo: Path, *args: str, date: str | None = None) -> None:
    env = {**os.environ, **({"GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date} if date else {})}
    subprocess.run(["git", "-c", "user.name=s", "-c", "user.email=s@example.org", "-C", str(repo), *args],
                   check=True, capture_output=True, env=env)


def repository(folder: Path, committed: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "rnn.py").write_text("x = 1\n", encoding="utf-8")
    git(folder, "init", "-q")
    git(folder, "add", "rnn.py")
    git(folder, "commit", "-q", "-m", "work", date=committed)
    return folder


def test_sources_in_order_of_trust(tmp_path):
    entry = repository(tmp_path / "kim", "2026-03-15T23:00:00+09:00")
    (entry / "result.json").write_text(json.dumps({"schema": "classroom50/result/v1",
                                                   "datetime": "2026-03-15T13:00:00Z"}), encoding="utf-8")
    (entry / "submission_metadata.json").write_text(json.dumps({"created_at": "2026-03-15T12:00:00.5-07:00"}),
                                                    encoding="utf-8")
    os.utime(entry / "rnn.py", (1_000_000_000, 1_000_000_000))
    lms = {"kim": utc("2026-03-14 10:00")}
    found = lambda: submission_times.find(entry, "kim", lms, ("rnn.py",))  # noqa: E731
    assert found() == submission_times.SubmissionTime(utc("2026-03-15 13:00"), "classroom50")
    (entry / "result.json").unlink()
    assert found() == submission_times.SubmissionTime(utc("2026-03-15 14:00"), "git")
    shutil.rmtree(entry / ".git")
    assert found() == submission_times.SubmissionTime(utc("2026-03-15 19:00:00.500000"), "gradescope")
    (entry / "submission_metadata.json").unlink()
    assert found() == submission_times.SubmissionTime(utc("2026-03-14 10:00"), "lms")
    assert submission_times.find(entry, "kim", {}, ("rnn.py",)) == \
        submission_times.SubmissionTime(datetime.fromtimestamp(1_000_000_000, timezone.utc), "mtime")


def test_lms_times_match_the_lms_own_ids_in_the_entry_name(tmp_path):
    moodle = tmp_path / "Kim Minjun_7_assignsubmission_file_"
    canvas = tmp_path / "kimminjun_LATE_4321_98765_rnn.py"
    moodle.mkdir()
    canvas.write_text("x = 1\n", encoding="utf-8")
    lms = {"participant 7": utc("2026-03-15 01:00"), "4321": utc("2026-03-15 02:00")}
    assert submission_times.find(moodle, moodle.name, lms, ()).when == utc("2026-03-15 01:00")
    assert submission_times.find(canvas, canvas.stem, lms, ()).when == utc("2026-03-15 02:00")


def test_a_folder_without_its_own_git_is_not_dated_by_the_repository_around_it(tmp_path):
    course_repo = repository(tmp_path / "course", "2020-01-01T00:00:00+00:00")
    entry = course_repo / "submissions" / "kim"
    entry.mkdir(parents=True)
    (entry / "rnn.py").write_text("x = 1\n", encoding="utf-8")
    assert submission_times.find(entry, "kim", {}, ("rnn.py",)).source == "mtime"


def test_a_students_git_config_runs_nothing(tmp_path):
    entry = repository(tmp_path / "kim", "2026-03-15T23:00:00+09:00")
    shutil.copy(HOSTILE_GIT, entry / ".git" / "config")
    assert git_times.commit_time(entry) == utc("2026-03-15 14:00")
    assert git_times.last_change(entry, entry / "rnn.py") == utc("2026-03-15 14:00")
    assert not (entry / "fsmonitor-ran").exists()
    subprocess.run(["git", "-C", str(entry), "status"], capture_output=True)  # porcelain: the fixture is live
    assert (entry / "fsmonitor-ran").exists()
