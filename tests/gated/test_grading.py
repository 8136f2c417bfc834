"""`gated` graded for real, through the sandbox: the picture of how far back the gradient reaches (what
every assignment's grading must do is tests/test_installed_assignments.py's; these share its gradings)."""
from __future__ import annotations

from tests.conftest import mistake_id
from tests.gated.conftest import ALL_FIXTURES, compose


def test_the_reference_draws_how_far_back_gradient_reaches(gated, graded):
    result = graded("gated", "reference", gated.reference_path().read_text(encoding="utf-8"))
    series = {part.name: part.series for part in result.parts if part.series is not None}
    assert list(series) == ["lstm_backward"]
    norms = series["lstm_backward"]
    assert len(norms.x) == len(norms.student) == 30 and norms.student == norms.reference
    assert min(norms.reference) > 0.1 * max(norms.reference)  # the cell state keeps gradient alive


def test_dropping_the_cell_gradient_shows_in_the_picture(graded):
    fixture = next(f for f in ALL_FIXTURES if mistake_id(f) == "lstm-no-cell-carry")
    norms = next(part.series for part in graded("gated", fixture.stem, compose(fixture)).parts if part.series is not None)
    assert norms.student[0] < norms.reference[0] / 10  # without dc_prev, far-back gradient fades like an RNN's
