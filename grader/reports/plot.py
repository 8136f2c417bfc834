"""A part's `Series` as a picture (student vs reference over x), for inlining as a data: URI.

matplotlib with the Agg canvas only (no pyplot, no display), imported lazily so reports
without a series never pay for it.  Student values are untrusted: NaN/inf are left out of
the curve and marked along the top edge; on a log scale values at or below zero are drawn
on a floor line below the smallest positive value.

Every label is drawn in the report's language: a PNG when this machine's fonts have its
glyphs, else an SVG whose text stays text, drawn by the reader's browser with its own fonts
(a grader without a Korean font still gives Korean axis titles and legend).
"""
from __future__ import annotations

import base64
import io
import logging
import math
import warnings
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np

from grader.model import Series

STUDENT_COLOR = "#1f6feb"
REFERENCE_COLOR = "#6e7781"
NONFINITE_COLOR = "#cf222e"
# Tried in order; the first ones present render Latin text, the CJK ones Korean labels.
FONT_FAMILIES = ("DejaVu Sans", "Noto Sans CJK KR", "Noto Sans KR", "NanumGothic", "UnDotum",
                 "Malgun Gothic", "AppleGothic", "Apple SD Gothic Neo")


@dataclass(frozen=True)
class Plot:
    data_uri: str
    floor: float | None        # where values <= 0 were drawn (log scale), None if none were
    clipped: int               # how many values were drawn on the floor
    nonfinite: int             # how many student values were NaN or infinite


def _floats(values: Any) -> np.ndarray:
    out = []
    for v in values or ():
        try:
            out.append(float(v))
        except (TypeError, ValueError):
            out.append(math.nan)
    return np.asarray(out, dtype=float)


def _xs(x: np.ndarray, n: int) -> np.ndarray:
    return x[:n] if len(x) >= n and np.all(np.isfinite(x[:n])) else np.arange(n, dtype=float)


@cache
def _fonts() -> tuple[tuple[str, ...], frozenset[int]]:
    """The installed families among FONT_FAMILIES and every code point they can draw. (Called before any
    figure is drawn, so it also quiets matplotlib's font fallbacks: "findfont: Font family ... not found"
    lines for mathtext fonts this machine lacks are noise on an instructor's terminal, not news.)"""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)

    families, glyphs = [], set()
    by_name = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    for family in FONT_FAMILIES:
        if family in by_name:
            try:
                glyphs.update(FT2Font(by_name[family]).get_charmap())
            except Exception:  # noqa: BLE001, S112  (an unreadable font file only means fewer glyphs)
                continue
            families.append(family)
    return tuple(families) or ("sans-serif",), frozenset(glyphs)


def drawable(label: str) -> bool:
    """Whether every character of `label` has a glyph here (else it is shown in HTML only)."""
    glyphs = _fonts()[1]
    return bool(label) and all(ord(c) in glyphs or c.isspace() for c in label)


def _label(label: str) -> str:
    return label.replace("$", r"\$")  # a label is text, never mathtext


def encode(fig: Any, labels: tuple[str, ...]) -> str:
    """The figure as a data: URI: PNG when the fonts here draw every label, else SVG with its text kept as text
    (ids salted, no date: the same figure gives the same bytes)."""
    from matplotlib import rc_context

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # glyphs missing here: the SVG's reader draws them
        if all(drawable(label) for label in labels if label):
            fig.savefig(buffer, format="png", metadata={"Software": None})
            return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
        with rc_context({"svg.fonttype": "none", "svg.hashsalt": "rnn-grader"}):
            fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@lru_cache(maxsize=256)
def render_png(series: Series, student_label: str, reference_label: str) -> Plot:
    """The series' picture (a PNG, or an SVG when a label has no glyph here) with what it could not show, drawn
    once per distinct curve and labels in a process: in a class most submissions give the same curve (the
    reference's), and drawing it is most of an HTML report's cost."""
    fig, floor, clipped, nonfinite = series_figure(series, student_label, reference_label)
    return Plot(encode(fig, (series.x_label, series.y_label, student_label, reference_label)), floor, clipped,
                nonfinite)


def series_figure(series: Series, student_label: str, reference_label: str) -> tuple[Any, float | None, int, int]:
    """The figure, the floor line (log scale) and how many values sit on it, and how many were not finite."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    x = _floats(series.x)
    student, reference = _floats(series.student), _floats(series.reference)
    xs_student, xs_reference = _xs(x, len(student)), _xs(x, len(reference))
    bad_student = ~np.isfinite(student)
    student_ok = np.where(bad_student, np.nan, student)
    reference_ok = np.where(np.isfinite(reference), reference, np.nan)

    floor, clipped = None, 0
    if series.log_y:
        finite = np.concatenate([student_ok, reference_ok])
        positive = finite[np.isfinite(finite) & (finite > 0)]
        low = float(positive.min()) if positive.size else 1.0
        candidate = 10.0 ** (math.floor(math.log10(low)) - 1)
        clipped = int(np.sum(np.isfinite(student_ok) & (student_ok <= 0)) +
                      np.sum(np.isfinite(reference_ok) & (reference_ok <= 0)))
        if clipped:
            floor = candidate
        student_ok = np.where(student_ok <= 0, candidate, student_ok)
        reference_ok = np.where(reference_ok <= 0, candidate, reference_ok)

    families, _ = _fonts()
    fig = Figure(figsize=(7.2, 3.6), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ax.plot(xs_reference, reference_ok, color=REFERENCE_COLOR, linestyle="--", linewidth=2,
                label=_label(reference_label) or "_reference")
        ax.plot(xs_student, student_ok, color=STUDENT_COLOR, marker="o", markersize=4, linewidth=1.6,
                label=_label(student_label) or "_student")
        if bad_student.any():
            ax.plot(xs_student[bad_student], np.ones(int(bad_student.sum())), linestyle="none", marker="x",
                    markersize=8, markeredgewidth=2, color=NONFINITE_COLOR, clip_on=False,
                    transform=ax.get_xaxis_transform())
        if series.log_y:
            ax.set_yscale("log")
        if floor is not None:
            ax.axhline(floor, color=NONFINITE_COLOR, linestyle=":", linewidth=1)
        if not (np.isfinite(student_ok).any() or np.isfinite(reference_ok).any()):
            ax.set_ylim(1e-3 if series.log_y else 0.0, 1.0)
        for text, setter in ((series.x_label, ax.set_xlabel), (series.y_label, ax.set_ylabel)):
            if text:
                setter(_label(text), family=list(families))
        if any(not h.get_label().startswith("_") for h in ax.get_lines()):
            ax.legend(prop={"family": list(families)}, loc="best")
        ax.grid(True, which="major", alpha=0.3)
    return fig, floor, clipped, int(bad_student.sum())
