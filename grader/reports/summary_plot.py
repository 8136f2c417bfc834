"""The summary's score histogram as an inline picture (matplotlib, Agg canvas, no pyplot), its axis titles
in the summary's language (plot.encode: an SVG whose text the browser draws when the fonts here lack them)."""
from __future__ import annotations

from typing import Any

from grader.reports.plot import STUDENT_COLOR, _fonts, _label, encode


def histogram_png(hist, x_label: str, y_label: str) -> str:
    """A data: URI of the bar chart of `hist` (a summary.Histogram)."""
    return encode(histogram_figure(hist, x_label, y_label), (x_label, y_label))


def histogram_figure(hist, x_label: str, y_label: str) -> Any:
    """The bar chart of `hist`, one bar per score range, its count above it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    families, _ = _fonts()
    fig = Figure(figsize=(7.2, 3.0), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    edges = list(hist.edges)
    widths = [hi - lo for lo, hi in zip(edges, edges[1:])]
    ax.bar(edges[:-1], hist.counts, width=widths, align="edge", color=STUDENT_COLOR, edgecolor="white", linewidth=1)
    for lo, width, count in zip(edges, widths, hist.counts):
        if count:
            ax.annotate(str(count), (lo + width / 2, count), ha="center", va="bottom", fontsize=9,
                        xytext=(0, 2), textcoords="offset points")
    ax.set_xlim(edges[0], edges[-1])
    ax.set_xticks(edges)
    ax.set_xticklabels([f"{x:g}" for x in edges], fontsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max(1, hist.peak) * 1.18)
    for text, setter in ((x_label, ax.set_xlabel), (y_label, ax.set_ylabel)):
        if text:
            setter(_label(text), family=list(families))
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig
