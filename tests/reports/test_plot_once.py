"""A curve is drawn once per process: the same series and labels give the same picture without drawing again."""
from __future__ import annotations

from grader.model import Series
from grader.reports.plot import render_png


def test_the_same_curve_is_drawn_once_and_another_curve_again():
    series = Series("t", "k", "norm", (0.0, 1.0, 2.0), (1.0, 0.5, 0.25), (1.0, 0.5, 0.25))
    before = render_png.cache_info().misses
    first = render_png(series, "yours", "reference")
    again = render_png(Series("t", "k", "norm", (0.0, 1.0, 2.0), (1.0, 0.5, 0.25), (1.0, 0.5, 0.25)),
                       "yours", "reference")
    assert again is first and render_png.cache_info().misses == before + 1
    other = render_png(Series("t", "k", "norm", (0.0, 1.0, 2.0), (1.0, 0.5, 0.5), (1.0, 0.5, 0.25)),
                       "yours", "reference")
    assert other.data_uri != first.data_uri
    assert render_png(series, "너의 것", "reference") is not first  # the labels are part of the picture


def test_drawing_a_log_scale_curve_prints_nothing(tmp_path):
    """matplotlib's font fallbacks ("findfont: Font family ... not found", for mathtext fonts a machine
    lacks) once reached the instructor's terminal in the middle of a batch."""
    import subprocess
    import sys

    draw = ("from grader.model import Series; from grader.reports.plot import render_png; "
            "render_png(Series('t', 'k', 'norm', (0.0, 1.0, 2.0), (1.0, 1e-3, 1e-6), (1.0, 0.1, 0.01), True), 'a', 'b')")
    done = subprocess.run([sys.executable, "-c", draw], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == "" and done.stderr == "", done.stderr[-500:]
