"""The checks themselves, run in-process on trusted code: the reference passes every one,
and each mistake fixture fails checks on exactly the parts it declares."""
from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pytest

from grader.runner import check_seed, run_check
from tests.conftest import RNN
from tests.conftest import MISTAKES, InProcessProbe, affected_parts, compose, module_from_source

ALL_CHECKS = [(part.name, check) for part in RNN.parts for check in part.checks]


@pytest.mark.parametrize("part,check", ALL_CHECKS, ids=[f"{p}::{c.name}" for p, c in ALL_CHECKS])
def test_reference_passes(part, check, reference):
    assert run_check(check, InProcessProbe(reference, reference), 30, check_seed(7, part, check.name)) is None


@pytest.mark.parametrize("fixture", sorted(MISTAKES.glob("*.py")), ids=lambda p: p.stem)
def test_mistake_fails_exactly_its_parts(fixture, reference):
    with np.errstate(all="ignore"):
        probe = InProcessProbe(module_from_source(compose(fixture), fixture.name), reference)
        failing = {part.name for part in RNN.parts for check in part.checks
                   if run_check(check, probe, 30, check_seed(7, part.name, check.name)) is not None}
    assert failing == affected_parts(fixture)


def test_failure_records_smallest_input_and_message(reference):
    probe = InProcessProbe(module_from_source(compose(MISTAKES / "missing_bias.py")), reference)
    check = next(c for c in RNN.parts[0].checks if c.name == "zero_weights_give_tanh_bias")
    failure = run_check(check, probe, 30, check_seed(7, "rnn_cell_forward", check.name))
    message, example = failure.message, failure.counterexample
    text = message.render("en")
    assert "should be tanh(b_h)" in text and "expected" in text and "got" in text
    assert "tanh(b_h)" in message.render("ko") and "기대값" in message.render("ko")
    assert set(example["shapes"]) == {"x_t", "h_prev", "W_xh", "W_hh", "b_h"}
    # shrunk: one row, sizes that differ from each other (N=1, D=2, H=3), and a bias that is not zero
    # (otherwise the mistake would not show)
    assert example["shapes"]["x_t"] == [1, 2] and example["shapes"]["b_h"] == [3]
    assert example["inputs"]["b_h"][0] != 0


def test_check_names_unique_within_each_part():
    for part in RNN.parts:
        names = [c.name for c in part.checks]
        assert len(names) == len(set(names)), part.name


def test_hidden_checks_come_from_the_instructor_folder_only():
    """Every hidden check is defined under solutions/ (the bundle leaves it out), every public one under
    the assignment folder or the engine."""
    for part in RNN.parts:
        for check in part.checks:
            home = Path(inspect.getsourcefile(check.verify if inspect.isfunction(check.verify)
                                              else type(check.verify))).resolve()
            assert (RNN.solutions in home.parents) != check.public or "grader" in home.parts, (part.name, check.name)


def test_every_part_has_public_and_hidden_checks():
    for part in RNN.parts:
        flags = {c.public for c in part.checks}
        assert flags == {True, False} or part.name == "clip_grad_value", part.name


@pytest.mark.parametrize("fixture", ["missing_tanh", "bptt_no_carry", "clip_per_tensor", "softmax_overflow",
                                     "mutates_input"])
def test_replaying_the_drawn_inputs_gives_what_hypothesis_gives(fixture, reference):
    """The fast path (inputs drawn once per process, replayed) and Hypothesis itself agree on
    every check: the same verdict, message and smallest failing input."""
    from grader.runner import _run_with_hypothesis

    probe = InProcessProbe(module_from_source(compose(MISTAKES / f"{fixture}.py")), reference)
    with np.errstate(all="ignore"):
        for part, check in ALL_CHECKS:
            seed = check_seed(11, part, check.name)
            fast, slow = run_check(check, probe, 10, seed, part), _run_with_hypothesis(check, probe, 10, seed, part)
            assert repr(fast) == repr(slow), f"{part}::{check.name}"  # repr: nan is nan


def test_a_check_that_changes_its_input_does_not_change_the_next_submissions_inputs(reference):
    from grader.checks.framework import Check
    from grader.runner import drawn_inputs
    from rnn_grader_assignments.rnn.checks import strategies as S

    def scribble(probe, case):
        case["x_t"][...] = 99.0

    check = Check("scribbles", 1, True, S.cell_case(), scribble)
    before = [c["x_t"].copy() for c in drawn_inputs(check, 5, 3)]
    probe = InProcessProbe(reference, reference)
    assert run_check(check, probe, 5, 3) is None
    assert all(np.array_equal(a, c["x_t"]) for a, c in zip(before, drawn_inputs(check, 5, 3)))
    assert not any(np.all(a == 99.0) for a in before)


class LoggingProbe(InProcessProbe):
    """Remembers every call the check makes, with its arguments as text."""

    def __init__(self, module, reference):
        super().__init__(module, reference)
        self.log: list[str] = []

    def __call__(self, function, case):
        self.log.append(f"{function}{repr(case)}")
        return super().__call__(function, case)

    def with_inputs_after(self, function, case):
        self.log.append(f"{function}{repr(case)}")
        return super().with_inputs_after(function, case)


def test_a_passing_submission_gets_exactly_the_calls_hypothesis_would_make(reference):
    """Replay is not an approximation: the calls Hypothesis would make, on the same inputs and no
    other, for every check (in rounds, so not in Hypothesis's order: grader/batteries.py)."""
    from grader.runner import _run_with_hypothesis

    for part, check in ALL_CHECKS:
        seed = check_seed(5, part, check.name)
        fast, slow = LoggingProbe(reference, reference), LoggingProbe(reference, reference)
        assert run_check(check, fast, 10, seed, part) is None and _run_with_hypothesis(check, slow, 10, seed, part) is None
        assert set(fast.log) == set(slow.log) and fast.log, f"{part}::{check.name}"
