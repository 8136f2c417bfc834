"""`rnn_torch` graded for real, through the sandbox with torch preloaded in the worker: the reference
scores 100, the stub 0, each mistake fixture loses points on exactly the parts it declares and is
diagnosed with exactly its id, a class built on torch's own layers scores 0 on its part and is told
why, and a second run gives the same report. Each submission is graded once per module."""
from __future__ import annotations

import dataclasses

import pytest

from grader.runner import GradingOptions, grade
from grader.sandbox import Limits
from grader.submissions import read_submission
from tests.rnn_torch.conftest import BUILT_ON_TORCH, MISTAKES, compose, declared_parts, mistake


@pytest.fixture(scope="module")
def options(rnn_torch, rnn_torch_reference):
    runtime = rnn_torch.runtime
    limits = Limits(call_seconds=runtime.call_seconds, memory_bytes=int(runtime.memory_gib * 2**30))
    return GradingOptions(mode="grade", limits=limits, reference=rnn_torch_reference, assignment=rnn_torch)


@pytest.fixture(scope="module")
def graded(options, tmp_path_factory):
    """name → the graded result of a submission with that source (graded on first use)."""
    folder, results = tmp_path_factory.mktemp("rnn_torch"), {}

    def result(name: str, source: str):
        if name not in results:
            path = folder / name / "rnn_torch.py"
            path.parent.mkdir()
            path.write_text(source, encoding="utf-8")
            results[name] = grade(read_submission(path), options)
        return results[name]

    return result


def test_the_reference_scores_full_marks(rnn_torch, graded):
    result = graded("reference", rnn_torch.reference_path().read_text(encoding="utf-8"))
    assert result.status == "graded" and result.score == result.max_score == 100
    assert all(part.misconceptions == () for part in result.parts)


def test_the_stub_scores_nothing(rnn_torch, graded):
    result = graded("stub", (rnn_torch.folder / "rnn_torch.py").read_text(encoding="utf-8"))
    assert result.score == 0
    assert all("not implemented" in test.message for part in result.parts for test in part.tests)


@pytest.mark.parametrize("fixture", MISTAKES, ids=lambda p: p.stem)
def test_a_mistake_costs_exactly_its_parts_and_is_named(graded, fixture):
    result = graded(fixture.stem, compose(fixture))
    assert {part.name for part in result.parts if part.score < part.max_score} == declared_parts(fixture)
    assert set().union(*(part.misconceptions for part in result.parts)) == {mistake(fixture)}


@pytest.mark.parametrize("fixture", BUILT_ON_TORCH, ids=lambda p: p.stem)
def test_a_class_built_on_torchs_layers_scores_nothing_on_its_part_and_is_told_why(graded, fixture):
    result = graded(fixture.stem, compose(fixture))
    (part,) = [p for p in result.parts if p.name in declared_parts(fixture)]
    assert part.score == 0 and all("nn.RNN" in test.message for test in part.tests)
    assert result.score == result.max_score - part.max_score


def test_a_second_run_gives_the_same_report(graded, options, tmp_path):
    fixture = next(f for f in MISTAKES if mistake(f) == "state-not-carried")
    first = graded(fixture.stem, compose(fixture))
    path = tmp_path / "rnn_torch.py"
    path.write_text(compose(fixture), encoding="utf-8")
    second = grade(read_submission(path), options)
    assert dataclasses.replace(second, duration_seconds=0) == dataclasses.replace(first, duration_seconds=0)
