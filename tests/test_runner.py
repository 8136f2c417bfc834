"""The runner end to end through the real sandbox: reference, stubs, mistakes, hostile code, reproducibility."""
from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from grader import i18n
from grader.checks.framework import PartAborted, msg
from grader.reports import json_report
from grader.runner import GradingOptions, SandboxProbe, grade, share_points
from grader.sandbox import CallOutcome, Limits
from tests.conftest import RNN
from grader.submissions import read_submission
from tests.conftest import EXAMPLES, MISTAKES, REFERENCE, STUBS, affected_parts, compose

# which parts of the reference call which (a broken callee also breaks its callers)
CALLERS = {
    "rnn_cell_forward": {"rnn_forward"},
    "rnn_forward": {"rnn_loss_and_grads", "gradient_norms_through_time"},
    "rnn_output": {"rnn_loss_and_grads"},
    "rnn_cell_backward": {"rnn_backward"},
    "rnn_backward": {"rnn_loss_and_grads"},
    "sequence_cross_entropy": {"rnn_loss_and_grads"},
}
POINTS = {p.name: p.points for p in RNN.parts}
FAST = Limits(call_seconds=2.0, import_seconds=5.0)


def downstream(parts: set[str]) -> set[str]:
    closure = set(parts)
    while True:
        grown = closure | {c for p in closure for c in CALLERS.get(p, ())}
        if grown == closure:
            return closure
        closure = grown


def write(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return path


def grade_file(path: Path, reference, mode: str = "grade", limits: Limits = FAST):
    return grade(read_submission(path), GradingOptions(mode=mode, limits=limits,
                                                       reference=reference if mode == "grade" else None))


def test_reference_scores_full_marks(reference):
    result = grade_file(REFERENCE, reference)
    assert result.status == "graded" and result.score == 100 and result.max_score == 100
    assert all(t.passed for p in result.parts for t in p.tests)
    assert [p.name for p in result.parts] == list(RNN.part_names)
    assert not any(p.misconceptions for p in result.parts)
    norms = result.parts[-1].series
    assert norms is not None and norms.student == pytest.approx(norms.reference)


def test_untouched_stubs_score_zero_with_not_implemented_feedback(reference):
    result = grade_file(STUBS, reference)
    assert result.status == "graded" and result.score == 0
    for part in result.parts:
        assert part.score == 0
        assert all("not implemented yet" in t.message for t in part.tests), part.name


def test_check_mode_runs_only_public_tests(reference):
    result = grade_file(REFERENCE, reference, mode="check")
    assert result.score == 100 and result.mode == "check"
    assert all(t.public for p in result.parts for t in p.tests)
    hidden = {c.name for p in RNN.parts for c in p.checks if not c.public}
    assert hidden and not hidden & {t.name for p in result.parts for t in p.tests if t.name != "finite_differences"}


GOLDEN = Path(__file__).parent / "fixtures" / "golden_reports"


def _rounded(value):
    """Floats to 9 significant digits: BLAS may round the last bits differently on another machine."""
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return float(f"{value:.9g}") if isinstance(value, float) else value


def comparable_report(result) -> dict:
    """The JSON report without what may differ between runs and machines (version, timing, isolation)."""
    data = json.loads(json_report.render(result))
    for key in ("grader_version", "duration_seconds", "isolation"):
        data.pop(key, None)
    return _rounded(data)


@pytest.mark.parametrize("fixture", sorted(MISTAKES.glob("*.py")), ids=lambda p: p.stem)
def test_one_mistake_loses_points_only_on_its_parts(fixture, tmp_path, reference):
    result = grade_file(write(tmp_path, fixture.name, compose(fixture)), reference)
    expected = affected_parts(fixture)
    lost = {p.name for p in result.parts if p.score < p.max_score}
    assert lost == expected
    mistake = fixture.stem.replace("_", "-")
    assert {p.name: p.misconceptions for p in result.parts if p.misconceptions} == {n: (mistake,) for n in expected}
    golden = GOLDEN / f"{fixture.stem}.json"
    if os.environ.get("RNN_GRADER_WRITE_GOLDEN"):
        golden.write_text(json.dumps(comparable_report(result), indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                          encoding="utf-8")
    assert comparable_report(result) == _rounded(json.loads(golden.read_text(encoding="utf-8"))), \
        f"the report of {fixture.stem} changed (see {GOLDEN / 'README.md'})"


HOSTILE = sorted((Path(__file__).parent / "fixtures" / "hostile_parts").glob("*.py"))


def _primary(fixture: Path) -> set[str]:
    line = fixture.read_text(encoding="utf-8").splitlines()[0]
    return {p.strip() for p in line.removeprefix("# parts:").split(",")}


@pytest.mark.parametrize("fixture", HOSTILE, ids=lambda p: p.stem)
def test_hostile_code_gains_nothing_and_spares_other_parts(fixture, tmp_path, reference):
    result = grade_file(write(tmp_path, "student.py", compose(fixture)), reference)
    primary = _primary(fixture)
    if primary == {"all"}:
        assert result.status == "error" and result.score == 0
        return
    assert result.status == "graded"
    by_name = {p.name: p for p in result.parts}
    for name in primary:
        wrongly_passed = [t.name for t in by_name[name].tests if t.passed and t.name != "inputs_unchanged"]
        assert not wrongly_passed, f"{name} passed {wrongly_passed}"
    untouched = set(POINTS) - downstream(primary)
    assert all(by_name[n].score == POINTS[n] for n in untouched)
    assert result.score <= 100 - sum(POINTS[n] for n in primary) + sum(
        t.max_score for n in primary for t in by_name[n].tests if t.name == "inputs_unchanged")


def test_timeout_is_paid_once_per_part_not_per_example(tmp_path, reference):
    result = grade_file(write(tmp_path, "student.py", compose(HOSTILE[0].parent / "loops_in_cell_forward.py")),
                        reference)
    cell = next(p for p in result.parts if p.name == "rnn_cell_forward")
    assert all("longer than" in t.message for t in cell.tests)
    # every test after the first reports the same verdict without calling the student again
    assert len({t.message for t in cell.tests}) == 1


def _without_timing(result) -> dict:
    data = json.loads(json_report.render(result))
    data.pop("duration_seconds")
    return data


@pytest.mark.parametrize("name", ["lee_seoyeon", "stateful_backward"])
def test_same_submission_twice_gives_identical_reports(name, tmp_path, reference):
    """The first grading in a process draws every check's inputs, the second replays them: the
    reports are the same, even for a submission whose answers depend on how often it was called."""
    from grader.runner import drawn_inputs

    path = EXAMPLES / f"{name}.py" if name == "lee_seoyeon" else \
        write(tmp_path, "student.py", compose(HOSTILE[0].parent / f"{name}.py"))
    drawn_inputs.cache_clear()
    first, second = grade_file(path, reference), grade_file(path, reference)
    assert first.score < 100
    assert _without_timing(first) == _without_timing(second)


def test_notebook_errors_point_at_cell_and_line(tmp_path, reference):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 과제"), nbformat.v4.new_code_cell("import numpy as np\n%matplotlib inline"),
                nbformat.v4.new_code_cell("x = 1\ny = 1 / 0")]
    path = tmp_path / "student.ipynb"
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    result = grade_file(path, reference)
    assert result.status == "graded"  # the failing cell defines no graded function: skipped, with a note
    (note,) = result.extra["notes"]
    assert "ZeroDivisionError" in note and "cell 3, line 2" in note


def test_placeholder_zeros_score_nothing(tmp_path, reference):
    fixture = HOSTILE[0].parent / "returns_zeros.py"
    result = grade_file(write(tmp_path, "student.py", compose(fixture)), reference)
    assert result.status == "graded" and result.score == 0
    by_test = {(p.name, t.name): t for p in result.parts for t in p.tests}
    for key in [("rnn_forward", "batch_rows_independent"), ("rnn_backward", "linear_in_upstream_gradient"),
                ("clip_grad_norm", "direction_preserved"), ("rnn_output", "inputs_unchanged")]:
        assert "only zeros" in by_test[key].message


def test_diagnosis_is_explained_in_korean(tmp_path, reference):
    path = write(tmp_path, "student.py", compose(MISTAKES / "missing_tanh_derivative.py"))
    result = grade(read_submission(path), GradingOptions(limits=FAST, reference=reference, lang="ko"))
    cell = next(p for p in result.parts if p.name == "rnn_cell_backward")
    assert cell.misconceptions == ("missing-tanh-derivative",)
    assert "tanh" in cell.diagnoses[0].title and "도함수" in cell.diagnoses[0].title
    failed = [t.message for t in cell.tests if not t.passed]
    assert failed and all(t.message == "통과" for t in cell.tests if t.passed)
    # in Korean: a wrong value names what was expected and what was submitted, or the finite differences
    assert all(("기대값" in m and "제출값" in m) or "유한 차분" in m for m in failed), failed


def test_counterexample_snippet_rebuilds_the_failing_call():
    import numpy as np

    from grader.runner import counterexample

    case = {"grads": {"W": np.array([[0.5, -1.2]])}, "max_norm": 0.3, "_b_h": np.zeros(1)}
    example = counterexample((case, 1), {"relative_error": 1.0}, "clip_grad_norm")
    assert example["snippet"] == "clip_grad_norm(grads={'W': np.array([[0.5, -1.2]])}, max_norm=0.3)"
    assert example["shapes"]["grads"] == {"W": [1, 2]} and example["relative_error"] == 1.0
    # context keys are what the inputs were built with, not arguments: apart, without the "_"
    assert set(example["inputs"]) == set(example["shapes"]) == {"grads", "max_norm"}
    assert example["built_with"] == {"b_h": [0.0]}
    rebuilt = eval(example["snippet"].replace("clip_grad_norm", "dict"), {"np": np})
    assert np.array_equal(rebuilt["grads"]["W"], case["grads"]["W"])


@pytest.mark.parametrize("points,weights", [(10, [1] * 9), (5, [3, 1, 1, 1, 1, 2]), (20, [3, 1, 1, 2, 1, 1, 1]),
                                            (15, [3, 1, 1, 1, 1, 1, 1])])
def test_test_shares_add_up_to_the_part_points_and_follow_the_weights(points, weights):
    shares = share_points(points, weights)
    assert round(sum(shares), 4) == points
    exact = [points * w / sum(weights) for w in weights]
    assert all(abs(s - e) <= 1.5e-4 for s, e in zip(shares, exact))
    assert all(round(s, 4) == s for s in shares)


SLOW = Path(__file__).parent / "fixtures" / "slow_parts"


def test_a_slow_part_spends_its_own_share_of_the_time_budget_and_no_other_parts(tmp_path, reference):
    """A correct function that sleeps under the per-call limit runs out of its part's share of the
    budget (here 4 s of 40 s for ten parts), is stopped there, and costs no other part a point."""
    fixture = SLOW / "sleeps_in_clip_grad_value.py"
    budget = replace(RNN.modes["grade"], submission_seconds=40.0)
    options = GradingOptions(limits=FAST, reference=reference, assignment=replace(RNN, manifest=replace(RNN.manifest, modes={"grade": budget})))
    result = grade(read_submission(write(tmp_path, "student.py", compose(fixture))), options)
    slow = affected_parts(fixture)
    assert {p.name for p in result.parts if p.score < p.max_score} == slow
    (part,) = (p for p in result.parts if p.name in slow)
    out_of_time = i18n.text("en", "check.budget_exhausted", part=part.name, seconds="4")
    stopped = [t.name for t in part.tests if t.message == out_of_time]
    # from the test its time ran out in, every test of the part says so and none ran
    assert stopped and stopped == [t.name for t in part.tests][-len(stopped):]
    assert not part.misconceptions


class _OutOfTimeBox:
    """Stands in for a Sandbox whose every call runs out of time; records the seconds each call got."""

    limits = Limits(call_seconds=10.0)

    def __init__(self):
        self.given: list[float] = []

    def load(self):
        return None

    def call(self, name, args, seconds):
        self.given.append(seconds)
        return CallOutcome(False, error_kind="timeout", message=f"{name}() took longer than {seconds:g} s")


def test_each_call_gets_at_most_what_is_left_of_its_parts_time():
    box = _OutOfTimeBox()
    probe = SandboxProbe(box, read_submission(REFERENCE), None)
    case = {"grads": {}, "clip_value": 1.0}
    probe.start_part("clip_grad_value", 3.0)
    with pytest.raises(PartAborted) as stopped:
        probe("clip_grad_value", case)
    assert 0 < box.given[-1] <= 3.0  # the part's time, not the call limit, bounds this call
    assert stopped.value.message == msg("check.budget_exhausted", part="clip_grad_value", seconds="3")
    probe.start_part("clip_grad_value", 60.0)  # more than the call limit: the call limit stops it
    with pytest.raises(PartAborted) as stopped:
        probe("clip_grad_value", case)
    assert stopped.value.message.key == "call.timeout"
    probe.start_part("clip_grad_value", 0.0)  # no time left: the student is not called at all
    with pytest.raises(PartAborted) as stopped:
        probe("clip_grad_value", case)
    assert len(box.given) == 2 and stopped.value.message.key == "check.budget_exhausted"
