"""Markdown, HTML, terminal and summary reports: both languages, escaping, self-containment, size cap."""
from __future__ import annotations

import base64
import json
import re
import string
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest

from grader.i18n import LANGS, catalog, text
from grader.model import PartResult, Series, SubmissionResult
from grader.model import TestResult as Check
from grader.reports import html, json_report, markdown, summary, terminal
from grader.reports.filenames import report_stem
from grader.reports.view import display_width
from tests.reports.helpers import SCRIPT, counterexample, error_result, make_batch, make_result

REPORTS = Path(__file__).resolve().parents[2] / "grader" / "reports"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


# --- catalogs ---------------------------------------------------------------------------------

def test_catalogs_have_the_same_keys_and_fields():
    en, ko = catalog("en"), catalog("ko")
    assert sorted(set(en) ^ set(ko)) == []
    assert {k: fields(v) for k, v in en.items()} == {k: fields(v) for k, v in ko.items()}
    assert all(isinstance(v, str) and v.strip() for lang in LANGS for v in catalog(lang).values())


def test_every_report_key_used_by_the_renderers_exists_in_both_catalogs():
    sources = [p.read_text(encoding="utf-8") for p in REPORTS.rglob("*") if p.suffix in (".py", ".j2")]
    used = {m for s in sources for m in re.findall(r"""["']((?:report|summary)\.[a-z_]+)["']""", s)}
    assert len(used) > 30
    for lang in LANGS:
        assert sorted(used - set(catalog(lang))) == [], lang


# --- every renderer, both languages -------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_markdown_renders_in_the_report_language(lang):
    md = markdown.render(make_result(lang))
    for key in ("report.title", "report.first_fix", "report.diagnosis", "report.hint", "report.counterexample",
                "report.reproduce", "report.expected", "report.got", "report.plot_student"):
        assert text(lang, key) in md, key
    assert "역전파" in md if lang == "ko" else "The backward pass drops" in md
    assert "missing-tanh-derivative" in md
    assert "```python\nrnn_cell_backward(dh_t=np.array(" in md
    assert text(lang, "report.footer", version="0.1.0", seed=20261125, mode="grade", isolation="process") \
        .replace("_", "\\_") in md


@pytest.mark.parametrize("lang", LANGS)
def test_html_renders_in_the_report_language(lang):
    page = html.render(make_result(lang))
    assert f'<html lang="{lang}">' in page
    for key in ("report.title", "report.first_fix", "report.diagnosis", "report.hint", "report.counterexample",
                "report.reproduce", "report.hidden"):
        assert text(lang, key) in page, key
    assert text(lang, "report.plot_caption", title=make_result(lang).parts[-1].series.title) in page
    assert text(lang, "report.plot_nonfinite", count=2) in page
    assert "missing-tanh-derivative" in page and "rnn_cell_backward(dh_t=np.array(" in page


@pytest.mark.parametrize("lang", LANGS)
def test_terminal_shows_one_row_per_part_with_the_first_thing_to_fix(lang):
    out = terminal.render(make_result(lang), width=100)
    lines = out.splitlines()
    assert lines[0] == text(lang, "report.terminal_header", mode="grade", student="lee_seoyeon",
                            score="16.79", max_score="30")
    assert lines[4] == ""  # the table ends; the first failing test follows
    forward, backward, norms = lines[1:4]
    assert forward.split()[0] == "rnn_cell_forward" and text(lang, "report.ok") in forward
    assert "[missing-tanh-derivative]" in backward and "4.29 / 15" in backward
    assert ("역전파" if lang == "ko" else "The backward pass") in backward
    assert "values differ" in norms
    assert all(display_width(line) <= 100 for line in prose(out))


@pytest.mark.parametrize("lang", LANGS)
def test_terminal_details_the_first_failing_test_in_full(lang):
    out = terminal.render(make_result(lang), width=100)
    details = out.split("\n\n", 1)[1]
    assert details.startswith(text(lang, "report.terminal_first_failure", part="rnn_cell_backward",
                                   test="matches_reference"))
    flat = " ".join(details.split())
    assert "rnn_cell_backward → dx_t: values differ <script>alert(1)</script> (relative error 0.95)" in flat
    assert "[missing-tanh-derivative]" in details and text(lang, "report.hint") in details
    assert text(lang, "report.counterexample") in details and text(lang, "report.expected") in details
    snippet = counterexample()["snippet"]
    assert "  " + snippet in details.splitlines()  # whole, on one line: it is meant to be pasted
    assert "x_t disagrees" not in details  # only the first failure; the rest are in the reports
    assert out.rstrip().endswith(text(lang, "report.terminal_more").split()[-1])


def prose(out: str) -> list[str]:
    """The table and the wrapped sentences: what comes before the counterexample's own block
    (arrays and the call are printed as they are, like numpy prints them)."""
    return out.split("\n\n  ")[0].splitlines()


@pytest.mark.parametrize("lang", LANGS)
def test_terminal_wraps_by_columns_and_leaves_out_the_hint_when_reports_were_written(lang):
    out = terminal.render(make_result(lang), width=60, reports_hint=False)
    assert len(prose(out)) > 8 and all(display_width(line) <= 60 for line in prose(out))
    assert text(lang, "report.terminal_more") not in " ".join(out.split())


def test_wrap_counts_hangul_as_two_columns():
    lines = terminal.wrap("진단된 실수: 손실을 배치에 대해 합했습니다 손실과 dy는 평균이어야 합니다", 24)
    assert len(lines) > 1 and all(display_width(line) <= 24 for line in lines)
    assert " ".join(line.strip() for line in lines) == "진단된 실수: 손실을 배치에 대해 합했습니다 손실과 dy는 평균이어야 합니다"


def test_terminal_has_no_details_when_every_test_passed():
    result = make_result("en")
    passing = replace(result, parts=result.parts[:1], score=10.0, max_score=10.0)
    out = terminal.render(passing, width=100)
    assert out.count("\n") == 2 and text("en", "report.terminal_more") not in out


@pytest.mark.parametrize("lang", LANGS)
def test_counterexample_details_are_named_in_the_report_language(lang):
    ce = {"shapes": {"x_t": [1, 1]}, "inputs": {"x_t": [[1.4]]}, "built_with": {"b_h": [0.7]},
          "argument": "x_t", "analytic": 0.1232, "numeric": 0.00626, "some_new_detail": 3}
    result = make_result(lang, ce=ce)
    for out in (terminal.render(result, width=100), markdown.render(result)):
        assert f"{text(lang, 'report.built_with')}: b_h = [0.7]" in out
        assert f"{text(lang, 'report.detail.analytic')}: 0.1232" in out
        assert f"{text(lang, 'report.detail.numeric')}: 0.00626" in out
        assert "some_new_detail: 3" in out  # a detail without a catalog name keeps its own
    assert ("기울기 대상" in terminal.render(result, width=100)) == (lang == "ko")


@pytest.mark.parametrize("lang", LANGS)
def test_terminal_error_and_narrow_width(lang):
    out = terminal.render(error_result(lang), width=40)
    assert text(lang, "report.could_not_grade") in out and "(syntax)" in out
    assert all(display_width(line) <= 40 for line in out.splitlines()[1:])
    assert out.count("\n") == 2   # the multi-line message is folded onto one row


@pytest.mark.parametrize("lang", LANGS)
def test_summary_renders_in_the_batch_language(lang):
    page = summary.render(make_batch(lang))
    assert f'<html lang="{lang}">' in page
    for key in ("summary.title", "summary.per_part", "summary.submissions", "summary.errors", "summary.reason"):
        assert text(lang, key) in page, key
    assert text(lang, "summary.count", count=3, graded=2, errors=1) in page
    assert text(lang, "summary.status_error") in page
    assert 'href="reports/%EA%B9%80%EB%AF%BC%EC%A4%80.html"' in page   # 김민준, URL-encoded
    assert f'href="reports/{quote(report_stem("park jiho #2?"))}.html"' in page  # `?` is not allowed on Windows
    assert report_stem("park jiho #2?").startswith("park jiho #2_~")
    assert "line 3: invalid syntax" in page          # the error's reason
    assert "missing-tanh-derivative × 2" in page      # how often a mistake was diagnosed


def test_summary_language_parameter_overrides_the_results():
    page = summary.render(make_batch("en"), lang="ko")
    assert text("ko", "summary.title") in page and text("en", "summary.per_part") not in page
    assert summary.render(type(make_batch())((), ())).count("<table>") == 2     # empty batch


def test_summary_means_cover_the_graded_submissions():
    rows = {name: mean for name, mean, _ in summary.part_means(make_batch())}
    assert rows == {"rnn_cell_forward": 10.0, "rnn_cell_backward": 4.29, "gradient_norms_through_time": 2.5}


def test_unknown_language_falls_back_to_english():
    result = make_result("en")
    odd = SubmissionResult(**{**result.__dict__, "lang": "fr"})
    assert text("en", "report.first_fix") in markdown.render(odd)
    assert text("en", "report.first_fix") in html.render(odd)
    assert text("en", "report.ok") in terminal.render(odd, width=100)


# --- untrusted output ---------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_html_escapes_student_output(lang):
    for page in (html.render(make_result(lang)), html.render(error_result(lang)), summary.render(make_batch(lang))):
        assert "<script" not in page.lower()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<b>bold</b>" not in page


def test_markdown_neutralises_student_output():
    md = markdown.render(make_result())
    outside_code = re.sub(r"```.*?```", "", md, flags=re.DOTALL)
    assert "<script" not in outside_code.lower() and "<b>" not in outside_code
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in outside_code
    table = [line for line in md.splitlines() if line.startswith("| `")]
    assert len(table) == 3 and all(re.sub(r"\\\|", "", row).count("|") == 4 for row in table)


@pytest.mark.parametrize("lang", LANGS)
def test_html_is_self_contained(lang):
    for page in (html.render(make_result(lang)), html.render(error_result(lang)), summary.render(make_batch(lang))):
        assert "http://" not in page and "https://" not in page
        assert not re.search(r"<(script|link|iframe|object|embed)\b", page, re.IGNORECASE)
        assert not re.search(r"@import|url\(", page)
        for attr, value in re.findall(r"""\b(src|href)\s*=\s*["']([^"']*)["']""", page):
            assert value.startswith(("data:image/png;base64,", "data:image/svg+xml;base64,", "#", "reports/")), \
                (attr, value[:40])


def test_html_inlines_the_series_plot_as_png():
    page = html.render(make_result())
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 1
    png = base64.b64decode(images[0])
    assert png.startswith(PNG_MAGIC) and len(png) > 5000
    assert "data:image/png" not in html.render(make_result(series=False))


@pytest.mark.parametrize("student, reference, log_y", [
    ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0), True),                        # nothing positive at all
    ((float("nan"),) * 3, (1.0, 0.1, 0.01), True),                     # nothing finite from the student
    ((float("inf"), -1.0, 1e300), (1.0, 0.1), True),                   # lengths differ
    ((), (), True),                                                    # empty
    ((1.0, float("nan"), -2.0), (1.0, 0.5, 0.25), False),              # linear scale
    (("oops", None, 1.0), (1.0, 0.5, 0.25), True),                     # not even numbers
])
def test_plot_survives_hostile_series(student, reference, log_y):
    from grader.reports.plot import render_png

    plot = render_png(Series("t", "k", "norm", (0, 1, 2), student, reference, log_y), "yours", "reference")
    assert base64.b64decode(plot.data_uri.split(",", 1)[1]).startswith(PNG_MAGIC)


def test_plot_reports_clipped_and_nonfinite_values():
    from grader.reports.plot import render_png

    series = make_result().parts[2].series
    plot = render_png(series, "yours", "reference")
    assert plot.nonfinite == 2 and plot.clipped == 1 and plot.floor == pytest.approx(1e-6)


# --- size cap of the Markdown report -------------------------------------------------------------

def huge_result(parts: int = 10, tests: int = 6, n: int = 300, message_chars: int = 400) -> SubmissionResult:
    big = [[round(0.001 * (i * n + j), 3) for j in range(n)] for i in range(n)]
    ce = {"shapes": {f"a{k}": [n, n] for k in range(6)}, "inputs": {f"a{k}": big for k in range(6)},
          "expected": big, "got": big, "relative_error": 1.0, "worst_index": [0, 0],
          "snippet": "f(" + ", ".join(f"a{k}=np.array({big})" for k in range(2)) + ")"}
    part_results = tuple(
        PartResult(f"part_{i}", 0.0, 10.0, tuple(
            Check(f"test_{j}", False, 0.0, 1.0, f"values differ {SCRIPT} " + "x" * message_chars, ce)
            for j in range(tests)))
        for i in range(parts))
    base = make_result()
    return SubmissionResult(**{**base.__dict__, "parts": part_results})


@pytest.mark.parametrize("kwargs", [{}, {"parts": 40, "tests": 20, "message_chars": 5000}])
def test_markdown_stays_under_the_size_cap(kwargs):
    md = markdown.render(huge_result(**kwargs))
    assert len(md.encode("utf-8")) <= markdown.MAX_BYTES
    assert text("en", "report.shortened") in md or text("en", "report.cut") in md
    assert md.rstrip().endswith("</sub>")                       # the footer survives
    fences = [line for line in md.splitlines() if line.startswith("```")]
    assert len(fences) % 2 == 0                                 # no code block left open
    assert md.count("<details>") == md.count("</details>")


def test_a_small_report_is_not_shortened():
    md = markdown.render(make_result())
    assert text("en", "report.shortened") not in md and len(md.encode()) < 10_000


# --- without the optional parts of the model -----------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_reports_work_without_diagnoses_series_or_counterexamples(lang):
    plain = PartResult("rnn_output", 2.5, 5.0, (Check("matches_reference", False, 0.0, 2.5, "differs"),
                                                Check("shapes", True, 2.5, 2.5, "")))
    base = make_result(lang)
    result = SubmissionResult(**{**base.__dict__, "parts": (plain,), "isolation": ""})
    for out in (markdown.render(result), html.render(result), terminal.render(result)):
        assert "differs" in out
    for out in (markdown.render(error_result(lang)), html.render(error_result(lang))):
        assert text(lang, "report.could_not_grade") in out and "invalid syntax" in out
        assert text(lang, "report.first_fix") not in out      # no table of parts that never ran


def test_json_report_is_the_model():
    result = make_result()
    assert json.loads(json_report.render(result)) == json.loads(json.dumps(result.to_dict()))
