"""The pictures speak the report's language: the summary histogram's axis titles and the series plot's axis
labels and legend are set in Korean for a Korean report, and still reach the reader as text (an SVG the browser
draws) on a grader machine whose fonts have no Hangul, instead of being left out."""
from __future__ import annotations

import base64

import pytest

from grader.i18n import LANGS, text
from grader.reports import plot, summary, summary_plot
from tests.reports.helpers import make_result
from tests.reports.test_summary import class_of


def figure_texts(fig) -> dict[str, object]:
    ax = fig.axes[0]
    legend = ax.get_legend()
    return {"x": ax.get_xlabel(), "y": ax.get_ylabel(),
            "legend": sorted(t.get_text() for t in legend.get_texts()) if legend else []}


@pytest.mark.parametrize("lang", LANGS)
def test_the_histogram_has_its_axis_titles_in_the_language(lang):
    fig = summary_plot.histogram_figure(summary.histogram(class_of(9, lang)), text(lang, "summary.histogram_x"),
                                        text(lang, "summary.histogram_y"))
    assert figure_texts(fig) == {"x": text(lang, "summary.histogram_x"), "y": text(lang, "summary.histogram_y"),
                                 "legend": []}


@pytest.mark.parametrize("lang", LANGS)
def test_the_series_plot_has_its_axis_labels_and_legend_in_the_language(lang):
    series = make_result(lang).parts[2].series
    fig = plot.series_figure(series, text(lang, "report.plot_student"), text(lang, "report.plot_reference"))[0]
    assert figure_texts(fig) == {"x": series.x_label, "y": series.y_label,
                                 "legend": sorted([text(lang, "report.plot_student"), text(lang, "report.plot_reference")])}


def decoded(uri: str) -> tuple[str, bytes]:
    kind, _, data = uri.partition(";base64,")
    return kind, base64.b64decode(data)


def test_without_a_hangul_font_the_korean_pictures_keep_their_text(monkeypatch):
    monkeypatch.setattr(plot, "_fonts", lambda: (("DejaVu Sans",), frozenset(range(0x2300))))  # no Hangul
    plot.render_png.cache_clear()  # pictures drawn earlier in this process were drawn with the real fonts
    monkeypatch.setattr(plot, "render_png", plot.render_png.__wrapped__)  # and none drawn here outlives the test
    x, y = text("ko", "summary.histogram_x"), text("ko", "summary.histogram_y")
    kind, svg = decoded(summary_plot.histogram_png(summary.histogram(class_of(9, "ko")), x, y))
    assert kind == "data:image/svg+xml" and f">{x}<".encode() in svg and f">{y}<".encode() in svg
    series = make_result("ko").parts[2].series
    student, reference = text("ko", "report.plot_student"), text("ko", "report.plot_reference")
    kind, svg = decoded(plot.render_png(series, student, reference).data_uri)
    assert kind == "data:image/svg+xml"
    assert all(f">{label}<".encode() in svg for label in (series.x_label, student, reference))
    assert b"<script" not in svg
    english = make_result("en").parts[2].series
    assert decoded(plot.render_png(english, "yours", "reference").data_uri)[0] == "data:image/png"
