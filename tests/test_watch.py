"""`check --watch`: the first check in full, then after each save only what changed (tests now passing or
failing, scores that moved), nothing for a save that changed no byte, and Ctrl-C ends it with exit 0.
The loop is driven step by step (its pause is replaced), never by a clock."""
from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest

from grader import watch
from grader.cli import main
from grader.i18n import LANGS, text
from grader.model import GradingError
from grader.reports.changes import changes
from grader.reports.terminal import render
from tests.conftest import MISTAKES, STUBS, compose
from tests.reports.helpers import make_result


def with_test(result, part_index: int, test_index: int, **fields):
    part = result.parts[part_index]
    tests = list(part.tests)
    tests[test_index] = replace(tests[test_index], **fields)
    parts = list(result.parts)
    parts[part_index] = replace(part, tests=tuple(tests), score=sum(t.score for t in tests if t.passed))
    return replace(result, parts=tuple(parts), score=sum(p.score for p in parts))


@pytest.mark.parametrize("lang", LANGS)
def test_changes_name_the_tests_that_flipped_and_the_scores_that_moved(lang):
    before = make_result(lang)
    after = with_test(before, 1, 0, passed=True, score=6.4286)                    # a failing test now passes
    after = with_test(after, 0, 1, passed=False, score=0.0, message="mutated \x1b[2J x_t")  # a passing one fails
    lines = changes(before, after).splitlines()
    t = lambda key, **kw: text(lang, key, **kw)   # noqa: E731
    assert t("watch.now_passes", part="rnn_cell_backward", test="matches_reference") in lines
    assert t("watch.now_fails", part="rnn_cell_forward", test="does_not_mutate_inputs",
             message="mutated \\x1b[2J x_t") in lines                          # inert: no escape reaches the terminal
    assert t("watch.part_score", part="rnn_cell_forward", before="10", after="6", max_score="10") in lines
    assert not any("gradient_norms_through_time" in line for line in lines)  # unchanged: not shown
    assert lines[0].startswith(t("watch.score", before="16.79", after=f"{after.score:g}", max_score="30")[:8])


def test_no_change_is_one_line_and_an_error_shows_the_whole_summary():
    result = make_result()
    assert changes(result, result) == text("en", "watch.no_change", score="16.79", max_score="30") + "\n"
    broken = replace(result, status="error", error=GradingError("syntax", "line 3: invalid syntax"))
    assert changes(result, broken) == render(broken, reports_hint=False)
    assert changes(broken, result) == render(result, reports_hint=False)


def test_watch_checks_again_only_when_the_bytes_change_and_stops_on_ctrl_c(tmp_path):
    work = tmp_path / "rnn.py"
    work.write_text("x = 1\n", encoding="utf-8")
    results = iter([make_result(), with_test(make_result(), 1, 0, passed=True, score=6.4286)])
    checked = []

    def check_once():
        checked.append(work.read_text(encoding="utf-8"))
        return next(results, "rnn-grader: the file is empty")

    edits = iter([lambda: work.write_text("x = 1\n", encoding="utf-8"),    # saved, same bytes: no check
                  lambda: work.write_text("x = 2\n", encoding="utf-8"),    # a real change
                  lambda: work.write_text("", encoding="utf-8")])          # unreadable right now: said, goes on

    def wait():
        next(edits, lambda: (_ for _ in ()).throw(KeyboardInterrupt))()
        return True

    out = io.StringIO()
    assert watch.watch(check_once, lambda: [work], out, "en", wait=wait) == 0
    assert checked == ["x = 1\n", "x = 2\n", ""]
    shown = out.getvalue()
    assert shown.splitlines()[0] == text("en", "watch.start", files="rnn.py")
    assert text("en", "watch.now_passes", part="rnn_cell_backward", test="matches_reference") in shown
    assert "rnn-grader: the file is empty" in shown and shown.endswith(text("en", "watch.stopped") + "\n")


def test_check_watch_from_the_command_line_ends_cleanly_on_ctrl_c(tmp_path, monkeypatch, capsys):
    """The real `check --watch`: the stubs in full, then a save that implements everything but one mistake,
    then Ctrl-C."""
    work = tmp_path / "rnn.py"
    work.write_text(STUBS.read_text(encoding="utf-8"), encoding="utf-8")
    steps = [lambda: work.write_text(compose(MISTAKES / "bptt_no_carry.py"), encoding="utf-8"), "ctrl-c"]

    def pause():
        step = steps.pop(0)
        if step == "ctrl-c":
            raise KeyboardInterrupt
        step()
        return True

    monkeypatch.setattr(watch, "pause", pause)
    code = main(["check", str(work), "--watch", "--timeout", "5"])
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in out + err and steps == []
    saved = re.compile(re.escape(text("en", "watch.score", before="0", after="AFTER", max_score="100"))
                       .replace("AFTER", r"(\S+)"))
    found = saved.search(out)
    assert found and "0 / 100" in out[:found.start()]            # the first check in full, then what changed
    assert 0 < float(found.group(1)) < 100
    changed = out[found.start():].splitlines()[1:-2]
    assert changed and all(line.startswith("  ") for line in changed)   # part scores and flipped tests only
    assert out.rstrip().endswith(text("en", "watch.stopped"))


def test_watch_refuses_report_formats(capsys):
    assert main(["check", str(STUBS), "--watch", "--format", "html"]) == 2
    assert "--watch" in capsys.readouterr().err
