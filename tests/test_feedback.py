"""Feedback a student can act on, through the real sandbox, in every report format: the call chain of a
crash in the student's own coordinates (files, notebook cells), and what the failing call printed."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest

from grader import model
from grader.reports import html, json_report, markdown, terminal
from grader.runner import GradingOptions, grade
from grader.sandbox import Limits
from grader.submissions import read_submission

FEEDBACK = Path(__file__).parent / "fixtures" / "feedback"
FAST = Limits(call_seconds=2.0, import_seconds=5.0)


@lru_cache(maxsize=None)
def checked(name: str, lang: str = "en") -> model.SubmissionResult:
    return grade(read_submission(FEEDBACK / name), GradingOptions(mode="check", limits=FAST, lang=lang))


def first_failure(result: model.SubmissionResult, part: str) -> model.TestResult:
    failure = next(p for p in result.parts if p.name == part).first_failure
    assert failure is not None
    return failure


def reports(result: model.SubmissionResult) -> dict[str, str]:
    """Every report of `result`; the JSON one as the text its call chain reads as."""
    chains = [t["counterexample"].get("call_chain", []) for p in json.loads(json_report.render(result))["parts"]
              for t in p["tests"] if t["counterexample"]]
    return {"terminal": terminal.render(result, width=200), "md": markdown.render(result),
            "html": html.render(result), "json": json_report.render(result) + "\n".join(
                f"{frame['where']}, in {frame['function']}" for chain in chains for frame in chain)}


@pytest.mark.parametrize("name, outer, inner", [
    ("squeeze_in_forward.py", "squeeze_in_forward.py, line 14", "squeeze_in_forward.py, line 5"),
    ("squeeze_in_forward_notebook.ipynb", "squeeze_in_forward_notebook.ipynb, cell 5, line 7",
     "squeeze_in_forward_notebook.ipynb, cell 3, line 2"),
])
def test_a_crash_shows_the_students_call_chain_innermost_last(name, outer, inner):
    failure = first_failure(checked(name), "rnn_forward")
    assert "raised ValueError" in failure.message
    assert failure.counterexample["call_chain"] == [{"function": "rnn_forward", "where": outer},
                                                    {"function": "rnn_cell_forward", "where": inner}]


def test_the_call_chain_is_in_every_report_and_names_no_path_of_the_grader():
    result = checked("squeeze_in_forward_notebook.ipynb")
    for form, text in reports(result).items():
        assert text.index("cell 5, line 7, in rnn_forward") < text.index("cell 3, line 2, in rnn_cell_forward"), form
        for leak in ("rnn-grader-", "/tmp", "site-packages", "worker.py", "grader/"):
            assert leak not in text, (form, leak)
    korean = terminal.render(checked("squeeze_in_forward.py", "ko"), width=200)
    assert "가장 안쪽 호출이 마지막" in korean and "line 14, in rnn_forward" in korean


def test_what_the_failing_call_printed_is_shown_inert_with_that_test():
    result = checked("prints_debug.py")
    printed = first_failure(result, "rnn_cell_forward").counterexample["output"]
    assert printed.startswith("debug: x_t shape (") and "\\x1b[2J<b>not bold</b> ```" in printed
    texts = reports(result)
    for form, text in texts.items():
        assert "debug: x_t shape (" in text and "\x1b" not in text, form
    assert "<b>not bold" not in texts["html"] and "&lt;b&gt;not bold&lt;/b&gt;" in texts["html"]
    assert "````text\n" in texts["md"]  # a fence longer than the one the student printed
    assert "그 호출 중에 코드가 출력한 내용" in terminal.render(checked("prints_debug.py", "ko"), width=200)


def test_a_call_that_printed_nothing_has_no_output_field():
    failure = first_failure(checked("squeeze_in_forward.py"), "rnn_forward")
    assert "output" not in failure.counterexample


@pytest.mark.parametrize("lang, says", [("en", "returned None: not implemented yet?"),
                                        ("ko", "None을 반환했습니다: 아직 구현하지 않았나요?")])
def test_a_function_that_returns_none_is_asked_whether_it_is_implemented(lang, says):
    result = checked("returns_none.py", lang)
    for part in ("rnn_cell_forward", "rnn_output"):
        tests = next(p for p in result.parts if p.name == part).tests
        assert all(t.message.startswith(part) and says in t.message for t in tests), [t.message for t in tests]


def test_the_shrunk_input_keeps_its_sizes_apart_so_the_length_one_axis_stands_out():
    shapes = first_failure(checked("squeeze_in_forward.py"), "rnn_forward").counterexample["shapes"]
    (N, T, D), H = shapes["x"], shapes["h0"][1]
    assert D == 1 and len({N, T, D, H}) == 4  # only the input size triggers it; every other size differs
