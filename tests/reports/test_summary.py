"""summary.html and summary.md: histogram, per-part mean and pass rate, frequent mistakes with who, errors, similarity."""
from __future__ import annotations

import base64
import re
from dataclasses import replace
from types import SimpleNamespace

import pytest

from grader.i18n import LANGS, text
from grader.model import BatchEntry, BatchResult
from grader.reports import summary, summary_md
from grader.reports.filenames import report_stem
from tests.reports.helpers import PART_NAMES, SCRIPT, error_result, make_batch, make_result

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def class_of(n: int, lang: str = "en") -> BatchResult:
    """n graded students with scores spread over 0..30 (every third with the backward mistake), and two errors."""
    results = []
    for i in range(n):
        r = make_result(lang, student=f"student_{i:02d}")
        if i % 3:
            parts = (r.parts[0], replace(r.parts[1], diagnoses=(), score=15.0), r.parts[2])
            r = replace(r, parts=parts)
        results.append(replace(r, score=float(i * 30 // max(1, n - 1)), max_score=30.0))
    results += [error_result(lang, student="김민준"), error_result(lang, student="zz|pipe*")]
    return BatchResult(tuple(BatchEntry(r.student, r) for r in results), PART_NAMES)


def pair(a, b, score, identical=False):
    return SimpleNamespace(a=a, b=b, score=score, identical=identical)


def test_histogram_counts_graded_scores_in_ten_ranges():
    hist = summary.histogram(class_of(31))
    assert hist.edges[0] == 0 and hist.edges[-1] == 30 and len(hist.counts) == 10
    assert sum(hist.counts) == 31                  # errors are not scores
    assert hist.counts[-1] >= 1                    # the top score falls in the last range
    assert summary.histogram(BatchResult((), ())).counts == (0,) * 10


def test_pass_rate_and_means_per_part():
    stats = {s.name: s for s in summary.part_stats(class_of(9))}
    assert stats["rnn_cell_forward"].pass_rate == 1.0
    assert stats["rnn_cell_backward"].pass_rate == pytest.approx(6 / 9)
    assert stats["gradient_norms_through_time"].pass_rate == 0.0
    assert stats["rnn_cell_backward"].mistakes == (("missing-tanh-derivative", 3),)
    assert summary.percent(2 / 3) == "67%" and summary.percent(None) == "–"


def test_frequent_mistakes_name_the_students():
    mistakes = summary.frequent_mistakes(class_of(9))
    assert [(m.id, m.count, m.parts) for m in mistakes] == [("missing-tanh-derivative", 3, ("rnn_cell_backward",))]
    assert mistakes[0].students == ("student_00", "student_03", "student_06")
    assert mistakes[0].title == "The backward pass drops the tanh derivative"


def test_a_mistake_shown_in_several_parts_is_listed_once_per_student():
    """The same mistake diagnosed in two parts of one submission (a BPTT without the carry breaks the
    gradient norms too) is one mistake of that student, in both summaries' submission rows."""
    r = make_result()
    mistake = r.parts[1].diagnoses[0]
    r = replace(r, parts=(r.parts[0], r.parts[1], replace(r.parts[2], diagnoses=(mistake,))))
    batch = BatchResult((BatchEntry(r.student, r),), PART_NAMES)
    assert summary.student_mistakes(r) == (mistake.id,)
    row = next(line for line in summary_md.render(batch).splitlines() if line.startswith("| [lee"))
    assert row.count(mistake.id) == 1
    page = summary.render(batch)
    student_row = page[page.rindex('href="reports/lee_seoyeon.html"'):]   # the submissions table comes last
    student_row = student_row[:student_row.index("</tr>")]
    assert student_row.count(mistake.id) == 1


@pytest.mark.parametrize("lang", LANGS)
def test_summary_html_shows_everything(lang):
    batch = class_of(40, lang)
    page = summary.render(batch, similar=[pair("student_01", "student_02", 1.0, True), pair("a", "b", 0.93)])
    t = lambda key, **kw: text(lang, key, **kw)   # noqa: E731
    for key in ("summary.histogram", "summary.pass_rate", "summary.misconceptions", "summary.similarity",
                "summary.errors", "summary.median", "summary.identical"):
        assert t(key) in page, key
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 1 and base64.b64decode(images[0]).startswith(PNG_MAGIC)
    assert ">65%<" in page                        # pass rate of the backward part (26 of 40)
    assert t("summary.more_students", count=14 - summary.STUDENTS_INLINE) in page   # 14 students, 12 shown inline
    assert page.count('href="reports/student_38.html"') == 1   # the submissions table
    assert page.count('href="reports/student_39.html"') == 2   # and the folded list of who made the mistake
    assert f'href="reports/{report_stem("zz|pipe*")}.html"' in page and "zz|pipe*" in page
    assert "line 3: invalid syntax" in page and "&lt;script&gt;" in page and SCRIPT not in page
    assert ">0.93<" in page and ">1.00<" in page


def test_similarity_section_only_when_asked_and_capped():
    batch = make_batch()
    assert text("en", "summary.similarity") not in summary.render(batch)
    assert text("en", "summary.similarity_none") in summary.render(batch, similar=[])
    many = [pair(f"s{i:03d}", f"t{i:03d}", 0.95) for i in range(summary.SIMILAR_SHOWN + 7)]
    page = summary.render(batch, similar=many)
    assert page.count(">0.95<") == summary.SIMILAR_SHOWN
    assert text("en", "summary.similarity_more", count=7) in page


def test_no_graded_submission_means_no_histogram():
    only_errors = BatchResult((BatchEntry("김민준", error_result()),), PART_NAMES)
    page = summary.render(only_errors)
    assert "<img" not in page and text("en", "summary.histogram") not in page
    assert text("en", "summary.no_misconceptions") in page


@pytest.mark.parametrize("lang", LANGS)
def test_summary_md_mirrors_the_page(lang):
    batch = class_of(20, lang)
    md = summary_md.render(batch, similar=[pair("student_01", "student_02", 1.0, True)])
    t = lambda key, **kw: text(lang, key, **kw)   # noqa: E731
    for key in ("summary.title", "summary.histogram", "summary.per_part", "summary.misconceptions",
                "summary.submissions", "summary.errors", "summary.similarity"):
        assert f"## {t(key)}" in md or f"# {t(key)}" in md, key
    assert "█" in md                                                           # the text histogram
    assert "[student\\_01](reports/student_01.md)" in md                      # links to the Markdown reports
    assert "`missing-tanh-derivative`" in md
    assert "[zz\\|pipe\\*](reports/" + report_stem("zz|pipe*") + ".md)" in md  # escaped, linked to the safe name
    assert "<script" not in md.lower()
    table_rows = [line for line in md.splitlines() if line.startswith("| [student_") or line.startswith("| [student\\_")]
    assert all(re.sub(r"\\\|", "", row).count("|") == 5 for row in table_rows if "/ 30" in row)


def test_empty_batch_renders():
    empty = BatchResult((), ())
    assert summary.render(empty).count("<table>") == 2
    assert text("en", "summary.title") in summary_md.render(empty)
