"""`gated` graded for real, through the sandbox: the reference scores 100 and draws the picture,
the stub 0, and each mistake fixture loses points on exactly the parts it declares and is
diagnosed with exactly its id. Each submission is graded once per module (seconds each)."""
from __future__ import annotations

import pytest

from grader.runner import GradingOptions, grade
from grader.sandbox import Limits
from grader.submissions import read_submission
from tests.gated.conftest import ALL_FIXTURES, compose, declared_parts, mistake


@pytest.fixture(scope="module")
def graded(gated, gated_reference, tmp_path_factory):
    """name → the graded result of a submission with that source (graded on first use)."""
    options = GradingOptions(mode="grade", limits=Limits(call_seconds=10), reference=gated_reference, assignment=gated)
    folder, results = tmp_path_factory.mktemp("gated"), {}

    def result(name: str, source: str):
        if name not in results:
            path = folder / f"{name}.py"
            path.write_text(source, encoding="utf-8")
            results[name] = grade(read_submission(path), options)
        return results[name]

    return result


def test_the_reference_scores_full_marks_and_draws_how_far_back_gradient_reaches(gated, graded):
    result = graded("reference", gated.reference_path().read_text(encoding="utf-8"))
    assert result.score == result.max_score == 100
    assert all(part.misconceptions == () for part in result.parts)
    series = {part.name: part.series for part in result.parts if part.series is not None}
    assert list(series) == ["lstm_backward"]
    norms = series["lstm_backward"]
    assert len(norms.x) == len(norms.student) == 30 and norms.student == norms.reference
    assert min(norms.reference) > 0.1 * max(norms.reference)  # the cell state keeps gradient alive


def test_the_stub_scores_nothing(gated, graded):
    result = graded("stub", (gated.folder / "gated.py").read_text(encoding="utf-8"))
    assert result.score == 0
    assert all("not implemented" in test.message for part in result.parts for test in part.tests)


@pytest.mark.parametrize("fixture", ALL_FIXTURES, ids=lambda p: p.stem)
def test_a_mistake_costs_exactly_its_parts_and_is_named(graded, fixture):
    result = graded(fixture.stem, compose(fixture))
    assert {part.name for part in result.parts if part.score < part.max_score} == declared_parts(fixture)
    assert set().union(*(part.misconceptions for part in result.parts)) == {mistake(fixture)}


def test_dropping_the_cell_gradient_shows_in_the_picture(graded):
    fixture = next(f for f in ALL_FIXTURES if mistake(f) == "lstm-no-cell-carry")
    norms = next(part.series for part in graded(fixture.stem, compose(fixture)).parts if part.series is not None)
    assert norms.student[0] < norms.reference[0] / 10  # without dc_prev, far-back gradient fades like an RNN's
