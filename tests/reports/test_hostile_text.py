"""Whatever a student's text holds, every store and renderer takes it, the terminal shows it
inert, two students never share a report file, and spreadsheets never run an id as a formula."""
from __future__ import annotations

import csv
import io
import itertools
import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
import rich.console

from grader.gradebook_db import Gradebook, result_from_json
from grader.model import BatchEntry, BatchResult, GradingError
from grader.progress import BatchProgress
from grader.reports import (
    classroom,
    gradebook,
    gradescope,
    html,
    json_report,
    junit,
    lms,
    markdown,
    summary,
    summary_md,
    terminal,
)
from grader.reports.filenames import MAX_STEM_BYTES, report_stem
from grader.reports.spreadsheet import text_cell
from grader.sandbox import inert
from tests.reports.helpers import PART_NAMES, error_result, make_result

# what student code has put into exception messages (each one a fixture under tests/fixtures/hostile_text)
HOSTILE = {
    "lone_surrogate": "shape mismatch \ud800 in clip_grad_value",
    "nul": "before\x00after\x00",
    "escapes": "\x1b[2J\x1b[H\x1b[32mscore 100 / 100\x1b[0m\x07\x9b2J\x85\x7f [red]hidden[/red]\rscore 100",
    "huge": "\x1b[31m" + "spam " * 10_000_000,
}
ESCAPE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")   # what a terminal acts on (newline and tab aside)


def with_message(message: str, student: str = "lee_seoyeon"):
    """A result whose failing test carries `message` as it comes out of the sandbox (made inert there)."""
    result = make_result(student=student)
    backward = result.parts[1]
    failing = replace(backward.tests[0], message=inert.text(message, 1000))
    return replace(result, parts=(result.parts[0], replace(backward, tests=(failing, *backward.tests[1:])),
                                  result.parts[2]))


# ---- stores and renderers ---------------------------------------------------------------------

RENDERERS = [json_report.render, markdown.render, html.render, junit.render, gradescope.render, classroom.render,
             lambda r: terminal.render(r, width=100)]


@pytest.mark.parametrize("kind", HOSTILE)
def test_every_store_and_renderer_takes_sanitised_student_text(kind, tmp_path):
    result = with_message(HOSTILE[kind])
    for render in RENDERERS:
        render(result).encode("utf-8")
    ET.fromstring(junit.render(result))
    batch = BatchResult((BatchEntry(result.student, result),), PART_NAMES)
    for text in (summary.render(batch), summary_md.render(batch), gradebook.render([result], PART_NAMES),
                 lms.canvas(batch), lms.moodle(batch)):
        text.encode("utf-8")
    with Gradebook(tmp_path / "gradebook.sqlite") as store:
        store.record(store.start_batch(tmp_path, "0", "k", {}, 1, "local", 1), 0, result, "k")
        assert store.lookup(result.student, result.submission_sha256, "k")[1] == result_from_json(
            json_report.render(result))


# ---- the terminal -------------------------------------------------------------------------------

@pytest.mark.parametrize("student", ["e\x1b[2Jx", "[red]x[/red]", "bidi\u202eevil", "kim\\xff"])
def test_terminal_summary_is_inert(student):
    out = terminal.render(with_message(HOSTILE["escapes"], student=student), width=100)
    assert not ESCAPE.search(out) and "\u202e" not in out
    assert "\\x1b[2J\\x1b[H\\x1b[32mscore 100 / 100" in out          # shown, not run
    assert terminal.inert(student) in out.splitlines()[0]
    assert "[red]x[/red]" in terminal.render(make_result(student="[red]x[/red]"))


def test_terminal_error_message_is_inert():
    broken = replace(error_result(), error=GradingError("import", "ValueError: \x1b]0;owned\x07 (line 3)"))
    out = terminal.render(broken, width=100)
    assert not ESCAPE.search(out) and "\\x1b]0;owned\\x07" in out


def test_inert_shows_what_a_terminal_would_act_on_and_keeps_the_rest():
    assert terminal.inert("a\x1b[2Jb\x9b\ud800\u202e") == "a\\x1b[2Jb\\x9b\\ud800\\u202e"
    assert terminal.inert("김민준 park [red]x[/red] a\\b") == "김민준 park [red]x[/red] a\\b"


@pytest.mark.parametrize("student, shown", [("[red]x[/red]", "[red]x[/red]"), ("[reverse]x", "[reverse]x"),
                                             ("e\x1b[2Jx", "e\\x1b[2Jx")])
def test_progress_bar_shows_ids_as_written(student, shown, monkeypatch):
    consoles: list[rich.console.Console] = []

    class Recording(rich.console.Console):
        def __init__(self, **options):
            super().__init__(**options, record=True, width=200)
            consoles.append(self)

    monkeypatch.setattr(rich.console, "Console", Recording)
    screen = io.StringIO()
    with BatchProgress(screen, tty=True) as progress:
        progress.start(1)
        progress(1, 1, make_result(student=student))
    assert f"{shown}: 16.79 / 30 (graded)" in consoles[0].export_text()  # not markup: the id and score stay visible
    assert "\x1b[2J" not in screen.getvalue()


def test_progress_lines_are_inert():
    log = io.StringIO()
    progress = BatchProgress(log, tty=False)
    progress(1, 1, make_result(student="e\x1b[2Jx"))
    assert "e\\x1b[2Jx: 16.79 / 30" in log.getvalue() and "\x1b" not in log.getvalue()


# ---- report file names ----------------------------------------------------------------------------

def _adversarial_ids() -> list[str]:
    """Ids chosen to collide: each unsafe id next to what its safe name looks like, and ids that look tagged."""
    base = ["a:b", "a_b", "a/b", "CON", "_CON", "con.txt", "x.", "x_", " x", ".x", "_x", "a\x1bb", "a\x9bb",
            "a\ud800", "a\udcff", "김민준", "김민준 (2)", "k" * 300, "k" * 301, "김" * 80, "김" * 81]
    tagged = [report_stem(i) for i in base if report_stem(i) != i]
    lookalikes = [t.upper() for t in tagged] + [t[:-1] + "0" for t in tagged] + ["a_b~0123456789abcdef",
                                                                                 "a_b~6783a31e"]
    return base + tagged + lookalikes


def test_report_file_names_are_injective_over_adversarial_ids():
    ids = _adversarial_ids()
    pairs = [(i, j) for i, j in itertools.combinations(ids, 2) if i.casefold() != j.casefold()]  # else one row
    assert len(pairs) > 1000
    for i, j in pairs:   # equal up to case: a case-insensitive file system would make them one file
        assert report_stem(i).casefold() != report_stem(j).casefold(), (i, j)


def test_a_kept_id_never_looks_like_a_changed_one():
    changed = report_stem("a:b")
    assert changed != "a:b" and re.fullmatch(r"a_b~[0-9a-f]{16}", changed)
    assert report_stem(changed) != changed                 # the student literally named `a_b~<tag>` is tagged too
    assert report_stem("a_b~6783a31e") == "a_b~6783a31e"   # eight hex digits are not a tag: kept


@pytest.mark.parametrize("student", ["a\ud800", "a\udcff", "a\x9bb", "김" * 81])
def test_every_stem_is_a_file_name_any_system_takes(student):
    stem = report_stem(student)
    assert len(unicodedata.normalize("NFD", stem).encode("utf-8")) <= MAX_STEM_BYTES
    assert not re.search('[<>:"/\\\\|?*\x00-\x1f\x7f-\x9f]', stem)


# ---- spreadsheets -----------------------------------------------------------------------------------

@pytest.mark.parametrize("cell, shown", [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"), ("+1", "'+1"), ("-1", "'-1"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("kim", "kim"), ("'quoted", "'quoted"), ("a=b", "a=b"), ("", ""),
])
def test_text_cells_that_start_a_formula_get_a_quote(cell, shown):
    assert text_cell(cell) == shown


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


IDS = ["=cmd|' /C calc'!A0", "-1", "+x", "@x", "\tx", "\rx", "kim"]


def test_gradebook_csv_neutralises_ids_and_keeps_numbers():
    results = [replace(make_result(student=s), score=-1.5) for s in IDS]
    rows = _csv(gradebook.render(results, PART_NAMES))[1:]
    assert [r[0] for r in rows] == [text_cell(s) for s in IDS] and rows[-1][0] == "kim"
    assert all(r[1] == "-1.5" and float(r[2]) == 30 for r in rows)      # numbers are numbers, even negative
    assert [json.loads(json_report.render(r))["student"] for r in results] == IDS   # JSON keeps the id


@pytest.mark.parametrize("name", ["canvas", "moodle"])
def test_lms_exports_neutralise_text_cells(name):
    batch = BatchResult(tuple(BatchEntry(s, make_result(student=s)) for s in IDS), PART_NAMES)
    for row in _csv(lms.LMS[name](batch))[1:]:
        assert not row[0].startswith(("=", "+", "-", "@", "\t", "\r"))
        assert all(not cell.startswith(("=", "+", "@", "\t", "\r")) for cell in row)
    table = _csv(lms.LMS[name](batch))
    assert table[2][0] == "'-1" and table[-1][0] == "kim"
